"""Initial schema: documents, passages, extracted knowledge, units, turns, meta.

The bot's tables were created here too until the bot got its own migrations (bot/migrations):
databases made then keep them, and the bot's first migration finds them in place.

Databases made before migrations existed (by `create_all`) already hold some of these tables:
only the missing ones are created, so they upgrade like any other.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _table(name: str, *columns: sa.Column | sa.Constraint, indexes: dict[str, list[str]] | None = None) -> None:
    if sa.inspect(op.get_bind()).has_table(name):
        return
    op.create_table(name, *columns)
    for index, fields in (indexes or {}).items():
        op.create_index(index, name, fields)


def _document_fk() -> sa.Column:
    return sa.Column("document_id", sa.String(32), sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    _table(
        "documents",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("file_name", sa.String(512), nullable=False),
        sa.Column("source", sa.String(1024), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("doc_type", sa.String(64), nullable=False),
        sa.Column("number", sa.String(64)),
        sa.Column("date", sa.String(10)),
        sa.Column("issuer", sa.String(256)),
        sa.Column("signer", sa.String(256)),
        sa.Column("signer_role", sa.String(256)),
        sa.Column("commune", sa.String(128)),
        sa.Column("commune_key", sa.String(128), nullable=False),
        sa.Column("period", sa.String(64)),
        sa.Column("classification", sa.String(16)),
        sa.Column("ocr", sa.Boolean(), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("embed_model", sa.String(256), nullable=False),
        sa.Column("ingested_at", sa.DateTime(), nullable=False),
        indexes={
            "ix_documents_commune_key": ["commune_key"],
            "ix_documents_source": ["source"],
            "ix_documents_status": ["status"],
        },
    )
    _table(
        "passages",
        sa.Column("id", sa.String(48), primary_key=True),
        _document_fk(),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("section_path", sa.Text(), nullable=False),
        sa.Column("section_label", sa.String(128), nullable=False),
        sa.Column("period", sa.String(64)),
        indexes={"ix_passages_document_ordinal": ["document_id", "ordinal"]},
    )
    _table(
        "tasks",
        sa.Column("id", sa.Integer(), primary_key=True),
        _document_fk(),
        sa.Column("passage_id", sa.String(48), nullable=False),
        sa.Column("unit", sa.String(128), nullable=False),
        sa.Column("role", sa.String(32)),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(64)),
        sa.Column("deadline", sa.String(64)),
        indexes={"ix_tasks_document_id": ["document_id"], "ix_tasks_unit": ["unit"]},
    )
    _table(
        "directive_mentions",
        sa.Column("id", sa.Integer(), primary_key=True),
        _document_fk(),
        sa.Column("passage_id", sa.String(48), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("code", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("number", sa.String(16)),
        sa.Column("issuer_code", sa.String(32)),
        sa.Column("date", sa.String(10)),
        sa.Column("issuing_body", sa.String(256)),
        sa.Column("subject", sa.Text()),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        indexes={"ix_directive_mentions_document_id": ["document_id"], "ix_directive_mentions_key": ["key"]},
    )
    _table(
        "figures",
        sa.Column("id", sa.Integer(), primary_key=True),
        _document_fk(),
        sa.Column("passage_id", sa.String(48), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("total", sa.Double()),
        sa.Column("unit", sa.String(64), nullable=False),
        sa.Column("label", sa.String(256), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(64)),
        indexes={"ix_figures_document_id": ["document_id"]},
    )
    _table(
        "units",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
    )
    _table(
        "turns",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("conversation", sa.String(64), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("resolved", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        indexes={"ix_turns_conversation": ["conversation"]},
    )
    _table(
        "meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    for name in (
        "meta",
        "turns",
        "units",
        "figures",
        "directive_mentions",
        "tasks",
        "passages",
        "documents",
    ):
        op.drop_table(name)
