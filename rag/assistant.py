"""The engine's one facade: interfaces (CLI, console chat, Telegram bot) call only this."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import selectinload

from rag import knowledge, store
from rag.answer import as_passages, build_answer, directive_answer, task_answer
from rag.chunk import chunk
from rag.config import Settings
from rag.embed import Embedder, make_embedder
from rag.errors import LoadError, NotFoundError, StoreUnavailableError, TroLyXaError
from rag.extract import directive_key, discover_units, extract
from rag.followup import follow_up_subject, resolve
from rag.generate import Generator
from rag.lexical import terms
from rag.load import SUPPORTED, LoadedFile, load
from rag.models import Answer, DirectiveCard, DocumentInfo, FigureView, IngestReport, PassageView, TaskView, UnitInfo
from rag.parse import apply_override, commune_key, parse
from rag.retrieve import Hit, PassageIndex, PassageRow, Retriever, index_text
from rag.text import clean
from rag.understand import understand
from rag.units import SEED_UNITS, UnitRegistry
from rag.vectors import VectorStore

log = logging.getLogger(__name__)
TURNS_KEPT = 5  # per conversation, for follow-up questions
EXPORTED_METADATA = (
    "title",
    "doc_type",
    "number",
    "date",
    "issuer",
    "signer",
    "signer_role",
    "commune",
    "period",
    "classification",
    "recipients",
)

Progress = Callable[[str, int, int], None]  # (file name, done, total)


def document_id(text: str) -> str:
    """Derived from the normalised content: the same text is the same document."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class Assistant:
    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None) -> None:
        self.settings = settings or Settings()
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.engine = store.make_engine(self.settings.sql_url)
        self.sessions = store.make_sessions(self.engine)
        self.embedder = embedder or make_embedder(self.settings.embeddings)
        # Processes starting together (bot replicas, an ingest job) migrate the schema and create
        # the collection and the unit registry one at a time.
        try:
            with self._lock("schema"):
                store.upgrade_schema(self.engine)
                self.vectors = VectorStore(
                    self.embedder.name,
                    self.settings.chroma_collection,
                    self.settings.chroma_path,
                    self.settings.chroma_url,
                )
                self.units = self._load_units()
        except OperationalError as exc:  # the address is not shown: it may hold a password
            raise StoreUnavailableError(
                "Không kết nối được cơ sở dữ liệu. Hãy kiểm tra máy chủ PostgreSQL đang chạy và biến "
                "TROLYXA_DATABASE_URL (địa chỉ, tên người dùng, mật khẩu)."
            ) from exc
        # A writer at work elsewhere is alive: its unfinished documents are not a crash's leftovers.
        with self._lock("writer", wait=False) as alone:
            if alone:
                if not self._vectors_answer():  # first: a damaged index also fails the repair's reads
                    self.rebuild_vectors()
                self.repair()
        self.retriever = Retriever(self.embedder, self.vectors)
        self.generator = Generator(self.settings) if self.settings.llm_base_url else None
        self._index: PassageIndex | None = None
        self._index_lock = threading.Lock()

    # ------------------------------------------------------------------ ingest

    def ingest(self, paths: list[Path], progress: Progress | None = None) -> IngestReport:
        """Add, replace or skip each file; one bad file never stops the batch."""
        files = list(_expand(paths))
        report = IngestReport()
        with self._lock("writer"):
            for done, (path, problem) in enumerate(files, start=1):
                if progress:
                    progress(path.name, done - 1, len(files))
                if problem:
                    report.failed.append((path.name, problem))
                    continue
                try:
                    outcome = self._ingest_one(path)
                except TroLyXaError as exc:
                    report.failed.append((path.name, str(exc)))
                    continue
                getattr(report, outcome).append(path.name)
            if progress and files:
                progress("", len(files), len(files))
        return report

    def _ingest_one(self, path: Path) -> str:
        loaded = load(path, self.settings.max_file_bytes)
        overrides = path.with_name(path.name + ".meta.json")
        return self._ingest_loaded(
            loaded, json.loads(overrides.read_text(encoding="utf-8")) if overrides.is_file() else {}
        )

    def _ingest_loaded(self, loaded: LoadedFile, overrides: dict[str, Any]) -> str:
        text = clean(loaded.text)
        if not text.strip():
            raise LoadError(loaded.name, "tệp không có nội dung chữ.")
        doc_id = document_id(text)
        source = loaded.name
        path = Path(loaded.name)
        with self.sessions() as session:
            if session.scalars(
                select(store.Document).where(store.Document.id == doc_id, store.Document.status == store.READY)
            ).first():
                return "unchanged"
            prior = store.ready_by_source(session, source)
            prior_id = prior.id if prior else None

        parsed = parse(text, path.name)
        parsed.metadata = meta = apply_override(parsed.metadata, overrides)
        new_units = discover_units(parsed, self.units)
        for name in new_units:
            self.units.add(name)
        chunks = chunk(parsed, self.units)
        found = extract(parsed, chunks, self.units)
        key = commune_key(meta.commune)
        vectors = self.embedder.passages([index_text(meta.title, c.section_path, c.text) for c in chunks])

        def pid(ordinal: int) -> str:
            return f"{doc_id}-{ordinal:04d}"

        with self.sessions() as session, session.begin():
            session.execute(delete(store.Document).where(store.Document.id == doc_id))
            row = store.Document(
                id=doc_id,
                file_name=path.name,
                source=source,
                status=store.PENDING,
                title=meta.title,
                doc_type=meta.doc_type,
                number=meta.number,
                date=meta.date,
                issuer=meta.issuer,
                signer=meta.signer,
                signer_role=meta.signer_role,
                commune=meta.commune,
                commune_key=key,
                period=meta.period,
                classification=meta.classification,
                ocr=loaded.ocr,
                recipients=meta.recipients,
                text=text,
                embed_model=self.embedder.name,
            )
            row.passages = [
                store.Passage(
                    id=pid(c.ordinal),
                    ordinal=c.ordinal,
                    start=c.start,
                    end=c.end,
                    text=c.text,
                    section_path=c.section_path,
                    section_label=c.section_label,
                    period=c.period,
                    vector=_to_bytes(vector),
                )
                for c, vector in zip(chunks, vectors, strict=True)
            ]
            row.tasks = _rows(store.Task, found.tasks, pid)
            row.mentions = _rows(store.DirectiveMention, found.directives, pid, key=lambda m: directive_key(m.code))
            row.figures = _rows(store.Figure, found.figures, pid)
            session.add(row)
            for name in new_units:
                session.merge(store.Unit(name=name, aliases=[], origin="document"))
        self.vectors.delete_document(doc_id)
        self.vectors.add([pid(c.ordinal) for c in chunks], vectors, [_vector_metadata(row)] * len(chunks))
        with self.sessions() as session, session.begin():
            store.publish(session, doc_id, prior_id)
        if prior_id:
            self._drop(prior_id)
        log.info("ingested %s as %s (%d passages)", path.name, doc_id, len(chunks))
        return "replaced" if prior_id else "added"

    def _index_vectors(self, doc: store.Document, reembed: bool = False) -> None:
        """Put a stored document's vectors into Chroma: those kept in SQL when they are of the
        configured model, otherwise (or with `reembed`) computed again and kept."""
        passages = doc.passages
        if reembed or doc.embed_model != self.embedder.name or any(p.vector is None for p in passages):
            vectors = self.embedder.passages([index_text(doc.title, p.section_path, p.text) for p in passages])
            for passage, vector in zip(passages, vectors, strict=True):
                passage.vector = _to_bytes(vector)
            doc.embed_model = self.embedder.name
        else:
            vectors = np.stack([np.frombuffer(p.vector or b"", dtype=np.float32) for p in passages])
        self.vectors.add([p.id for p in passages], vectors, [_vector_metadata(doc)] * len(passages))

    def _lock(self, name: str, wait: bool = True) -> Any:
        """`writer`: one writer at a time (ingest, delete, repair); `schema`: start-up creation.
        Held across hosts when the database is PostgreSQL (see store.exclusive)."""
        return store.exclusive(self.engine, self.settings.data_dir, name, wait)

    def _load_units(self) -> UnitRegistry:
        """The seed registry, stored once, joined by units found in documents."""
        registry = UnitRegistry()
        with self.sessions() as session, session.begin():
            known = {u.name: u for u in session.scalars(select(store.Unit))}
            for name, aliases in SEED_UNITS.items():
                if name not in known:
                    session.add(store.Unit(name=name, aliases=list(aliases), origin="seed"))
            for unit in known.values():
                registry.add(unit.name, *unit.aliases)
        return registry

    # ------------------------------------------------------------------ ask

    def ask(
        self,
        question: str,
        commune: str | None = None,
        allowed: list[str] | None = None,
        classified: bool = True,
        conversation: str | None = None,
    ) -> Answer:
        """Answer a question. `commune` narrows the search to one commune; `allowed` (commune
        names) is what the asker may read: nothing else is searched (None: everything);
        `classified=False` keeps documents marked MẬT out of the search; `conversation` names
        a chat whose last question a follow-up ("Còn Hội Nông dân thì sao?") refers to."""
        *_, answer = self.ask_stream(question, commune, allowed, classified, conversation)
        assert isinstance(answer, Answer)
        return answer

    def ask_stream(
        self,
        question: str,
        commune: str | None = None,
        allowed: list[str] | None = None,
        classified: bool = True,
        conversation: str | None = None,
    ) -> Iterator[str | Answer]:
        """Like `ask`, for interfaces that show an answer as it grows: yields the verified text
        so far while a chat model writes (only when one is configured), then the Answer."""
        resolved = self._resolve(question, conversation) if conversation else question
        answer, hits = self._answer(resolved, commune, allowed, classified)
        if self.generator is not None and hits is not None and not answer.abstained:
            for item in self.generator.stream(answer.question, hits[: self.settings.llm_passages], answer):
                if isinstance(item, str):
                    yield item
                else:
                    answer = item
        if conversation:
            self._remember(conversation, question, resolved)
            if resolved != question:
                answer.note = f"Hiểu câu hỏi là: «{resolved}»" + (f" {answer.note}" if answer.note else "")
        yield answer

    def _remember(self, conversation: str, question: str, resolved: str) -> None:
        with self.sessions() as session, session.begin():
            session.add(store.Turn(conversation=conversation, question=question, resolved=resolved))
            old = session.scalars(
                select(store.Turn.id)
                .where(store.Turn.conversation == conversation)
                .order_by(store.Turn.id.desc())
                .offset(TURNS_KEPT)
            ).all()
            if old:
                session.execute(delete(store.Turn).where(store.Turn.id.in_(old)))

    def _resolve(self, question: str, conversation: str) -> str:
        with self.sessions() as session:
            last = session.scalars(
                select(store.Turn).where(store.Turn.conversation == conversation).order_by(store.Turn.id.desc())
            ).first()
        if last is None or follow_up_subject(question) is None:
            return question
        if self.generator is not None and (rewritten := self.generator.rewrite(question, last.resolved)):
            return rewritten
        communes = {commune_key(d.commune): d.commune for d in self.documents() if d.commune}
        return resolve(question, last.resolved, self.units, communes)

    def _answer(
        self, question: str, commune: str | None, allowed: list[str] | None, classified: bool
    ) -> tuple[Answer, list[Hit] | None]:
        """(answer, hits when a chat model may rephrase it; None for table answers)."""
        if len(question) > self.settings.max_question_chars:
            limit = self.settings.max_question_chars
            raise TroLyXaError(f"Câu hỏi quá dài ({len(question)} ký tự). Hãy hỏi ngắn gọn, dưới {limit} ký tự.")
        index = self.index()
        query = understand(question, index.communes, self.units)
        if not query.terms:
            if subject := follow_up_subject(question):
                raise TroLyXaError(
                    f"Bạn hỏi tiếp về «{subject}» nhưng chưa có câu hỏi trước đó. Hãy hỏi đầy đủ, ví dụ: "
                    f"«{subject} có bao nhiêu đảng viên?»"
                )
            raise TroLyXaError("Câu hỏi chưa có nội dung. Hãy gõ câu hỏi bằng chữ, ví dụ: «Chỉ thị 50-CT/TW nói gì?»")
        communes = [commune_key(commune)] if commune else (query.communes or None)
        if allowed is not None:
            permitted = {commune_key(name) for name in allowed}
            communes = [c for c in (communes or index.communes) if c in permitted]
        hits = self.retriever.search(index, query, k=10, communes=communes, classified=classified)
        hidden = frozenset() if classified else index.classified_documents
        # Questions the extracted knowledge answers better than free text; retrieval otherwise.
        if query.units and query.asks_tasks:
            period = query.periods[0] if query.periods else None
            with self.sessions() as session:
                for unit in query.units:
                    _, found = knowledge.tasks(session, self.units, unit, communes, period)
                    found = [t for t in found if t.document_id not in hidden]
                    if found:
                        return task_answer(query.text, unit, found, as_passages(hits)), None
        if query.doc_numbers and not (query.asks_tasks or query.asks_person):
            with self.sessions() as session:
                card = knowledge.directive(session, query.doc_numbers[0], communes)
            if card is not None:
                card.mentions[:] = [m for m in card.mentions if m.document_id not in hidden]
                if card.mentions:
                    return directive_answer(query.text, card, as_passages(hits)), None
        # The evidence gate decides; a model is only asked to phrase what the passages hold.
        return build_answer(query, hits, index.lexical, self.units), hits

    def index(self) -> PassageIndex:
        """The current snapshot, brought up to date when another process or call changed the
        store: only documents added since are read and tokenised."""
        with self.sessions() as session:
            current = store.generation(session)
        with self._index_lock:
            if self._index is None or self._index.generation != current:
                self._index = self._load_index(current, self._index)
            return self._index

    def _load_index(self, generation: int, previous: PassageIndex | None) -> PassageIndex:
        with self.sessions() as session:
            ready = set(session.scalars(select(store.Document.id).where(store.Document.status == store.READY)))
        known = {row.document_id for row in previous.rows} if previous else set()
        added = self._passage_rows(ready - known)
        if previous is None:
            return PassageIndex(added, generation)
        return previous.changed(generation, ready, added)

    def _passage_rows(self, document_ids: set[str]) -> list[PassageRow]:
        # Columns, not ORM objects: a province's store holds 100,000 passages, and documents'
        # full texts are not needed here.
        D, P = store.Document, store.Passage
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
            .where(D.status == store.READY)
            .order_by(D.ingested_at, D.id, P.ordinal)
        )
        rows: list[PassageRow] = []
        ids = sorted(document_ids)
        with self.sessions() as session:
            for start in range(0, len(ids), 500):  # bounded IN lists
                for r in session.execute(query.where(D.id.in_(ids[start : start + 500]))):
                    rows.append(
                        PassageRow(
                            *r[:10],
                            context_terms=frozenset(terms(f"{r.title}\n{r.section_path}")),
                            units=frozenset(self.units.find_all(f"{r.section_path}\n{r.text}")),
                            classified=r.classification is not None,
                            ocr=r.ocr,
                        )
                    )
        return rows

    # ------------------------------------------------------------------ backup

    def export(self, target: Path) -> int:
        """Every searchable document, its metadata and its extracted knowledge, one JSON object a
        line: enough to move or rebuild an installation with `import_from`."""
        count = 0
        with self.sessions() as session, target.open("w", encoding="utf-8") as out:
            for doc in store.ready_documents(session):
                record = {
                    "file_name": doc.file_name,
                    "text": doc.text,
                    "ocr": doc.ocr,
                    "metadata": {field: getattr(doc, field) for field in EXPORTED_METADATA},
                    "tasks": [
                        {"unit": t.unit, "text": t.text, "period": t.period, "deadline": t.deadline, "role": t.role}
                        for t in doc.tasks
                    ],
                    "directives": [
                        {
                            "code": m.code,
                            "kind": m.kind,
                            "date": m.date,
                            "issuing_body": m.issuing_body,
                            "subject": m.subject,
                        }
                        for m in doc.mentions
                    ],
                    "figures": [
                        {"value": f.value, "total": f.total, "unit": f.unit, "label": f.label, "period": f.period}
                        for f in doc.figures
                    ],
                }
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                count += 1
        return count

    def import_from(self, source: Path) -> IngestReport:
        """Rebuild from an export: each document is ingested again from its text and metadata
        (passages, vectors and knowledge are derived anew, with this installation's model)."""
        report = IngestReport()
        with self._lock("writer"):
            for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                    loaded = LoadedFile(record["file_name"], record["text"], b"", ocr=bool(record.get("ocr")))
                    outcome = self._ingest_loaded(loaded, record.get("metadata") or {})
                except (ValueError, KeyError, TypeError) as exc:
                    report.failed.append((f"dòng {number}", f"Dòng {number} của tệp sao lưu bị hỏng ({exc})."))
                    continue
                except TroLyXaError as exc:
                    report.failed.append((record.get("file_name", f"dòng {number}"), str(exc)))
                    continue
                getattr(report, outcome).append(loaded.name)
        return report

    # ------------------------------------------------------------------ knowledge

    def tasks(self, unit: str, commune: str | None = None, period: str | None = None) -> tuple[str, list[TaskView]]:
        """(canonical unit, its tasks); the unit may be named by any alias, with or without diacritics."""
        with self.sessions() as session:
            canonical, found = knowledge.tasks(session, self.units, unit, [commune] if commune else None, period)
        if canonical is None:
            raise NotFoundError(
                f"Không nhận ra đơn vị «{unit}». Xem danh sách đơn vị bằng lệnh «trolyxa units» "
                "(ví dụ: «Ban Xây dựng Đảng», «UBKT», «Hội CCB»)."
            )
        return canonical, found

    def directive(self, code: str) -> DirectiveCard:
        with self.sessions() as session:
            card = knowledge.directive(session, code)
        if card is None:
            raise NotFoundError(f"Các tài liệu hiện có không nhắc đến văn bản «{code.strip()}».")
        return card

    def units_list(self, commune: str | None = None) -> list[UnitInfo]:
        with self.sessions() as session:
            return knowledge.unit_list(session, commune)

    def passage(self, passage_id: str) -> PassageView | None:
        with self.sessions() as session:
            return knowledge.passage_view(session, passage_id)

    def figures(self, commune: str | None = None) -> list[FigureView]:
        with self.sessions() as session:
            return knowledge.figures(session, commune)

    # ------------------------------------------------------------------ manage

    def documents(self) -> list[DocumentInfo]:
        with self.sessions() as session:
            return [
                DocumentInfo(
                    d.id,
                    d.title,
                    d.doc_type,
                    d.number,
                    d.date,
                    d.issuer,
                    d.commune,
                    d.period,
                    d.file_name,
                    len(d.passages),
                    d.classification,
                )
                for d in store.ready_documents(session)
            ]

    def delete(self, doc_id: str) -> DocumentInfo:
        with self._lock("writer"):
            info = next(
                (d for d in self.documents() if d.id == doc_id or (d.id.startswith(doc_id) and len(doc_id) >= 6)), None
            )
            if info is None:
                raise NotFoundError(f"Không có tài liệu mã «{doc_id}». Xem danh sách mã bằng lệnh «trolyxa documents».")
            with self.sessions() as session, session.begin():
                store.retire(session, info.id)
                store.bump_generation(session)
            self._drop(info.id)
        return info

    def _drop(self, doc_id: str) -> None:
        """Delete a retired document: its vectors first, then its row (see store.publish)."""
        self.vectors.delete_document(doc_id)
        with self.sessions() as session, session.begin():
            store.drop(session, [doc_id])

    def reindex(self, progress: Progress | None = None) -> int:
        """Rebuild every vector from SQL with the configured model (e.g. after changing it)."""
        with self._lock("writer"):
            return self._rebuild(progress, reembed=True)

    def rebuild_vectors(self, progress: Progress | None = None) -> int:
        """Rebuild the Chroma collection from the vectors kept in SQL (embedding only passages
        stored without one): after a lost or corrupted vector index, or on a new Chroma server."""
        log.warning("rebuilding the vector index from SQL")
        return self._rebuild(progress, reembed=False)

    def _rebuild(self, progress: Progress | None, reembed: bool) -> int:
        self.vectors.recreate()
        count = 0
        with self.sessions() as session, session.begin():
            docs = list(
                session.scalars(
                    select(store.Document)
                    .where(store.Document.status == store.READY)
                    .options(selectinload(store.Document.passages).undefer(store.Passage.vector))
                )
            )
            for done, doc in enumerate(docs):
                if progress:
                    progress(doc.file_name, done, len(docs))
                self._index_vectors(doc, reembed)
                count += len(doc.passages)
            store.bump_generation(session)
        return count

    def _vectors_answer(self) -> bool:
        """Whether Chroma finds stored passages by their own vectors. Chroma issue #7090
        (1.5.9) reports HNSW segments that no longer load after a server restart; a damaged
        segment can also answer nothing, silently. Then the collection is rebuilt from SQL.
        One probe found is enough, and so is one failed search the other way: HNSW is
        approximate, and among thousands of near-identical passages (the same report template
        in a hundred communes) a healthy index may miss one."""
        with self.sessions() as session:
            base = (
                select(store.Passage.id, store.Passage.vector)
                .join(store.Document)
                .where(store.Document.status == store.READY, store.Document.embed_model == self.embedder.name)
                .where(store.Passage.vector.is_not(None))
            )
            probes = [
                *session.execute(base.order_by(store.Passage.id).limit(3)),
                *session.execute(base.order_by(store.Passage.id.desc()).limit(2)),
            ]
        for pid, vector in probes:
            # Stop at the first failed search: Chroma's bindings can abort the process when a
            # damaged segment is searched again and again.
            found = self.vectors.finds(pid, np.frombuffer(vector or b"", dtype=np.float32))
            if found is None:
                return False
            if found:
                return True
        return not probes

    def doctor(self, repair: bool = False) -> dict[str, Any]:
        """Check that SQL and Chroma agree (every ready passage has its vector, no vector lacks
        its document, the vector index finds stored passages); with `repair`, rebuild the index
        from SQL when it does not answer, add what is missing and drop what is orphaned."""
        problems: list[str] = []
        fixed: list[str] = []
        with self.sessions() as session:
            docs = store.ready_documents(session)
            wanted = {d.id: [p.id for p in d.passages] for d in docs}
            pending = store.unfinished(session)
        answers = self._vectors_answer()
        if not answers:
            problems.append("the vector index does not find stored passages by their own vectors")
        present = self.vectors.passage_ids() if answers else set()
        for doc_id, passage_ids in wanted.items():
            missing = [pid for pid in passage_ids if pid not in present]
            if missing and answers:
                problems.append(f"document {doc_id}: {len(missing)} of {len(passage_ids)} passages lack vectors")
        orphans = {pid.rsplit("-", 1)[0] for pid in present} - set(wanted) - set(pending)
        problems += [f"vectors of unknown document {doc_id}" for doc_id in sorted(orphans)]
        problems += [f"unfinished document {doc_id}" for doc_id in pending]
        if repair and problems:
            with self._lock("writer"):
                fixed += self.repair()
                for doc_id in sorted(orphans):
                    self.vectors.delete_document(doc_id)
                    fixed.append(doc_id)
                if not answers:
                    self.rebuild_vectors()
                    fixed.append("vector index rebuilt from SQL")
                else:
                    with self.sessions() as session, session.begin():
                        for doc in store.ready_documents(session):
                            if any(p.id not in present for p in doc.passages):
                                self._index_vectors(doc)
                                fixed.append(doc.id)
        return {
            "schema": store.schema_revision(self.engine),
            "documents": len(wanted),
            "vectors": self.vectors.count(),
            "problems": problems,
            "fixed": fixed,
        }

    def repair(self) -> list[str]:
        """Finish what a crash left: documents pending or retired lose their vectors, then
        their rows. Vectors of documents SQL never knew are `doctor`'s business: finding them
        means reading every vector, which start-up should not do at 100,000 passages."""
        with self.sessions() as session:
            left = store.unfinished(session)
        for doc_id in left:
            self._drop(doc_id)
        if left:
            log.warning("repaired %d unfinished documents", len(left))
        return left


def _to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes()


def _vector_metadata(doc: store.Document) -> dict[str, Any]:
    """What Chroma filters on: the document, its commune, its type."""
    return {"document_id": doc.id, "commune_key": doc.commune_key, "doc_type": doc.doc_type}


def _rows(model: Any, items: list[Any], pid: Callable[[int], str], **computed: Callable[[Any], Any]) -> list[Any]:
    """ORM rows from extracted items: fields of the same name are copied, `passage` becomes its id."""
    columns = set(model.__table__.columns.keys())
    return [
        model(
            passage_id=pid(item.passage),
            **{k: v for k, v in asdict(item).items() if k in columns},
            **{k: f(item) for k, f in computed.items()},
        )
        for item in items
    ]


def _expand(paths: list[Path]) -> Iterator[tuple[Path, str | None]]:
    """Files to ingest, with a Vietnamese reason for the ones that cannot be."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in SUPPORTED and not child.name.startswith("."):
                    yield child, None
        elif path.is_file():
            yield path, None
        else:
            yield path, f"Không tìm thấy tệp «{path}». Hãy kiểm tra lại đường dẫn."
