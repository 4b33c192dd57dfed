"""The lexical index kept in PostgreSQL (server mode), beside the passages it indexes.

Each ready passage has a row with its BM25 terms (`rag.search.lexical.terms`, the ones the
embedded engine counts) as a `tsvector`, a term's frequency written as that many positions,
under a GIN index; `lexicon_terms` holds each term's document frequency. Rows are written and
removed in the transaction that makes a document ready or retires it (`rag.store.documents`),
so the index is never out of step with what is searchable, whichever process or host wrote.
A term's frequency in the table is the number of ready passages holding it; a term no longer
held stays with 0 (cheaper than finding it again to delete it).

The terms depend on code (the tokeniser, the domain vocabulary): the code's fingerprint is
kept in `meta`, and a start with other code indexes every ready document again (`reconcile`).
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Identity,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR, insert
from sqlalchemy.orm import Session, sessionmaker

from rag.search.lexical import passage_terms
from rag.store.schema import READY, Document, Meta, Passage

log = logging.getLogger(__name__)

metadata = MetaData()
passage_lexicon = Table(
    "passage_lexicon",
    metadata,
    Column("passage_id", String(48), ForeignKey("passages.id", ondelete="CASCADE"), primary_key=True),
    Column("document_id", String(32), nullable=False, index=True),
    Column("commune_key", String(128), nullable=False),
    Column("classified", Boolean, nullable=False),
    Column("length", Integer, nullable=False),  # number of terms, for BM25's length norm
    Column("terms", TSVECTOR, nullable=False),
    # The order passages were indexed in (documents as they became ready): ties rank by it,
    # as in the embedded engine.
    Column("position", BigInteger, Identity(), nullable=False),
)
lexicon_terms = Table(
    "lexicon_terms",
    metadata,
    Column("term", Text, primary_key=True),
    Column("df", Integer, nullable=False),
)
# How many passages are indexed and their terms in all (BM25's mean length), kept as rows
# come and go: counting them would scan the table each time the corpus changes.
lexicon_totals = Table(
    "lexicon_totals",
    metadata,
    Column("id", Integer, primary_key=True),  # one row, id 1
    Column("passages", BigInteger, nullable=False),
    Column("length", BigInteger, nullable=False),
)
FINGERPRINT_KEY = "lexicon"
MAX_POSITIONS = 255  # PostgreSQL keeps at most 256 positions of a lexeme
MAX_TERM_BYTES = 2000  # PostgreSQL refuses longer lexemes; no real word is
REINDEX_GROUP = 50  # documents indexed and committed together by `reconcile`


def enabled(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def quoted(term: str) -> str:
    """A lexeme as tsvector and tsquery literals write it, taken as it is (no parsing)."""
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_text(counts: Counter[str]) -> str:
    return " ".join(
        f"{quoted(term)}:{','.join(map(str, range(1, min(n, MAX_POSITIONS) + 1)))}"
        for term, n in sorted(counts.items())
    )


def usable(term: str) -> bool:
    return 0 < len(term.encode()) <= MAX_TERM_BYTES


def add(session: Session, document_ids: list[str]) -> None:
    """Index the passages of documents becoming ready, and count their terms."""
    if not enabled(session):
        return
    # A document already indexed is not counted twice.
    indexed = set(
        session.scalars(
            select(passage_lexicon.c.document_id)
            .where(passage_lexicon.c.document_id.in_(list(document_ids)))
            .distinct()
        )
    )
    ids = [i for i in document_ids if i not in indexed]
    if not ids:
        return
    D, P = Document, Passage
    found = session.execute(
        select(P.id, P.document_id, P.section_path, P.text, D.title, D.number, D.date, D.commune_key, D.classification)
        .join(D)
        .where(P.document_id.in_(ids))
    )
    rows: list[dict[str, object]] = []
    df: Counter[str] = Counter()
    length = 0
    for r in found:
        counts = Counter(t for t in passage_terms(r.title, r.number, r.date, r.section_path, r.text) if usable(t))
        df.update(counts.keys())
        length += sum(counts.values())
        rows.append(
            {
                "passage_id": r.id,
                "document_id": r.document_id,
                "commune_key": r.commune_key,
                "classified": r.classification is not None,
                "length": sum(counts.values()),
                "terms": tsvector_text(counts),
            }
        )
    if not rows:
        return
    session.execute(
        text(
            "INSERT INTO passage_lexicon (passage_id, document_id, commune_key, classified, length, terms) "
            "VALUES (:passage_id, :document_id, :commune_key, :classified, :length, CAST(:terms AS tsvector)) "
            "ON CONFLICT (passage_id) DO NOTHING"
        ),
        rows,
    )
    session.execute(
        text("UPDATE lexicon_totals SET passages = passages + :n, length = length + :length WHERE id = 1"),
        {"n": len(rows), "length": length},
    )
    upsert = insert(lexicon_terms)
    session.execute(
        upsert.on_conflict_do_update(index_elements=["term"], set_={"df": lexicon_terms.c.df + upsert.excluded.df}),
        [{"term": t, "df": n} for t, n in sorted(df.items())],  # one order: concurrent writers never deadlock
    )


def remove(session: Session, document_ids: Iterable[str]) -> None:
    """Take the passages of documents leaving the ready state out, and uncount their terms."""
    ids = list(document_ids)
    if not ids or not enabled(session):
        return
    session.execute(
        text(
            "WITH gone AS (DELETE FROM passage_lexicon WHERE document_id = ANY(:ids) RETURNING terms, length), "
            "totals AS (UPDATE lexicon_totals SET passages = passages - (SELECT count(*) FROM gone), "
            "length = length - (SELECT coalesce(sum(gone.length), 0) FROM gone) WHERE id = 1), "
            "counts AS (SELECT u.lexeme, count(*) AS n FROM gone, unnest(gone.terms) AS u GROUP BY u.lexeme) "
            "UPDATE lexicon_terms AS t SET df = t.df - counts.n FROM counts WHERE t.term = counts.lexeme"
        ),
        {"ids": ids},
    )


def fingerprint() -> str:
    """What the stored terms depend on besides the passages: the code that makes them."""
    from rag import text as text_module
    from rag.search import lexical, vocabulary

    digest = hashlib.sha256()
    for module in (lexical, vocabulary, text_module):
        digest.update(Path(module.__file__ or "").read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()


def reconcile(sessions: sessionmaker[Session], filters_changed: bool = False) -> int:
    """Index what the table lacks: every ready document when the code that makes the terms
    changed (or the table is new), else the ready documents without rows (a store upgraded
    from a version without this table). `filters_changed`: documents' commune identities were
    recomputed, and the rows' copies follow. Callers hold the writer lock. Returns documents
    indexed."""
    with sessions() as session, session.begin():
        if not enabled(session):
            return 0
        if filters_changed:
            session.execute(
                text(
                    "UPDATE passage_lexicon AS l SET commune_key = d.commune_key FROM documents AS d "
                    "WHERE d.id = l.document_id AND l.commune_key <> d.commune_key"
                )
            )
        stored = session.get(Meta, FINGERPRINT_KEY)
        current = fingerprint()
        if stored is None or stored.value != current:
            missing = list(session.scalars(select(Document.id).where(Document.status == READY)))
            fresh = True
        else:
            indexed = select(passage_lexicon.c.document_id).where(passage_lexicon.c.document_id == Document.id)
            missing = list(session.scalars(select(Document.id).where(Document.status == READY, ~indexed.exists())))
            fresh = False
    if missing:
        log.warning("indexing the terms of %d documents in PostgreSQL", len(missing))
    if fresh:
        with sessions() as session, session.begin():
            session.execute(delete(passage_lexicon))
            session.execute(delete(lexicon_terms))
            session.execute(text("UPDATE lexicon_totals SET passages = 0, length = 0 WHERE id = 1"))
    for start in range(0, len(missing), REINDEX_GROUP):
        with sessions() as session, session.begin():
            add(session, missing[start : start + REINDEX_GROUP])
    if fresh:
        with sessions() as session, session.begin():
            session.merge(Meta(key=FINGERPRINT_KEY, value=current))
    return len(missing)


def statistics(session: Session) -> tuple[int, float]:
    """(passages indexed, their mean length in terms)."""
    count, total = session.execute(select(lexicon_totals.c.passages, lexicon_totals.c.length)).one()
    return int(count), (float(total) / count if count else 1.0)
