"""A running bot for end-to-end tests: python-telegram-bot's own client, over real HTTP on
loopback, against the Bot API emulator (tests/telegram_emulator.py), over a real store."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.app import build
from rag.assistant import Assistant
from tests import backends
from tests.telegram_emulator import Emulator, Sent

ADMIN = 1001


class Running:
    def __init__(self, emulator: Emulator, assistant: Assistant) -> None:
        self.emulator = emulator
        self.assistant = assistant
        self.asked = 0
        self.admin_seen = 0  # how many messages admins had when a test began

    def ask_and_wait(self, user_id: int, text: str, count: int = 1) -> list[Sent]:
        before = len(self.emulator.messages_to(user_id))
        self.emulator.send_text(user_id, text)
        return self.emulator.wait_for_messages(user_id, before + count)[before:]

    def approve(self, user_id: int, communes: str = "") -> None:
        """An admin approves a user, who is told so."""
        before = len(self.emulator.messages_to(user_id))
        self.ask_and_wait(ADMIN, f"/duyet {user_id} {communes}".strip())
        self.emulator.wait_for_messages(user_id, before + 1)


@contextmanager
def run_bot(
    tmp_path_factory: pytest.TempPathFactory,
    corpus_dir: Path,
    embedder,
    data: Path | None = None,
    emulator: Emulator | None = None,
    **extra: object,
) -> Iterator[Running]:
    """The bot over a copy of the ingested corpus (or over `data`, to start it again over
    what an earlier run left), polling the emulator from its own thread."""
    if data is None:
        data = tmp_path_factory.mktemp("bot") / "data"
        backends.copy(corpus_dir, data)
    with _emulator(emulator) as emulator:
        settings = backends.settings_for(
            data,
            admins=str(ADMIN),
            telegram_token=emulator.token,
            telegram_api_base_url=emulator.base_url,
            **extra,
        )
        assistant = Assistant(settings, embedder=embedder).start()
        state = Running(emulator, assistant)
        real_ask = assistant.ask_stream

        def counted_ask(*args, **kwargs):  # every search the bot makes for a question
            state.asked += 1
            return real_ask(*args, **kwargs)

        assistant.ask_stream = counted_ask  # type: ignore[method-assign]
        application = build(settings, assistant)
        stop = threading.Event()

        async def serve() -> None:
            async with application:
                await application.post_init(application)  # type: ignore[misc]
                await application.start()
                await application.updater.start_polling(poll_interval=0.0, timeout=1)  # type: ignore[union-attr]
                while not stop.is_set():
                    await asyncio.sleep(0.05)
                await application.updater.stop()  # type: ignore[union-attr]
                await application.stop()

        thread = threading.Thread(target=lambda: asyncio.run(serve()), daemon=True)
        thread.start()
        yield state
        stop.set()
        thread.join(timeout=30)
        assert not emulator.errors, emulator.errors  # every message the bot sent was valid for Telegram


@contextmanager
def _emulator(running: Emulator | None) -> Iterator[Emulator]:
    if running is not None:
        yield running
        return
    with Emulator() as emulator:
        yield emulator
