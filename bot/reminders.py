"""Deadline reminders: /nhacviec subscribes a private chat (or, by an admin, a group) to the
tasks of its communes (optionally of some units) that are due within a week or overdue;
/nhacviec tat stops them. A repeating job sends, once a day from SEND_HOUR (Vietnam's time),
what is due and was not yet sent that day; subscriptions and what was sent are kept in SQL,
so a restart neither loses nor repeats them. Each chat reads with its subscriber's scope; a
group never gets a document marked MẬT."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from telegram import Update
from telegram.constants import ChatType, ParseMode
from telegram.error import Forbidden, TelegramError

from bot import render
from bot.context import BotApplication, BotContext, Services, approved, is_admin, reply
from bot.records import Reminder, ReminderSent
from rag.deadlines import DueTask, Window
from rag.errors import NotFoundError
from rag.models import DocumentInfo
from rag.references import official_reference, vietnamese_date
from rag.text import fold

log = logging.getLogger(__name__)

VIETNAM = timezone(timedelta(hours=7), "ICT")
SEND_HOUR = 7  # reminders go out from 7:00 in the morning, Vietnam's time
INTERVAL = 15 * 60.0  # seconds between checks; a check sends only what was not sent today
DAYS_AHEAD = 7
STOP_WORDS = {"tat", "tắt", "off", "huy", "dung", "stop"}


def now() -> datetime:
    """The clock reminders read (tests replace it)."""
    return datetime.now(UTC)


class Subscriptions:
    """Subscriptions and what was sent, in the bot's tables."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def subscribe(self, chat_id: int, user_id: int, group: bool, units: list[str]) -> Reminder:
        with self.sessions() as session, session.begin():
            row = session.merge(Reminder(chat_id=chat_id, user_id=user_id, is_group=group, units=units))
        return row

    def unsubscribe(self, chat_id: int) -> bool:
        with self.sessions() as session, session.begin():
            return session.execute(delete(Reminder).where(Reminder.chat_id == chat_id)).rowcount > 0

    def all(self) -> list[Reminder]:
        with self.sessions() as session:
            return list(session.scalars(select(Reminder).order_by(Reminder.chat_id)))

    def claim(self, chat_id: int, day: date, keys: list[str]) -> set[str]:
        """The keys not yet sent to this chat that day, now recorded as sent (by this process
        only: a replica claiming the same at the same moment gets none)."""
        with self.sessions() as session:
            sent = set(
                session.scalars(
                    select(ReminderSent.task_key).where(
                        ReminderSent.chat_id == chat_id, ReminderSent.day == day.isoformat()
                    )
                )
            )
        fresh = [k for k in dict.fromkeys(keys) if k not in sent]
        if not fresh:
            return set()
        try:
            with self.sessions() as session, session.begin():
                session.add_all(ReminderSent(chat_id=chat_id, day=day.isoformat(), task_key=k) for k in fresh)
        except IntegrityError:
            return set()
        return set(fresh)


def task_key(due: DueTask) -> str:
    """A task's identity across restarts: its document, unit and words."""
    t = due.task
    return hashlib.sha256(f"{t.document_id}|{t.unit}|{t.text}".encode()).hexdigest()[:32]


def schedule(application: BotApplication, clock: Callable[[], datetime] | None = None) -> None:
    """Run the reminder check every INTERVAL seconds from start (needs python-telegram-bot's
    job-queue extra); `clock` defaults to `now`, read at start."""
    services = application.bot_data
    services.reminders = Subscriptions(services.assistant.sessions)
    services.clock = clock or now
    if application.job_queue is None:  # pragma: no cover - the extra is a dependency
        log.warning("no job queue: deadline reminders are off")
        return
    application.job_queue.run_repeating(tick, interval=INTERVAL, first=min(INTERVAL, 5.0), name="nhacviec")


def today_in_vietnam(services: Services) -> tuple[date, bool]:
    """Today's date in Vietnam, and whether reminders may go out yet today."""
    moment = services.clock().astimezone(VIETNAM)
    return moment.date(), moment.hour >= SEND_HOUR


async def tick(context: BotContext) -> None:
    """The repeating job: every subscription gets today's reminder, once."""
    services = context.bot_data
    today, time_to_send = today_in_vietnam(services)
    if not time_to_send:
        return
    for subscription in await asyncio.to_thread(services.reminders.all):
        try:
            await remind(context, subscription, today)
        except Exception:  # one chat's failure never stops the others
            log.exception("reminder for chat %s failed", subscription.chat_id)


