"""From a question to the answerer that fits its intent: a unit's task list and a
directive's card come from the extracted knowledge, everything else from retrieval through
the evidence gate. Every path searches only what the caller's scope may read."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from rag.answer.citations import retrieved
from rag.answer.extractive import build_answer
from rag.answer.followup import follow_up_subject
from rag.answer.tables import directive_answer, task_answer
from rag.communes import resolve
from rag.errors import TroLyXaError
from rag.models import Answer
from rag.scope import Scope
from rag.search.index import Snapshots
from rag.search.retrieve import Hit, Retriever
from rag.search.understand import understand
from rag.store import knowledge
from rag.units import UnitRegistry


class Router:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        units: UnitRegistry,
        snapshots: Snapshots,
        retriever: Retriever,
        max_question_chars: int,
    ) -> None:
        self.sessions = sessions
        self.units = units
        self.snapshots = snapshots
        self.retriever = retriever
        self.max_question_chars = max_question_chars

    def answer(self, question: str, scope: Scope, commune: str | None) -> tuple[Answer, list[Hit] | None]:
        """(answer, hits when a chat model may rephrase it; None for table answers)."""
        if len(question) > self.max_question_chars:
            limit = self.max_question_chars
            raise TroLyXaError(f"Câu hỏi quá dài ({len(question)} ký tự). Hãy hỏi ngắn gọn, dưới {limit} ký tự.")
        index = self.snapshots.current()
        query = understand(question, sorted(index.by_folded), self.units)
        if not query.terms:
            if subject := follow_up_subject(question):
                raise TroLyXaError(
                    f"Bạn hỏi tiếp về «{subject}» nhưng chưa có câu hỏi trước đó. Hãy hỏi đầy đủ, ví dụ: "
                    f"«{subject} có bao nhiêu đảng viên?»"
                )
            raise TroLyXaError("Câu hỏi chưa có nội dung. Hãy gõ câu hỏi bằng chữ, ví dụ: «Chỉ thị 50-CT/TW nói gì?»")
        if commune:
            asked: list[str] | None = resolve(commune, index.known)
        else:
            asked = sorted({i for name in query.communes for i in index.by_folded[name]}) or None
        communes = scope.narrow(asked)
        hits = self.retriever.search(index, query, k=10, communes=communes, classified=scope.classified)
        if query.units and query.asks_tasks:
            period = query.periods[0] if query.periods else None
            with self.sessions() as session:
                for unit in query.units:
                    _, found = knowledge.tasks(session, self.units, unit, scope, communes, period)
                    if found:
                        return task_answer(query.text, unit, found, retrieved(hits)), None
        if query.doc_numbers and not (query.asks_tasks or query.asks_person):
            with self.sessions() as session:
                card = knowledge.directive(session, query.doc_numbers[0], scope, communes)
            if card is not None:
                return directive_answer(query.text, card, retrieved(hits)), None
        # The evidence gate decides; a model is only asked to phrase what the passages hold.
        return build_answer(query, hits, index.lexical, self.units), hits
