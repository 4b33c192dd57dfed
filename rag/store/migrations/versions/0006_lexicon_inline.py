"""Keep each passage's lexical terms in the table's own pages (STORAGE MAIN), not in TOAST;
keep the lexicon's totals in a row of their own.

A passage's tsvector (about 3 KB compressed) went out of line, so the planner, which costs a
sequential scan by the table's own pages, saw a few MB where reading the terms meant
detoasting every row: at 10,000 passages it scanned the whole lexicon (60 ms) for a question
whose candidates the GIN index would give in 2 ms. Stored inline, the table's size is what a
scan really reads, the index is chosen when it should be, and scoring a candidate reads its
terms without a TOAST lookup. Existing rows are rewritten so the setting applies to them.

Inline, the table is about 3.7 KB a passage: the count and total length BM25 needs are kept in
`lexicon_totals` (one row, written with the passages) instead of being summed over the table
whenever the corpus changes, which at 100,000 passages read 370 MB.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE passage_lexicon ALTER COLUMN terms SET STORAGE MAIN")
    # A new value is stored by the new rule; an unchanged one would keep its TOAST pointer.
    op.execute("UPDATE passage_lexicon SET terms = terms || ''::tsvector")
    op.execute("ANALYZE passage_lexicon")
    op.create_table(
        "lexicon_totals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("passages", sa.BigInteger(), nullable=False),
        sa.Column("length", sa.BigInteger(), nullable=False),
    )
    op.execute("INSERT INTO lexicon_totals SELECT 1, count(*), coalesce(sum(length), 0) FROM passage_lexicon")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_table("lexicon_totals")
    op.execute("ALTER TABLE passage_lexicon ALTER COLUMN terms SET STORAGE EXTENDED")
