"""A conversation's memory (a Telegram chat, the console): its last questions, so that a
follow-up ("Còn Hội Nông dân thì sao?") is answered as the standalone question it means."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from rag.answer.followup import follow_up_subject, resolve
from rag.answer.generate import Generator
from rag.store.schema import Turn
from rag.units import UnitRegistry

TURNS_KEPT = 5  # per conversation


class Conversations:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        units: UnitRegistry,
        generator: Generator | None,
        communes: Callable[[], dict[str, str]],  # readable commune keys -> names
    ) -> None:
        self.sessions = sessions
        self.units = units
        self.generator = generator
        self.communes = communes

    def resolve(self, question: str, conversation: str) -> str:
        """The standalone question a follow-up means; the question itself otherwise."""
        with self.sessions() as session:
            last = session.scalars(
                select(Turn).where(Turn.conversation == conversation).order_by(Turn.id.desc())
            ).first()
        if last is None or follow_up_subject(question) is None:
            return question
        if self.generator is not None and (rewritten := self.generator.rewrite(question, last.resolved)):
            return rewritten
        return resolve(question, last.resolved, self.units, self.communes())

    def remember(self, conversation: str, question: str, resolved: str) -> None:
        with self.sessions() as session, session.begin():
            session.add(Turn(conversation=conversation, question=question, resolved=resolved))
            old = session.scalars(
                select(Turn.id).where(Turn.conversation == conversation).order_by(Turn.id.desc()).offset(TURNS_KEPT)
            ).all()
            if old:
                session.execute(delete(Turn).where(Turn.id.in_(old)))
