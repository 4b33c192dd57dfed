"""The engine's one facade: interfaces (CLI, console chat, Telegram bot) call only this.

Constructing it opens nothing; `start()` does the start-up work once (schema, vector index
health, crash repair). Every read takes a `Scope`: what the audience may read is decided by
the interface that knows the audience, and enforced inside the queries here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from rag.answer.asking import Asking
from rag.answer.conversation import Conversations
from rag.answer.generate import Generator
from rag.answer.router import Router
from rag.communes import commune_key, resolve
from rag.config import Settings
from rag.errors import NotFoundError
from rag.ingest.pipeline import Ingestor, Progress
from rag.models import Answer, DirectiveCard, DocumentInfo, FigureView, IngestReport, PassageView, TaskView, UnitInfo
from rag.scope import Scope
from rag.search.corpus import Corpora
from rag.search.embed import Embedder, make_embedder
from rag.search.index import SnapshotFile, Snapshots
from rag.search.postgres import PostgresCorpora
from rag.search.retrieve import Retriever
from rag.search.scoped import ScopedVectors
from rag.store import backup, deadlines, knowledge
from rag.store.consistency import Consistency
from rag.store.database import make_engine, make_sessions, schema_revision
from rag.store.documents import DocumentWriter
from rag.store.locks import exclusive
from rag.store.startup import open_stores


class Assistant:
    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None) -> None:
        self.settings = settings or Settings()
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.engine = make_engine(self.settings.sql_url)
        self.sessions = make_sessions(self.engine)
        self.embedder = embedder or make_embedder(self.settings.embeddings)
        self.generator = Generator(self.settings) if self.settings.llm_base_url else None

    def start(self) -> Assistant:
        """Migrate the schema, open the stores, and finish what a crash left; once per process."""
        self.vectors, self.units = open_stores(self.settings, self.engine, self.sessions, self.embedder)
        self.consistency = Consistency(self.sessions, self.vectors, self.embedder)
        writer = DocumentWriter(self.sessions, self.vectors)
        self.ingestor = Ingestor(writer, self.units, self.embedder, self._writer_lock, self.settings.max_file_bytes)
        self.corpora = self._corpora()
        self.retriever = Retriever(self.embedder, self.vectors, ScopedVectors(self.sessions, self.vectors.model))
        self.router = Router(self.sessions, self.units, self.corpora, self.retriever, self.settings.max_question_chars)
        self.asking = Asking(self.router, self.generator, self._conversations, self.settings.llm_passages)
        self._writer = writer
        return self

    def _corpora(self) -> Corpora:
        """On PostgreSQL the lexical index is the database's, shared by every replica; on
        SQLite each process holds it, kept on disk between starts."""
        if self.engine.dialect.name == "postgresql":
            return PostgresCorpora(self.sessions, self.units)
        snapshot = SnapshotFile(self.settings.data_dir / "search-snapshot.pickle", self.units)
        return Snapshots(self.sessions, self.units, snapshot)

    def _writer_lock(self) -> AbstractContextManager[Any]:
        """One writer at a time (ingest, delete, repair), across hosts on PostgreSQL."""
        return exclusive(self.engine, self.settings.data_dir, "writer")

    # ------------------------------------------------------------------ ingest

    def ingest(self, paths: list[Path], progress: Progress | None = None) -> IngestReport:
        """Add, replace or skip each file; one bad file never stops the batch."""
        return self.ingestor.files(paths, progress)

    def import_from(self, source: Path) -> IngestReport:
        """Rebuild from an export: each document is ingested again from its text and metadata."""
        return self.ingestor.records(source.read_text(encoding="utf-8").splitlines())

    # ------------------------------------------------------------------ ask

    def ask(
        self, question: str, scope: Scope, *, commune: str | None = None, conversation: str | None = None
    ) -> Answer:
        """Answer a question from what `scope` may read. `commune` narrows the search to one
        commune; `conversation` names a chat whose last question a follow-up refers to. With
        a chat model, waits for it (the refined answer, or the extractive one when it fails)."""
        *_, answer = self.ask_stream(question, scope, commune=commune, conversation=conversation)
        return answer

    def ask_stream(
        self, question: str, scope: Scope, *, commune: str | None = None, conversation: str | None = None
    ) -> Iterator[Answer]:
        """Like `ask`, for interfaces that show an answer at once: yields the checked extractive
        answer, then the chat model's verified answer to replace it, when one is configured
        and its reply verifies (rag.answer.asking)."""
        return self.asking.answers(question, scope, commune, conversation)

    def scope_for(self, communes: list[str] | None, classified: bool) -> Scope:
        """The scope of an audience approved for these commune names (None: every commune).
        A name means the communes of that exact name; typed without diacritics, the one commune
        it folds to, and none when several do (see rag.communes.resolve)."""
        if communes is None:
            return Scope(None, classified)
        known = self.corpora.current().known
        return Scope(frozenset(i for name in communes for i in resolve(name, known)), classified)

    def communes(self, scope: Scope) -> list[tuple[str, str]]:
        """(identity, name) of every commune whose documents `scope` may read."""
        return [(i, name) for i, name in self.corpora.current().known if scope.permits(i, None)]

    def _named(self, commune: str | None) -> list[str] | None:
        return None if commune is None else resolve(commune, self.corpora.current().known)

    def _conversations(self, scope: Scope) -> Conversations:
        def communes() -> dict[str, str]:
            return {commune_key(d.commune): d.commune for d in self.documents(scope) if d.commune}

        return Conversations(self.sessions, self.units, self.generator, communes)

    # ------------------------------------------------------------------ knowledge

    def tasks(
        self, unit: str, scope: Scope, *, commune: str | None = None, period: str | None = None
    ) -> tuple[str, list[TaskView]]:
        """(canonical unit, its tasks); the unit may be named by any alias, with or without diacritics."""
        with self.sessions() as session:
            canonical, found = knowledge.tasks(session, self.units, unit, scope, self._named(commune), period)
        if canonical is None:
            raise NotFoundError(
                f"Không nhận ra đơn vị «{unit}». Xem danh sách đơn vị bằng lệnh «trolyxa units» "
                "(ví dụ: «Ban Xây dựng Đảng», «UBKT», «Hội CCB»)."
            )
        return canonical, found

    def directive(self, code: str, scope: Scope) -> DirectiveCard:
        with self.sessions() as session:
            card = knowledge.directive(session, code, scope)
        if card is None:
            raise NotFoundError(f"Các tài liệu hiện có không nhắc đến văn bản «{code.strip()}».")
        return card

    def units_list(self, scope: Scope, commune: str | None = None) -> list[UnitInfo]:
        with self.sessions() as session:
            return knowledge.unit_list(session, scope, self._named(commune))

    def passage(self, passage_id: str, scope: Scope) -> PassageView | None:
        """A passage with its neighbours; None when it does not exist or `scope` may not read it."""
        with self.sessions() as session:
            return knowledge.passage_view(session, passage_id, scope)

    def figures(self, scope: Scope, commune: str | None = None) -> list[FigureView]:
        with self.sessions() as session:
            return knowledge.figures(session, scope, self._named(commune))

    def due_tasks(self, scope: Scope, window: deadlines.Window) -> list[deadlines.DueTask]:
        """Tasks whose deadline (or period's end) falls in `window`, soonest first (rag.deadlines)."""
        with self.sessions() as session:
            return deadlines.due(session, scope, window)

    def documents(self, scope: Scope) -> list[DocumentInfo]:
        with self.sessions() as session:
            return knowledge.documents(session, scope)

    def export(self, target: Path, scope: Scope) -> int:
        """Every document `scope` may read, with metadata and knowledge, one JSON a line."""
        return backup.export(self.sessions, scope, target)

    # ------------------------------------------------------------------ manage

    def delete(self, doc_id: str) -> DocumentInfo:
        """Delete a document by id or a unique prefix of 6+ characters (an operator's act)."""
        with self._writer_lock():
            found = [d for d in self.documents(Scope.operator()) if d.id == doc_id or d.id.startswith(doc_id or "-")]
            info = found[0] if found and (len(doc_id) >= 6 or found[0].id == doc_id) else None
            if info is None:
                raise NotFoundError(f"Không có tài liệu mã «{doc_id}». Xem danh sách mã bằng lệnh «trolyxa documents».")
            self._writer.delete(info.id)
        return info

    def reindex(self, progress: Progress | None = None) -> int:
        """Rebuild every vector from SQL with the configured model (e.g. after changing it)."""
        with self._writer_lock():
            return self.consistency.rebuild(progress, reembed=True)

    def rebuild_vectors(self, progress: Progress | None = None) -> int:
        """Rebuild the Chroma collection from the vectors kept in SQL."""
        return self.consistency.rebuild(progress)

    def doctor(self, repair: bool = False) -> dict[str, Any]:
        """Check that SQL and Chroma agree; with `repair`, mend what does not."""
        with self._writer_lock() if repair else nullcontext():
            report = self.consistency.doctor(repair=repair)
        return {"schema": schema_revision(self.engine), **report}
