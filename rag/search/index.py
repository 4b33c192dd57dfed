"""The searchable snapshot: every ready passage with what retrieval and answers need of it,
and the lexical index over them. Immutable; a change elsewhere produces the next snapshot,
reading only the documents added since (`Snapshots`). The last snapshot is kept on disk, so a
process that starts again reads it instead of tokenising every passage (`SnapshotFile`)."""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from rag.communes import commune_key
from rag.search.lexical import LexicalIndex, index_text, terms
from rag.store import documents
from rag.store.schema import READY, Document, Passage
from rag.text import fold
from rag.units import UnitRegistry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndexedPassage:
    """A ready passage as the search index holds it."""

    id: str
    document_id: str
    title: str
    commune: str | None
    commune_key: str  # the commune's identity (rag.communes.identity)
    doc_type: str
    section_label: str
    section_path: str
    period: str | None
    text: str
    context_terms: frozenset[str]  # terms of the title and heading path
    units: frozenset[str]  # canonical units named in the passage or its headings
    classified: bool = False  # the document is marked MẬT / TỐI MẬT
    ocr: bool = False  # read from a scan: quotes may carry recognition errors

    @cached_property
    def folded_text(self) -> str:
        return fold(self.text)


class PassageIndex:
    """An immutable snapshot of the searchable passages and their lexical index."""

    def __init__(self, rows: list[IndexedPassage], generation: int, lexical: LexicalIndex | None = None) -> None:
        self.rows = rows
        self.generation = generation
        self.position = {row.id: i for i, row in enumerate(rows)}
        self.lexical = lexical or LexicalIndex(_terms(rows))
        self.communes = sorted({r.commune_key for r in rows if r.commune_key})  # identities
        # (identity, name) of every commune, and which identities a folded name may mean:
        # questions are matched on what people type, filters on identities.
        self.known = sorted({(r.commune_key, r.commune) for r in rows if r.commune_key and r.commune})
        self.by_folded: dict[str, list[str]] = {}
        for ident, name in self.known:
            self.by_folded.setdefault(commune_key(name), []).append(ident)
        self.folded_names = sorted(self.by_folded)  # what a question is matched against
        code = {key: i for i, key in enumerate(self.communes)}
        self._commune_codes = np.asarray([code.get(r.commune_key, -1) for r in rows], dtype=np.int32)
        self.classified_documents = frozenset(r.document_id for r in rows if r.classified)
        self.classified = np.asarray([r.classified for r in rows], dtype=bool)

    @cached_property
    def _by_document(self) -> dict[str, list[int]]:
        rows: dict[str, list[int]] = {}
        for i, row in enumerate(self.rows):
            rows.setdefault(row.document_id, []).append(i)
        return rows

    def document_rows(self, document_id: str) -> list[int]:
        """The rows of one document's passages, in order."""
        return self._by_document.get(document_id, [])

    def in_communes(self, keys: list[str]) -> np.ndarray:
        """Which rows belong to one of these communes (identities)."""
        asked = set(keys)
        wanted = [i for i, key in enumerate(self.communes) if key in asked]
        return np.isin(self._commune_codes, wanted)

    def changed(self, generation: int, ready: set[str], added: list[IndexedPassage]) -> PassageIndex:
        """The next snapshot: this one's passages of documents still in `ready`, then `added`."""
        keep = [i for i, row in enumerate(self.rows) if row.document_id in ready]
        rows = [self.rows[i] for i in keep] + added
        return PassageIndex(rows, generation, self.lexical.extended(np.asarray(keep, dtype=np.int64), _terms(added)))


def _terms(rows: list[IndexedPassage]) -> Iterator[list[str]]:
    return (terms(index_text(r.title, r.section_path, r.text)) for r in rows)


class SnapshotFile:
    """The last snapshot on disk, for the next start. It is only a head start: the store is
    the truth, and a snapshot read back is reconciled with it like any previous snapshot
    (documents no longer ready dropped, the missing ones read). A file written by other code
    (tokeniser, unit registry, libraries) is ignored, as is a damaged one."""

    def __init__(self, path: Path, units: UnitRegistry) -> None:
        self.path = path
        self.fingerprint = _fingerprint(units)

    def read(self) -> PassageIndex | None:
        try:
            with self.path.open("rb") as stream:
                fingerprint, index = pickle.load(stream)  # our own file in the data directory, beside the database
        except FileNotFoundError:
            return None
        except Exception as exc:  # damaged, truncated, or from other versions of the libraries
            log.warning("search snapshot %s unreadable (%s): rebuilding", self.path, type(exc).__name__)
            return None
        return index if fingerprint == self.fingerprint and isinstance(index, PassageIndex) else None

    def write(self, index: PassageIndex) -> None:
        temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.{threading.get_ident()}")
        try:
            with temporary.open("wb") as stream:
                pickle.dump((self.fingerprint, index), stream, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, self.path)  # readers see the old file or the new one, never half
        except OSError as exc:
            log.warning("search snapshot not saved (%s)", exc)
            temporary.unlink(missing_ok=True)


