"""The lexical index in PostgreSQL (server mode): a row of BM25 terms per ready passage under a
GIN index, and each term's document frequency (see rag.store.lexicon). SQLite stores keep
their lexical index in the process (rag.search.index): nothing changes for them.

The tables start empty; the first start after the upgrade indexes the ready documents
(`rag.store.lexicon.reconcile`).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import TSVECTOR

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_table(
        "passage_lexicon",
        sa.Column("passage_id", sa.String(48), sa.ForeignKey("passages.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("document_id", sa.String(32), nullable=False),
        sa.Column("commune_key", sa.String(128), nullable=False),
        sa.Column("classified", sa.Boolean(), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("terms", TSVECTOR(), nullable=False),
        sa.Column("position", sa.BigInteger(), sa.Identity(), nullable=False),
    )
    op.create_index("ix_passage_lexicon_document_id", "passage_lexicon", ["document_id"])
    op.create_index("ix_passage_lexicon_terms", "passage_lexicon", ["terms"], postgresql_using="gin")
    op.create_table(
        "lexicon_terms", sa.Column("term", sa.Text(), primary_key=True), sa.Column("df", sa.Integer(), nullable=False)
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_table("lexicon_terms")
    op.drop_table("passage_lexicon")
