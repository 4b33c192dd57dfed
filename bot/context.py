"""What every handler gets: the engine facade, access and the rate limit, through a typed
context; the guards that decide whether an update is answered; replies split to Telegram's
limit."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from typing import TYPE_CHECKING, Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, CallbackContext, ExtBot

from bot import buttons, render
from bot.access import Access
from bot.records import APPROVED, BLOCKED
from rag.assistant import Assistant
from rag.scope import Scope

if TYPE_CHECKING:
    from bot.reminders import Subscriptions

log = logging.getLogger(__name__)

UNKNOWN_USER = (
    "Xin chào! Bạn chưa được cấp quyền dùng Trợ lý Xã. Yêu cầu của bạn đã được gửi tới quản trị viên; "
    "bạn sẽ nhận được tin nhắn khi được duyệt."
)
BLOCKED_USER = "Tài khoản của bạn đã bị khóa quyền sử dụng Trợ lý Xã. Hãy liên hệ quản trị viên nếu có nhầm lẫn."
ADMIN_ONLY = "Chỉ quản trị viên mới dùng được chức năng này."
SLOW_DOWN = "Bạn hỏi hơi nhanh. Xin chờ một phút rồi hỏi tiếp nhé."


class RateLimit:
    """At most `per_minute` searches a user, over every command that searches."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self.recent: dict[int, deque[float]] = defaultdict(deque)

    def exceeded(self, user_id: int) -> bool:
        now = time.monotonic()
        stamps = self.recent[user_id]
        while stamps and now - stamps[0] > 60:
            stamps.popleft()
        if len(stamps) >= self.per_minute:
            return True
        stamps.append(now)
        return False


class Services:
    """Set once when the application is built (see bot.app.build)."""

    assistant: Assistant
    access: Access
    limit: RateLimit
    reminders: Subscriptions  # bot.reminders.schedule
    clock: Callable[[], datetime]


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], Services]):
    @property
    def assistant(self) -> Assistant:
        return self.bot_data.assistant

    @property
    def access(self) -> Access:
        return self.bot_data.access

    def scope(self, update: Update) -> Scope:
        """What this update's audience may read: the user's communes; MẬT only for an admin
        in a private chat."""
        private = update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE
        user_id = update.effective_user.id  # type: ignore[union-attr]
        return self.assistant.scope_for(self.access.allowed(user_id), self.access.is_admin(user_id) and private)


BotApplication = Application[Any, BotContext, Any, Any, Services, Any]
Handler = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


async def best_effort(call: Awaitable[object], what: str) -> None:
    """A call the user can do without (typing action, button acknowledgement): log its failure."""
    try:
        await call
    except TelegramError as exc:
        log.warning("%s failed: %s", what, exc)


async def reply(update: Update, html: str, markup: InlineKeyboardMarkup | None = None) -> list[Message]:
    return await reply_to(update.effective_message, html, markup)  # type: ignore[arg-type]


async def reply_to(message: Message, html: str, markup: InlineKeyboardMarkup | None = None) -> list[Message]:
    """`html` as replies to `message`, in pieces Telegram accepts, the buttons under the last."""
    pieces = render.split_message(html)
    return [
        await message.reply_text(
            piece,
            parse_mode=ParseMode.HTML,
            reply_markup=markup if i == len(pieces) - 1 else None,
            disable_web_page_preview=True,
        )
        for i, piece in enumerate(pieces)
    ]


async def edit_or_send(status: Message, text: str, markup: InlineKeyboardMarkup | None = None) -> Message:
    """Edit a progress message; where editing is refused, send the text as a new message."""
    try:
        edited = await status.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
        return edited if isinstance(edited, Message) else status
    except TelegramError as exc:
        log.warning("edit failed, sending instead: %s", exc)
        return await status.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def admitted(update: Update, context: BotContext) -> bool:
    """Whether this update may be answered; tells unknown users and admins otherwise."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return False
    access = context.access
    if chat.type != ChatType.PRIVATE and not await asyncio.to_thread(access.chat_approved, chat.id):
        return False
    status = await asyncio.to_thread(access.status, user.id)
    if status == APPROVED:
        return True
    if status == BLOCKED:
        await reply(update, BLOCKED_USER)
        return False
    if chat.type == ChatType.PRIVATE:
        await reply(update, UNKNOWN_USER)
        if await asyncio.to_thread(access.request, user.id, user.full_name):
            markup = InlineKeyboardMarkup([[buttons.approve(user.id)]])
            for admin in access.admins:
                await context.bot.send_message(
                    admin,
                    f"Người dùng mới xin quyền: {render.escape(user.full_name)} (id <code>{user.id}</code>).\n"
                    f"Duyệt theo xã: /duyet {user.id} Tên xã",
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                )
    return False


def is_admin(update: Update, context: BotContext) -> bool:
    return update.effective_user is not None and context.access.is_admin(update.effective_user.id)


def approved(searches: bool = False) -> Callable[[Handler], Handler]:
    """Answer only approved users (in approved groups); `searches`: the command searches the
    documents and counts against the user's rate limit (admins have none)."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(update: Update, context: BotContext) -> None:
            if not await admitted(update, context):
                return
            # admins are trusted (they upload, approve, test); everyone else shares one limit
            user_id = update.effective_user.id  # type: ignore[union-attr]
            if searches and not context.access.is_admin(user_id) and context.bot_data.limit.exceeded(user_id):
                await reply(update, SLOW_DOWN)
                return
            await handler(update, context)

        return guarded

    return decorate


def admin(handler: Handler) -> Handler:
    """Answer only admins; everyone else approved is told the command is for admins."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: BotContext) -> None:
        if not await admitted(update, context):
            return
        if not is_admin(update, context):
            await reply(update, ADMIN_ONLY)
            return
        await handler(update, context)

    return guarded
