"""A conversation's memory (a Telegram chat, the console): its last questions, so that a
follow-up ("Còn Hội Nông dân thì sao?") is answered as the standalone question it means:
resolved by rule for the instant answer, rewritten by the chat model for the refined one."""

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

    def previous(self, question: str, conversation: str) -> str | None:
        """The (resolved) question a follow-up refers to; None when this is no follow-up."""
        if follow_up_subject(question) is None:
            return None
        with self.sessions() as session:
            last = _last(session, conversation)
            return last.resolved if last is not None else None

    def by_rule(self, question: str, previous: str) -> str:
        """The standalone question a follow-up means, by rule: instant, never waits for a model."""
        return resolve(question, previous, self.units, self.communes())

    def by_model(self, question: str, previous: str) -> str | None:
        """The chat model's rewrite of a follow-up; None without a model or when it fails."""
        return self.generator.rewrite(question, previous) if self.generator is not None else None

    def remember(self, conversation: str, question: str, resolved: str) -> None:
        with self.sessions() as session, session.begin():
            session.add(Turn(conversation=conversation, question=question, resolved=resolved))
            old = session.scalars(
                select(Turn.id).where(Turn.conversation == conversation).order_by(Turn.id.desc()).offset(TURNS_KEPT)
            ).all()
            if old:
                session.execute(delete(Turn).where(Turn.id.in_(old)))

    def revise(self, conversation: str, resolved: str) -> None:
        """A better reading of the last question (the model's rewrite), for the next follow-up."""
        with self.sessions() as session, session.begin():
            if (last := _last(session, conversation)) is not None:
                last.resolved = resolved


def _last(session: Session, conversation: str) -> Turn | None:
    return session.scalars(select(Turn).where(Turn.conversation == conversation).order_by(Turn.id.desc())).first()