async def remind(context: BotContext, subscription: Reminder, today: date) -> tuple[int, int]:
    """Send this chat what is due and not yet sent today: (tasks due, tasks sent now)."""
    services = context.bot_data
    access, assistant = services.access, services.assistant
    if subscription.is_group and not await asyncio.to_thread(access.chat_approved, subscription.chat_id):
        return 0, 0
    classified = access.is_admin(subscription.user_id) and not subscription.is_group
    allowed = await asyncio.to_thread(access.allowed, subscription.user_id)
    scope = assistant.scope_for(allowed, classified)
    window = Window(today, DAYS_AHEAD, units=tuple(subscription.units))
    due = await asyncio.to_thread(assistant.due_tasks, scope, window)
    by_key = {task_key(d): d for d in due}
    fresh = await asyncio.to_thread(services.reminders.claim, subscription.chat_id, today, list(by_key))
    if not fresh:
        return len(by_key), 0
    docs = {d.id: d for d in await asyncio.to_thread(assistant.documents, scope)}
    html = reminder_html([d for k, d in by_key.items() if k in fresh], today, docs)
    try:
        for piece in render.split_message(html):
            await context.bot.send_message(
                subscription.chat_id, piece, parse_mode=ParseMode.HTML, disable_web_page_preview=True
            )
    except Forbidden:  # the user blocked the bot or it left the group: stop reminding
        log.info("chat %s refuses messages; reminders stopped", subscription.chat_id)
        await asyncio.to_thread(services.reminders.unsubscribe, subscription.chat_id)
    except TelegramError:
        log.exception("reminder for chat %s not sent", subscription.chat_id)
    return len(by_key), len(fresh)


def _when(due: DueTask, today: date) -> str:
    left = due.days_left(today)
    end = vietnamese_date(due.due.end)
    if left < 0:
        return f"quá hạn {-left} ngày, từ {end}"
    if left == 0:
        return f"hôm nay, {end}"
    return f"còn {left} ngày, đến {end}"


def reminder_html(due: list[DueTask], today: date, docs: dict[str, DocumentInfo]) -> str:
    """Due tasks grouped by unit, overdue first within a unit, each cited."""
    groups: dict[str, list[DueTask]] = defaultdict(list)
    for item in sorted(due, key=lambda d: d.due.end):
        groups[item.task.unit].append(item)
    lines = [f"<b>⏰ Nhắc việc ngày {vietnamese_date(today)}</b>: {len(due)} nhiệm vụ đến hạn hoặc quá hạn."]
    for unit, items in groups.items():
        lines += ["", f"<b>{render.escape(unit)}</b>"]
        for item in items:
            t = item.task
            written = f"hết {item.written}" if item.from_period else item.written
            reference = official_reference(docs.get(t.document_id), t.title, t.section)
            commune = f" (xã {t.commune})" if t.commune else ""
            lines.append(
                f"• {render.escape(t.text)} <i>— hạn: {render.escape(written)} ({_when(item, today)})</i>\n"
                f"  <i>{render.escape(reference + commune)}</i>"
            )
    lines += ["", "Tắt nhắc việc: /nhacviec tat"]
    return "\n".join(lines)


@approved()
async def remind_command(update: Update, context: BotContext) -> None:
    """/nhacviec [đơn vị, đơn vị…]: subscribe this chat; /nhacviec tat: stop."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    group = chat.type != ChatType.PRIVATE
    if group and not is_admin(update, context):
        await reply(update, "Chỉ quản trị viên mới đăng ký nhắc việc cho cả nhóm. Hãy nhắn riêng cho tôi: /nhacviec")
        return
    book: Subscriptions = context.bot_data.reminders
    words = " ".join(context.args or []).strip()
    if fold(words) in STOP_WORDS:
        stopped = await asyncio.to_thread(book.unsubscribe, chat.id)
        await reply(update, "Đã tắt nhắc việc." if stopped else "Bạn chưa đăng ký nhắc việc.")
        return
    scope = context.scope(update)
    units: list[str] = []
    for name in (n.strip() for n in words.split(",") if n.strip()):
        try:
            canonical, _ = await asyncio.to_thread(context.assistant.tasks, name, scope)
        except NotFoundError:
            await reply(
                update, f"Không nhận ra đơn vị «{render.escape(name)}». Ví dụ: /nhacviec Ban Xây dựng Đảng, Hội CCB"
            )
            return
        units.append(canonical)
    whose = f"của {render.escape(', '.join(units))} " if units else ""
    where = "nhóm này" if group else "bạn"
    await reply(
        update,
        f"Đã đăng ký nhắc việc cho {where}: mỗi ngày từ {SEND_HOUR}:00, các nhiệm vụ {whose}đến hạn trong "
        f"{DAYS_AHEAD} ngày tới hoặc đã quá hạn, trong các tài liệu {where} được xem. Tắt: /nhacviec tat",
    )
    subscription = await asyncio.to_thread(book.subscribe, chat.id, user.id, group, units)
    today, _ = today_in_vietnam(context.bot_data)
    due, _sent = await remind(context, subscription, today)  # today's, at once (once: the job may win)
    if not due:
        await reply(update, "Hôm nay không có nhiệm vụ nào đến hạn hoặc quá hạn.")
