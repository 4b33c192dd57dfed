"""Updates keep their content until answered (a restart answers what a crash interrupted);
uploads are recorded until stored (a crash in between is told to the admin).

Revision ID: bot0002
Revises: bot0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "bot0002"
down_revision = "bot0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bot_updates") as batch:
        batch.add_column(sa.Column("payload", sa.JSON()))
        # updates seen before this revision were handled then
        batch.add_column(sa.Column("answered", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.create_table(
        "bot_uploads",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("file_name", sa.String(256), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("bot_uploads")
    with op.batch_alter_table("bot_updates") as batch:
        batch.drop_column("answered")
        batch.drop_column("payload")
