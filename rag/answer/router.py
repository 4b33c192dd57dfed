"""From a question to the answerer that fits its intent: a unit's task list and a
directive's card come from the extracted knowledge, everything else from retrieval through
the evidence gate. Every path searches only what the caller's scope may read."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from rag.answer.citations import retrieved
from rag.answer.documents import document_answer, wants_document
from rag.answer.extractive import build_answer, weights_for
from rag.answer.followup import follow_up_subject
from rag.answer.overview import is_overview, overview_answer
from rag.answer.tables import MENTIONS_SHOWN, directive_answer, focused, other_period_answer, task_answer
from rag.communes import resolve
from rag.errors import TroLyXaError
from rag.models import Answer
from rag.scope import Scope
from rag.search.corpus import Corpora, Corpus
from rag.search.retrieve import Hit, Retriever
from rag.search.understand import Query, understand
from rag.store import knowledge
from rag.units import UnitRegistry


class Router:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        units: UnitRegistry,
        corpora: Corpora,
        retriever: Retriever,
        max_question_chars: int,
    ) -> None:
        self.sessions = sessions
        self.units = units
        self.corpora = corpora
        self.retriever = retriever
        self.max_question_chars = max_question_chars

    def answer(self, question: str, scope: Scope, commune: str | None) -> tuple[Answer, list[Hit] | None]:
        """(answer, hits when a chat model may rephrase it; None for table answers)."""
        if len(question) > self.max_question_chars:
            limit = self.max_question_chars
            raise TroLyXaError(f"Câu hỏi quá dài ({len(question)} ký tự). Hãy hỏi ngắn gọn, dưới {limit} ký tự.")
        corpus = self.corpora.current()
        query = understand(question, corpus.folded_names, self.units)
        if is_overview(query):
            communes = scope.narrow(self._asked(query, corpus, commune))
            overview = overview_answer(query, corpus, communes, scope.classified, [])
            if overview is not None:
                return overview, None
        if not query.terms:
            if subject := follow_up_subject(question):
                raise TroLyXaError(
                    f"Bạn hỏi tiếp về «{subject}» nhưng chưa có câu hỏi trước đó. Hãy hỏi đầy đủ, ví dụ: "
                    f"«{subject} có bao nhiêu đảng viên?»"
                )
            raise TroLyXaError("Câu hỏi chưa có nội dung. Hãy gõ câu hỏi bằng chữ, ví dụ: «Chỉ thị 50-CT/TW nói gì?»")
        communes = scope.narrow(self._asked(query, corpus, commune))
        hits = self.retriever.search(corpus, query, k=10, communes=communes, classified=scope.classified)
        weights = weights_for(corpus, query)
        if query.units and _asks_for_tasks(query):
            period = query.periods[0] if query.periods else None
            with self.sessions() as session:
                for unit in _assignees_first(query, self.units):
                    found = [
                        t for t in knowledge.tasks(session, self.units, unit, scope, communes, period)[1] if t.quote
                    ]
                    if found and (answering := focused(query, found, weights)):
                        return task_answer(query.text, unit, answering, retrieved(hits)), None
                    other = (
                        [] if found or not period else knowledge.tasks(session, self.units, unit, scope, communes)[1]
                    )
                    if other and (nearest := focused(query, other, weights)):
                        return other_period_answer(query.text, unit, period or "", nearest, retrieved(hits)), None
        if wants_document(query):
            with self.sessions() as session:
                number = query.doc_numbers[0] if query.doc_numbers else None
                kind = None if number or not query.doc_types else query.doc_types[0]
                docs = knowledge.own_documents(session, scope, communes, number=number, doc_type=kind)
            if (about := document_answer(query, docs, hits, retrieved(hits))) is not None:
                return about, None
        if query.doc_numbers and not (query.asks_tasks or query.asks_person):
            with self.sessions() as session:
                card = knowledge.directive(session, query.doc_numbers[0], scope, communes, MENTIONS_SHOWN)
            if card is not None:
                return directive_answer(query.text, card, retrieved(hits)), None
        # The evidence gate decides; a model is only asked to phrase what the passages hold.
        return build_answer(query, hits, corpus, weights, self.units), hits

    @staticmethod
    def _asked(query: Query, corpus: Corpus, commune: str | None) -> list[str] | None:
        """The communes (identities) the caller or the question names; None: any."""
        if commune:
            return resolve(commune, corpus.known)
        return sorted({i for name in query.communes for i in corpus.by_folded[name]}) or None


def _asks_for_tasks(query: Query) -> bool:
    """Whether a unit's task list can answer: a question for its tasks or a task's deadline, not
    for a count ("được giao bao nhiêu biên chế?"), a person, or the date of an event ("Hội nghị
    … đánh giá nhiệm vụ năm 2025 họp ngày nào?"), which a sentence states."""
    if not query.asks_tasks:
        return False
    return query.asks_deadline or not (query.asks_date or query.asks_person or query.counts is not None)


def _assignees_first(query: Query, units: UnitRegistry) -> list[str]:
    """The units a question names, those after "giao" (the assignee of "X giao Y …") first."""
    _, said, after = query.text.partition(" giao ")
    assignees = units.find_all(after) if said else []
    return [u for u in assignees if u in query.units] + [u for u in query.units if u not in assignees]
