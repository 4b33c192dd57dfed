"""Deadline reminders: subscriptions (/nhacviec) and what was sent which day.

Revision ID: bot0003
Revises: bot0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "bot0003"
down_revision = "bot0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bot_reminders",
        sa.Column("chat_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("is_group", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("units", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "bot_reminders_sent",
        sa.Column("chat_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("task_key", sa.String(32), primary_key=True),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("bot_reminders_sent")
    op.drop_table("bot_reminders")