def _fingerprint(units: UnitRegistry) -> str:
    """What a snapshot's content depends on besides the store: the code that tokenises and
    tags passages, the unit registry, and the libraries that pickle it."""
    from rag import communes, text
    from rag import units as units_module
    from rag.search import lexical, vocabulary

    digest = hashlib.sha256(sys.version.encode() + np.__version__.encode())
    for module in (sys.modules[__name__], lexical, vocabulary, text, units_module, communes):
        digest.update(Path(module.__file__ or "").read_bytes())
    for name in units.canonical_names:
        digest.update(repr((name, units.aliases(name))).encode())
    return digest.hexdigest()


class Snapshots:
    """The current snapshot, brought up to date when another process or call changed the
    store (the generation counter): only documents added since are read and tokenised."""

    def __init__(self, sessions: sessionmaker[Session], units: UnitRegistry, file: SnapshotFile | None = None) -> None:
        self.sessions = sessions
        self.units = units
        self.file = file
        self._index: PassageIndex | None = None
        self._lock = threading.Lock()
        self._saving: threading.Thread | None = None

    def saved(self) -> None:
        """Wait until the last snapshot is on disk (tests; a process exit waits by itself)."""
        if self._saving is not None:
            self._saving.join()

    def current(self) -> PassageIndex:
        with self.sessions() as session:
            generation = documents.generation(session)
        with self._lock:
            if self._index is None and self.file is not None and (stored := self.file.read()) is not None:
                self._index = self._load(generation, stored)  # reconciled even at the same generation
            if self._index is None or self._index.generation != generation:
                self._index = self._load(generation, self._index)
                if self.file is not None:  # beside the question being asked, which does not wait; finished before exit
                    self._saving = threading.Thread(target=self.file.write, args=(self._index,))
                    self._saving.start()
            return self._index

    def _load(self, generation: int, previous: PassageIndex | None) -> PassageIndex:
        with self.sessions() as session:
            ready = set(session.scalars(select(Document.id).where(Document.status == READY)))
        known = {row.document_id for row in previous.rows} if previous else set()
        added = self._rows(ready - known)
        if previous is None:
            return PassageIndex(added, generation)
        if previous.generation == generation and not added and known == ready:
            return previous
        return previous.changed(generation, ready, added)

    def _rows(self, document_ids: set[str]) -> list[IndexedPassage]:
        # Columns, not ORM objects: a province's store holds 100,000 passages, and documents'
        # full texts are not needed here.
        D, P = Document, Passage
        query = (
            select(
                P.id,
                P.document_id,
                D.title,
                D.commune,
                D.commune_key,
                D.doc_type,
                P.section_label,
                P.section_path,
                P.period,
                P.text,
                D.classification,
                D.ocr,
            )
            .join(D)
            .where(D.status == READY)
            .order_by(D.ingested_at, D.id, P.ordinal)
        )
        rows: list[IndexedPassage] = []
        ids = sorted(document_ids)
        # The passages of one section share its title, heading path and their terms: one object
        # each, not one a passage (a province's snapshot is smaller, and reads back faster).
        shared: dict[object, object] = {}

        def one(value: Any) -> Any:
            return shared.setdefault(value, value)

        contexts: dict[tuple[str, str], frozenset[str]] = {}
        with self.sessions() as session:
            for start in range(0, len(ids), 500):  # bounded IN lists
                for r in session.execute(query.where(D.id.in_(ids[start : start + 500]))):
                    key = (r.title, r.section_path)
                    if key not in contexts:
                        contexts[key] = one(frozenset(map(one, terms(f"{r.title}\n{r.section_path}"))))
                    rows.append(
                        IndexedPassage(
                            r.id,
                            r.document_id,
                            one(r.title),
                            one(r.commune),
                            one(r.commune_key),
                            one(r.doc_type),
                            one(r.section_label),
                            one(r.section_path),
                            one(r.period),
                            r.text,
                            context_terms=contexts[key],
                            units=one(frozenset(map(one, self.units.find_all(f"{r.section_path}\n{r.text}")))),
                            classified=r.classification is not None,
                            ocr=r.ocr,
                        )
                    )
        return rows
