"""The engine's one facade: interfaces (CLI, console chat, Telegram bot) call only this."""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select

from rag import knowledge, store
from rag.answer import as_passages, build_answer, directive_answer, task_answer
from rag.chunk import chunk
from rag.config import Settings
from rag.embed import Embedder, make_embedder
from rag.errors import LoadError, NotFoundError, TroLyXaError
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
        # Processes starting together on one data directory create the schema, the collection
        # and the unit registry one at a time.
        with self._writer_lock():
            store.create_schema(self.engine)
            self.vectors = VectorStore(self.embedder.name, self.settings.chroma_path, self.settings.chroma_url)
            self.units = self._load_units()
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
        with self._writer_lock():
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
                )
                for c in chunks
            ]
            row.tasks = _rows(store.Task, found.tasks, pid)
            row.mentions = _rows(store.DirectiveMention, found.directives, pid, key=lambda m: directive_key(m.code))
            row.figures = _rows(store.Figure, found.figures, pid)
            session.add(row)
            for name in new_units:
                session.merge(store.Unit(name=name, aliases=[], origin="document"))
        self.vectors.delete_document(doc_id)
        self._embed(doc_id, meta.title, key, meta.doc_type, [(pid(c.ordinal), c.section_path, c.text) for c in chunks])
        with self.sessions() as session, session.begin():
            store.publish(session, doc_id, prior_id)
        if prior_id:
            self.vectors.delete_document(prior_id)
        log.info("ingested %s as %s (%d passages)", path.name, doc_id, len(chunks))
        return "replaced" if prior_id else "added"

    def _embed(
        self, doc_id: str, title: str, commune_key: str, doc_type: str, passages: list[tuple[str, str, str]]
    ) -> None:
        """Store the vectors of a document's passages, given as (id, heading path, text)."""
        texts = [index_text(title, path, text) for _, path, text in passages]
        metadata = {"document_id": doc_id, "commune_key": commune_key, "doc_type": doc_type}
        self.vectors.add([pid for pid, _, _ in passages], self.embedder.passages(texts), [metadata] * len(passages))

    def _embed_row(self, doc: store.Document) -> None:
        self._embed(
            doc.id, doc.title, doc.commune_key, doc.doc_type, [(p.id, p.section_path, p.text) for p in doc.passages]
        )

    @contextmanager
    def _writer_lock(self) -> Iterator[None]:
        """One writer at a time across processes sharing this data directory."""
        with open(self.settings.data_dir / "ingest.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

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
        hidden = set() if classified else {r.document_id for r in index.rows if r.classified}
        # Questions the extracted knowledge answers better than free text; retrieval otherwise.
        if query.units and query.asks_tasks:
            period = query.periods[0] if query.periods else None
            with self.sessions() as session:
                for unit in query.units:
                    _, found = knowledge.tasks(session, self.units, unit, period=period)
                    found = [
                        t
                        for t in found
                        if (communes is None or commune_key(t.commune) in communes) and t.document_id not in hidden
                    ]
                    if found:
                        return task_answer(query.text, unit, found, as_passages(hits)), None
        if query.doc_numbers and not (query.asks_tasks or query.asks_person):
            with self.sessions() as session:
                card = knowledge.directive(session, query.doc_numbers[0])
            if card is not None:
                card.mentions[:] = [
                    m
                    for m in card.mentions
                    if (communes is None or commune_key(m.commune) in communes) and m.document_id not in hidden
                ]
                if card.mentions:
                    return directive_answer(query.text, card, as_passages(hits)), None
        # The evidence gate decides; a model is only asked to phrase what the passages hold.
        return build_answer(query, hits, index.lexical, self.units), hits

    def index(self) -> PassageIndex:
        """The current snapshot, rebuilt when another process or call changed the store."""
        with self.sessions() as session:
            current = store.generation(session)
        with self._index_lock:
            if self._index is None or self._index.generation != current:
                self._index = self._load_index(current)
            return self._index

    def _load_index(self, generation: int) -> PassageIndex:
        rows: list[PassageRow] = []
        with self.sessions() as session:
            for doc in store.ready_documents(session):
                for p in doc.passages:
                    context = frozenset(terms(f"{doc.title}\n{p.section_path}"))
                    named = frozenset(self.units.find_all(f"{p.section_path}\n{p.text}"))
                    rows.append(
                        PassageRow(
                            p.id,
                            doc.id,
                            doc.title,
                            doc.commune,
                            doc.commune_key,
                            doc.doc_type,
                            p.section_label,
                            p.section_path,
                            p.period,
                            p.text,
                            context,
                            named,
                            doc.classification is not None,
                            doc.ocr,
                        )
                    )
        return PassageIndex(rows, generation)

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
        with self._writer_lock():
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
            canonical, found = knowledge.tasks(session, self.units, unit, commune, period)
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
        with self._writer_lock():
            info = next(
                (d for d in self.documents() if d.id == doc_id or (d.id.startswith(doc_id) and len(doc_id) >= 6)), None
            )
            if info is None:
                raise NotFoundError(f"Không có tài liệu mã «{doc_id}». Xem danh sách mã bằng lệnh «trolyxa documents».")
            with self.sessions() as session, session.begin():
                session.execute(delete(store.Document).where(store.Document.id == info.id))
                store.bump_generation(session)
            self.vectors.delete_document(info.id)
        return info

    def reindex(self, progress: Progress | None = None) -> int:
        """Rebuild every vector from SQL with the configured model (e.g. after changing it)."""
        with self._writer_lock():
            self.vectors.recreate()
            with self.sessions() as session:
                docs = store.ready_documents(session)
                total = len(docs)
                count = 0
                for done, doc in enumerate(docs):
                    if progress:
                        progress(doc.file_name, done, total)
                    self._embed_row(doc)
                    count += len(doc.passages)
            with self.sessions() as session, session.begin():
                for doc in session.scalars(select(store.Document)):
                    doc.embed_model = self.embedder.name
                store.bump_generation(session)
        return count

    def doctor(self, repair: bool = False) -> dict[str, Any]:
        """Check that SQL and Chroma agree (every ready passage has its vector, no vector lacks
        its document); with `repair`, re-embed what is missing and drop what is orphaned."""
        problems: list[str] = []
        fixed: list[str] = []
        with self.sessions() as session:
            docs = store.ready_documents(session)
            wanted = {d.id: [p.id for p in d.passages] for d in docs}
            pending = [
                d.id for d in session.scalars(select(store.Document).where(store.Document.status != store.READY))
            ]
        present = self.vectors.passage_ids()
        for doc_id, passage_ids in wanted.items():
            missing = [pid for pid in passage_ids if pid not in present]
            if missing:
                problems.append(f"document {doc_id}: {len(missing)} of {len(passage_ids)} passages lack vectors")
        orphans = {pid.rsplit("-", 1)[0] for pid in present} - set(wanted)
        problems += [f"vectors of unknown document {doc_id}" for doc_id in sorted(orphans)]
        problems += [f"unfinished document {doc_id}" for doc_id in pending]
        if repair and problems:
            with self._writer_lock():
                fixed += self.repair()
                with self.sessions() as session:
                    for doc in store.ready_documents(session):
                        if any(p.id not in present for p in doc.passages):
                            self._embed_row(doc)
                            fixed.append(doc.id)
        return {"documents": len(wanted), "vectors": len(present), "problems": problems, "fixed": fixed}

    def repair(self) -> list[str]:
        """Finish what a crash left: drop unfinished documents and vectors nobody owns."""
        fixed: list[str] = []
        with self.sessions() as session, session.begin():
            pending = list(session.scalars(select(store.Document.id).where(store.Document.status != store.READY)))
            if pending:
                session.execute(delete(store.Document).where(store.Document.id.in_(pending)))
            ready = set(session.scalars(select(store.Document.id)))
        for doc_id in set(pending) | (self.vectors.document_ids() - ready):
            self.vectors.delete_document(doc_id)
            fixed.append(doc_id)
        if fixed:
            log.warning("repaired %d unfinished or orphaned documents", len(fixed))
        return fixed


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
