"""Wiring: one builder chain that turns settings and the engine facade into a running bot."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

from telegram import Update
from telegram.error import InvalidToken
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import admin, buttons, feedback, lookups, presses, records, reminders
from bot.access import Access
from bot.ask import ask
from bot.context import BotApplication, BotContext, RateLimit, Services, best_effort
from bot.errors import on_error
from rag.assistant import Assistant
from rag.config import Settings
from rag.errors import ConfigError

log = logging.getLogger(__name__)


def build(settings: Settings, assistant: Assistant) -> BotApplication:
    """The application over a started assistant; the bot's own tables are migrated here."""
    if not settings.telegram_token:
        raise ConfigError("Chưa có TELEGRAM_BOT_TOKEN. Tạo bot với @BotFather rồi đặt biến môi trường này.")
    records.upgrade(assistant.engine, settings.data_dir)
    context_types = ContextTypes(context=BotContext, bot_data=Services)
    builder = Application.builder().token(settings.telegram_token).context_types(context_types)
    builder = builder.concurrent_updates(True).rate_limiter(AIORateLimiter(max_retries=3)).post_init(_on_start)
    if settings.telegram_api_base_url:
        base = settings.telegram_api_base_url.rstrip("/")
        builder = builder.base_url(base).base_file_url(base.removesuffix("/bot") + "/file/bot")
    application: BotApplication = builder.build()
    services = application.bot_data
    services.assistant = assistant
    services.access = Access(assistant.sessions, settings.admin_ids)
    services.limit = RateLimit(settings.questions_per_minute)

    application.add_handler(TypeHandler(Update, drop_duplicates), group=-1)
    application.add_handler(TypeHandler(Update, mark_answered), group=1)
    private_text = filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE
    mention = filters.TEXT & ~filters.COMMAND & filters.ChatType.GROUPS & filters.Entity("mention")
    for name, callback in (
        ("start", lookups.start),
        ("trogiup", lookups.help_command),
        ("help", lookups.help_command),
        ("hoi", ask),
        ("nhiemvu", lookups.tasks_command),
        ("vanban", lookups.directive_command),
        ("tailieu", lookups.documents_command),
        ("xa", lookups.commune_command),
        ("xoa", admin.delete_command),
        ("duyet", admin.approve_command),
        ("chan", admin.block_command),
        ("nguoidung", admin.users_command),
        ("nhacviec", reminders.remind_command),
        ("phanhoi", feedback.feedback_command),
    ):
        application.add_handler(CommandHandler(name, callback))
    application.add_handler(MessageHandler(private_text | mention, ask))
    application.add_handler(MessageHandler(filters.Document.ALL, admin.upload))
    for pattern, callback in (
        (buttons.SOURCE, presses.on_source),
        (buttons.PAGE, presses.on_page),
        (buttons.FEEDBACK, presses.on_feedback),
        (buttons.APPROVE, presses.on_approve),
    ):
        application.add_handler(CallbackQueryHandler(callback, pattern=pattern))
    application.add_handler(CallbackQueryHandler(presses.on_stale))
    application.add_error_handler(on_error)
    reminders.schedule(application)
    return application


async def drop_duplicates(update: Update, context: BotContext) -> None:
    """Stop an update that was already received (redelivered after a restart or to another
    replica); record the others, with their content, until they are answered."""
    if not await asyncio.to_thread(context.access.first_delivery, update.update_id, update.to_dict()):
        raise ApplicationHandlerStop


async def mark_answered(update: Update, context: BotContext) -> None:
    """After every handler (and the error handler) has run for an update."""
    await asyncio.to_thread(context.access.answered, update.update_id)


# An update received this long ago and still unanswered was interrupted by a crash, not
# being answered by another replica (answers take seconds; a slow model, half a minute).
INTERRUPTED_AFTER = timedelta(seconds=90)


async def _on_start(application: BotApplication) -> None:
    """Register the commands; answer what a crash interrupted; tell admins of lost uploads."""
    await best_effort(application.bot.set_my_commands(lookups.BOT_COMMANDS), "setMyCommands")
    access = application.bot_data.access
    for payload in await asyncio.to_thread(access.interrupted, INTERRUPTED_AFTER):
        await application.update_queue.put(Update.de_json(payload, application.bot))
    for lost in await asyncio.to_thread(access.lost_uploads):
        await best_effort(
            application.bot.send_message(
                lost.user_id,
                f"Tệp «{lost.file_name}» gửi lúc {lost.started_at:%H:%M %d/%m/%Y} chưa được lưu vì hệ thống "
                "đã khởi động lại giữa chừng. Hãy gửi lại tệp này.",
            ),
            "lost upload notice",
        )


def webhook_options(settings: Settings) -> dict[str, Any]:
    """How a replica serves Telegram's webhook: the path of TROLYXA_WEBHOOK_URL on
    TROLYXA_WEBHOOK_LISTEN:TROLYXA_WEBHOOK_PORT, refusing requests without the secret token
    (derived from the bot token, so every replica behind a load balancer agrees on it)."""
    assert settings.webhook_url and settings.telegram_token
    return {
        "listen": settings.webhook_listen,
        "port": settings.webhook_port,
        "url_path": urlparse(settings.webhook_url).path.strip("/"),
        "webhook_url": settings.webhook_url,
        "secret_token": hashlib.sha256(f"webhook:{settings.telegram_token}".encode()).hexdigest()[:32],
        "allowed_updates": Update.ALL_TYPES,
    }


def run(settings: Settings, assistant: Assistant) -> None:
    """Long polling by default; a webhook when TROLYXA_WEBHOOK_URL is set (replicas behind a load
    balancer answer each update once: update ids are recorded in SQL, see drop_duplicates)."""
    application = build(settings, assistant)
    try:
        if settings.webhook_url:
            log.info("starting webhook")
            application.run_webhook(**webhook_options(settings))
        else:
            log.info("starting long polling")
            application.run_polling(allowed_updates=Update.ALL_TYPES)
    except InvalidToken:
        raise ConfigError(
            "Telegram từ chối mã bot (TELEGRAM_BOT_TOKEN): mã sai hoặc đã bị thu hồi. Lấy mã mới từ @BotFather "
            "(lệnh /token) rồi đặt lại biến môi trường này."
        ) from None
