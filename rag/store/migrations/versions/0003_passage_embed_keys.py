"""The vector cache: each passage records the key of its vector (a hash of the embedding model
and the exact text embedded), indexed, so a new version of a document reuses the vectors of its
unchanged passages, and `reindex` or an import re-embeds only what no passage has a vector for.

Passages of older databases have no key: they are never reused, and get one when `trolyxa
reindex` embeds them again.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("passages") as batch:
        batch.add_column(sa.Column("embed_key", sa.String(length=64), nullable=True))
        batch.create_index("ix_passages_embed_key", ["embed_key"])


def downgrade() -> None:
    with op.batch_alter_table("passages") as batch:
        batch.drop_index("ix_passages_embed_key")
        batch.drop_column("embed_key")
