"""The one place a failed update is handled: logged with its trace, the user told, admins told."""

from __future__ import annotations

import logging

from telegram import Update

from bot.context import BotContext

log = logging.getLogger(__name__)

FAILED = "Xin lỗi, đã có lỗi khi xử lý yêu cầu. Quản trị viên đã được báo; bạn hãy thử lại sau ít phút."


async def on_error(update: object, context: BotContext) -> None:
    """Log the trace, tell the user something went wrong, and tell the admins."""
    log.error("update failed", exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await context.bot.send_message(update.effective_chat.id, FAILED)
        except Exception:
            log.warning("could not tell the user about the failure")
    for admin in context.access.admins:
        try:
            await context.bot.send_message(admin, f"Lỗi khi xử lý một cập nhật: {type(context.error).__name__}")
        except Exception:
            log.warning("could not notify admin %s", admin)
