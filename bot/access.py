"""Who may use the bot and read what: admins from TROLYXA_ADMINS, everyone else approved by
an admin for named communes (deny by default); groups only when an admin approved them.
Access ends in one `Scope` per update (bot.context), which the engine enforces in its queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.records import ALL, APPROVED, BLOCKED, PENDING, BotChat, BotUser, Feedback, SeenUpdate, SentAnswer, Upload


class Access:
    def __init__(self, sessions: sessionmaker[Session], admins: set[int]) -> None:
        self.sessions = sessions
        self.admins = admins

    def is_admin(self, user_id: int) -> bool:
        return user_id in self.admins

    def user(self, user_id: int) -> BotUser | None:
        with self.sessions() as session:
            return session.get(BotUser, user_id)

    def status(self, user_id: int) -> str:
        if self.is_admin(user_id):
            return APPROVED
        user = self.user(user_id)
        return user.status if user else "unknown"

    def request(self, user_id: int, name: str) -> bool:
        """Record an access request; True the first time (admins are told once)."""
        try:
            with self.sessions() as session, session.begin():
                if session.get(BotUser, user_id) is not None:
                    return False
                session.add(BotUser(id=user_id, name=name, status=PENDING, communes=[]))
        except IntegrityError:  # the same user's other message, at the same moment
            return False
        return True

    def approve(self, user_id: int, communes: list[str]) -> BotUser:
        with self.sessions() as session, session.begin():
            user = session.get(BotUser, user_id) or BotUser(id=user_id, name="")
            user.status = APPROVED
            user.communes = communes or [ALL]
            session.add(user)
        return user

    def block(self, user_id: int) -> None:
        with self.sessions() as session, session.begin():
            user = session.get(BotUser, user_id) or BotUser(id=user_id, name="")
            user.status = BLOCKED
            user.communes = []
            session.add(user)

    def users(self) -> list[BotUser]:
        with self.sessions() as session:
            return list(session.scalars(select(BotUser).order_by(BotUser.created_at)))

    def allowed(self, user_id: int) -> list[str] | None:
        """Communes the user may read: None for all, [] for none."""
        if self.is_admin(user_id):
            return None
        user = self.user(user_id)
        if user is None or user.status != APPROVED:
            return []
        return None if ALL in user.communes else list(user.communes)

    def set_default_commune(self, user_id: int, commune: str | None) -> None:
        with self.sessions() as session, session.begin():
            user = session.get(BotUser, user_id) or BotUser(id=user_id, name="", status=APPROVED, communes=[ALL])
            user.default_commune = commune
            session.add(user)

    def approve_chat(self, chat_id: int, title: str) -> None:
        with self.sessions() as session, session.begin():
            session.merge(BotChat(id=chat_id, title=title))

    def chat_approved(self, chat_id: int) -> bool:
        with self.sessions() as session:
            return session.get(BotChat, chat_id) is not None

    def first_delivery(self, update_id: int, payload: dict[str, Any]) -> bool:
        """True the first time an update id is seen, also across restarts and replicas; the
        update is kept until `answered`."""
        try:
            with self.sessions() as session, session.begin():
                session.add(SeenUpdate(update_id=update_id, payload=payload, answered=False))
        except IntegrityError:
            return False
        return True

    def answered(self, update_id: int) -> None:
        with self.sessions() as session, session.begin():
            session.execute(
                update(SeenUpdate).where(SeenUpdate.update_id == update_id).values(answered=True, payload=None)
            )

    def interrupted(self, older_than: timedelta) -> list[dict[str, Any]]:
        """Updates received and never answered (a crash), each claimed by one process only: its
        record is deleted, so that handling it again counts as its first delivery. Recent ones
        may still be in the hands of another replica and are left."""
        cutoff = datetime.now(UTC) - older_than
        claimed: list[dict[str, Any]] = []
        with self.sessions() as session:
            rows = session.execute(
                select(SeenUpdate.update_id, SeenUpdate.payload).where(
                    SeenUpdate.answered.is_(False), SeenUpdate.seen_at < cutoff.replace(tzinfo=None)
                )
            ).all()
        for update_id, payload in rows:
            with self.sessions() as session, session.begin():
                gone = session.execute(
                    delete(SeenUpdate).where(SeenUpdate.update_id == update_id, SeenUpdate.answered.is_(False))
                )
            if gone.rowcount == 1 and payload:
                claimed.append(payload)
        return claimed

    def upload_started(self, user_id: int, file_name: str) -> int:
        with self.sessions() as session, session.begin():
            row = Upload(user_id=user_id, file_name=file_name)
            session.add(row)
            session.flush()
            return row.id

    def upload_finished(self, upload_id: int) -> None:
        with self.sessions() as session, session.begin():
            session.execute(delete(Upload).where(Upload.id == upload_id))

    def lost_uploads(self) -> list[Upload]:
        """Uploads a crash interrupted before they were stored; each is reported once."""
        with self.sessions() as session, session.begin():
            lost = list(session.scalars(select(Upload).order_by(Upload.id)))
            session.execute(delete(Upload).where(Upload.id.in_([u.id for u in lost])))
        return lost

    def remember(self, user_id: int, question: str, payload: dict[str, Any]) -> int:
        with self.sessions() as session, session.begin():
            row = SentAnswer(user_id=user_id, question=question, payload=payload)
            session.add(row)
            session.flush()
            return row.id

    def sent(self, answer_id: int) -> SentAnswer | None:
        with self.sessions() as session:
            return session.get(SentAnswer, answer_id)

    def feedback(self, answer_id: int, user_id: int, vote: int) -> bool:
        sent = self.sent(answer_id)
        if sent is None or sent.user_id != user_id:
            return False
        with self.sessions() as session, session.begin():
            session.add(
                Feedback(
                    answer_id=answer_id,
                    user_id=user_id,
                    vote=vote,
                    question=sent.question,
                    answer=str(sent.payload.get("answer", "")),
                )
            )
        return True
