"""Start-up, once per process: the schema migrated, the vector collection and the unit
registry opened, then whatever a crash left finished (`Consistency`)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from rag.communes import identity, province_in
from rag.config import Settings
from rag.errors import StoreUnavailableError
from rag.search.embed import Embedder
from rag.store import lexicon
from rag.store.consistency import Consistency
from rag.store.database import upgrade_schema
from rag.store.locks import exclusive
from rag.store.schema import Document, Unit
from rag.store.vectors import VectorStore
from rag.units import SEED_UNITS, UnitRegistry


def open_stores(
    settings: Settings, engine: Engine, sessions: sessionmaker[Session], embedder: Embedder
) -> tuple[VectorStore, UnitRegistry]:
    # Processes starting together (bot replicas, an ingest job) migrate the schema and create
    # the collection and the unit registry one at a time.
    try:
        with exclusive(engine, settings.data_dir, "schema"):
            upgrade_schema(engine)
            vectors = VectorStore(embedder.name, settings.chroma_collection, settings.chroma_path, settings.chroma_url)
            units = load_units(sessions)
    except OperationalError as exc:  # the address is not shown: it may hold a password
        raise StoreUnavailableError(
            "Không kết nối được cơ sở dữ liệu. Hãy kiểm tra máy chủ PostgreSQL đang chạy và biến "
            "TROLYXA_DATABASE_URL (địa chỉ, tên người dùng, mật khẩu)."
        ) from exc
    recover(Consistency(sessions, vectors, embedder), engine, settings.data_dir)
    return vectors, units


def recover(consistency: Consistency, engine: Engine, lock_dir: Path) -> None:
    """Rebuild an index that does not answer (or whose commune filters are outdated), finish
    unfinished documents, then index in PostgreSQL's lexicon what it lacks. A writer at work
    elsewhere is alive: its unfinished documents are not a crash's leftovers."""
    with exclusive(engine, lock_dir, "writer", wait=False) as alone:
        if alone:
            # first: a damaged index also fails the repair's reads
            refreshed = refresh_identities(consistency.sessions)
            if refreshed or not consistency.index_answers():
                consistency.rebuild()
            consistency.repair()
            lexicon.reconcile(consistency.sessions, filters_changed=bool(refreshed))


def refresh_identities(sessions: sessionmaker[Session]) -> int:
    """Stores made before communes had identities keep folded names ("ke sat") as keys, which
    merged communes that differ only in diacritics: recompute them from each document's
    commune and header. Chroma's filters carry the same key, so the caller rebuilds it."""
    D = Document
    with sessions() as session, session.begin():
        stale = session.scalars(
            select(D).where(D.commune_key != "", ~D.commune_key.startswith("vn:"), ~D.commune_key.startswith("~"))
        ).all()
        for doc in stale:
            doc.commune_key = identity(doc.commune, province_in(doc.text))
    return len(stale)


def load_units(sessions: sessionmaker[Session]) -> UnitRegistry:
    """The seed registry, stored once, joined by units found in documents."""
    registry = UnitRegistry()
    with sessions() as session, session.begin():
        known = {u.name: u for u in session.scalars(select(Unit))}
        for name, aliases in SEED_UNITS.items():
            if name not in known:
                session.add(Unit(name=name, aliases=list(aliases), origin="seed"))
        for unit in known.values():
            registry.add(unit.name, *unit.aliases)
    return registry
