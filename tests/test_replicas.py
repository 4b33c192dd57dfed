"""Several bot replicas behind a load balancer, in webhook mode, over one shared store.

Each replica is python-telegram-bot's own webhook server on loopback with its own engine
(its own SQL connections and Chroma client); the Telegram side is tests/telegram_emulator.py.
A load balancer that retries a delivery which timed out may hand the same update to another
replica: it must be answered once.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.servers import free_port
from bot.app import build, webhook_options
from rag.assistant import Assistant
from tests import backends
from tests.telegram_emulator import Emulator

ADMIN = 4242
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class Replicas:
    def __init__(self, emulator: Emulator, endpoints: list[tuple[str, str]]) -> None:
        self.emulator = emulator
        self.endpoints = endpoints  # (webhook URL, secret token) of each replica

    def deliver(self, replica: int, update: dict[str, Any], secret: str | None = None) -> int:
        url, expected = self.endpoints[replica]
        headers = {SECRET_HEADER: expected if secret is None else secret}
        return httpx.post(url, json=update, headers=headers, timeout=10).status_code


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path, embedder) -> Iterator[Replicas]:
    data = tmp_path_factory.mktemp("replicas") / "data"
    backends.copy(corpus_dir, data)
    with Emulator() as emulator:
        applications = []
        for _ in range(2):
            port = free_port()
            settings = backends.settings_for(
                data,
                admins=str(ADMIN),
                telegram_token=emulator.token,
                telegram_api_base_url=emulator.base_url,
                webhook_url=f"http://127.0.0.1:{port}/telegram",
                webhook_listen="127.0.0.1",
                webhook_port=port,
            )
            applications.append(
                (build(settings, Assistant(settings, embedder=embedder).start()), webhook_options(settings))
            )
        started, stop = threading.Event(), threading.Event()
        failures: list[BaseException] = []

        async def serve() -> None:
            try:
                for application, options in applications:
                    await application.initialize()
                    await application.start()
                    await application.updater.start_webhook(**options)  # type: ignore[union-attr]
            except BaseException as exc:
                failures.append(exc)
                raise
            finally:
                started.set()
            while not stop.is_set():
                await asyncio.sleep(0.05)
            for application, _ in applications:
                await application.updater.stop()  # type: ignore[union-attr]
                await application.stop()
                await application.shutdown()

        thread = threading.Thread(target=lambda: asyncio.run(serve()), daemon=True)
        thread.start()
        assert started.wait(60) and not failures, f"the replicas did not start: {failures}"
        yield Replicas(emulator, [(o["webhook_url"], o["secret_token"]) for _, o in applications])
        stop.set()
        thread.join(timeout=30)
        assert not emulator.errors, emulator.errors


def test_replicas_register_the_webhook_with_the_secret_token(replicas: Replicas) -> None:
    assert replicas.emulator.webhook is not None
    url, secret = replicas.emulator.webhook
    assert url.endswith("/telegram") and secret == replicas.endpoints[0][1] == replicas.endpoints[1][1]


def test_an_update_handed_to_two_replicas_is_answered_once(replicas: Replicas) -> None:
    before = len(replicas.emulator.messages_to(ADMIN))
    update = replicas.emulator.send_text(ADMIN, "Chỉ thị 51-CT/TW nói gì?")
    with ThreadPoolExecutor(2) as pool:  # both at once, as a retrying load balancer may do
        statuses = list(pool.map(lambda replica: replicas.deliver(replica, update), [0, 1]))
    assert statuses == [200, 200]
    [answer] = replicas.emulator.wait_for_messages(ADMIN, before + 1)[before:]
    assert "đổi thẻ đảng viên" in answer.text
    time.sleep(2)  # a second answer, if one were coming, would be here by now
    assert len(replicas.emulator.messages_to(ADMIN)) == before + 1


def test_each_replica_answers_the_updates_it_is_given(replicas: Replicas) -> None:
    for replica, question in enumerate(["Hội CCB dư nợ ủy thác bao nhiêu?", "/vanban 50-CT/TW"]):
        before = len(replicas.emulator.messages_to(ADMIN))
        assert replicas.deliver(replica, replicas.emulator.send_text(ADMIN, question)) == 200
        [answer] = replicas.emulator.wait_for_messages(ADMIN, before + 1)[before:]
        assert ("18,695" in answer.text) if replica == 0 else ("Chỉ thị số 50-CT/TW" in answer.text)


def test_a_request_without_the_secret_token_is_refused(replicas: Replicas) -> None:
    before = len(replicas.emulator.sent)
    forged = replicas.emulator.send_text(ADMIN, "Chỉ thị 51-CT/TW nói gì?")
    assert replicas.deliver(0, forged, secret="doan-mo") == 403
    time.sleep(1)
    assert len(replicas.emulator.sent) == before
