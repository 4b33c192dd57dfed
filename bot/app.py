"""Wiring: one builder chain that turns settings and the engine facade into a running bot."""

from __future__ import annotations

import hashlib
import logging
from typing import Any
from urllib.parse import urlparse

from telegram import Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import handlers
from bot.access import Access
from rag.assistant import Assistant
from rag.config import Settings
from rag.errors import ConfigError

log = logging.getLogger(__name__)


def build(settings: Settings, assistant: Assistant) -> Application:
    if not settings.telegram_token:
        raise ConfigError("Chưa có TELEGRAM_BOT_TOKEN. Tạo bot với @BotFather rồi đặt biến môi trường này.")
    builder = Application.builder().token(settings.telegram_token).concurrent_updates(True)
    builder = builder.rate_limiter(AIORateLimiter(max_retries=3)).post_init(_register_commands)
    if settings.telegram_api_base_url:
        base = settings.telegram_api_base_url.rstrip("/")
        builder = builder.base_url(base).base_file_url(base.removesuffix("/bot") + "/file/bot")
    application = builder.build()
    access = Access(assistant.sessions, settings.admin_ids)
    application.bot_data["state"] = handlers.BotState(assistant, access, settings.questions_per_minute)

    application.add_handler(TypeHandler(Update, handlers.drop_duplicates), group=-1)
    private_text = filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE
    mention = filters.TEXT & ~filters.COMMAND & filters.ChatType.GROUPS & filters.Entity("mention")
    for name, callback in (
        ("start", handlers.start),
        ("trogiup", handlers.help_command),
        ("help", handlers.help_command),
        ("hoi", handlers.ask),
        ("nhiemvu", handlers.tasks_command),
        ("vanban", handlers.directive_command),
        ("tailieu", handlers.documents_command),
        ("xa", handlers.commune_command),
        ("xoa", handlers.delete_command),
        ("duyet", handlers.approve_command),
        ("chan", handlers.block_command),
        ("nguoidung", handlers.users_command),
    ):
        application.add_handler(CommandHandler(name, callback))
    application.add_handler(MessageHandler(private_text | mention, handlers.ask))
    application.add_handler(MessageHandler(filters.Document.ALL, handlers.upload))
    application.add_handler(CallbackQueryHandler(handlers.on_button))
    application.add_error_handler(handlers.on_error)
    return application


async def _register_commands(application: Application) -> None:
    await handlers.best_effort(application.bot.set_my_commands(handlers.BOT_COMMANDS), "setMyCommands")


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
    balancer answer each update once: update ids are recorded in SQL, see handlers.drop_duplicates)."""
    application = build(settings, assistant)
    if settings.webhook_url:
        log.info("starting webhook")
        application.run_webhook(**webhook_options(settings))
    else:
        log.info("starting long polling")
        application.run_polling(allowed_updates=Update.ALL_TYPES)
