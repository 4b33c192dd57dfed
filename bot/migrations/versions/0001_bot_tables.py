"""The bot's tables: users and approvals, approved groups, answers sent, feedback, updates seen.

Databases made before the bot had its own migrations already hold them (the engine's first
migration created them): only missing tables are created.

Revision ID: bot0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "bot0001"
down_revision = None
branch_labels = None
depends_on = None


def _table(name: str, *columns: sa.Column | sa.Constraint, indexes: dict[str, list[str]] | None = None) -> None:
    if sa.inspect(op.get_bind()).has_table(name):
        return
    op.create_table(name, *columns)
    for index, fields in (indexes or {}).items():
        op.create_index(index, name, fields)


def upgrade() -> None:
    _table(
        "bot_users",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("communes", sa.JSON(), nullable=False),
        sa.Column("default_commune", sa.String(128)),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    _table(
        "bot_chats",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("title", sa.String(256), nullable=False),
    )
    _table(
        "bot_answers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        indexes={"ix_bot_answers_user_id": ["user_id"]},
    )
    _table(
        "bot_feedback",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("vote", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        indexes={"ix_bot_feedback_answer_id": ["answer_id"]},
    )
    _table(
        "bot_updates",
        sa.Column("update_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    for name in ("bot_updates", "bot_feedback", "bot_answers", "bot_chats", "bot_users"):
        op.drop_table(name)
