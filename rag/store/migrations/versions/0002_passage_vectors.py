"""Passage vectors kept in SQL: Chroma becomes an index that can be rebuilt without re-embedding
(after a lost or corrupted HNSW segment, or to move to a Chroma server).

Passages of older databases have no stored vector; they are embedded again on the next
`trolyxa doctor --repair` or automatic rebuild.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("passages") as batch:
        batch.add_column(sa.Column("vector", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("passages") as batch:
        batch.drop_column("vector")
