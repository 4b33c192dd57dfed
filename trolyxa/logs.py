"""Logging for every interface process: one file in the data directory, and secrets (bot
token, model API key, database password) redacted wherever they appear — in messages,
arguments and exception traces alike, since a library may put a URL with the token in one."""

from __future__ import annotations

import logging
import sys
from urllib.parse import urlparse

from rag.config import Settings

NOISY = ("alembic", "chromadb", "httpx", "httpcore", "urllib3")


class RedactingFormatter(logging.Formatter):
    def __init__(self, fmt: str, secrets: list[str]) -> None:
        super().__init__(fmt)
        # longest first, so that a secret containing another is replaced whole
        self.secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "«đã ẩn»")
        return text


def secrets_of(settings: Settings) -> list[str]:
    found = [settings.telegram_token or "", settings.llm_api_key or ""]
    if settings.telegram_token and ":" in settings.telegram_token:
        found.append(settings.telegram_token.split(":", 1)[1])  # the secret half, alone in some URLs
    if settings.database_url:
        found.append(urlparse(settings.database_url).password or "")
    return [s for s in found if s]


def setup(settings: Settings, verbose: bool) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    handlers: list[logging.Handler] = [logging.FileHandler(settings.data_dir / "trolyxa.log", encoding="utf-8")]
    if verbose:
        handlers.append(logging.StreamHandler(sys.stderr))
    formatter = RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets_of(settings))
    for handler in handlers:
        handler.setFormatter(formatter)
    logging.basicConfig(level=logging.INFO, handlers=handlers, force=True)
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(logging.WARNING)
