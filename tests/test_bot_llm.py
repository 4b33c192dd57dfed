"""The bot with a chat model: the answer grows in one message, edited at most once a second,
showing only verified sentences; then it gets its sources and buttons."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import ask as ask_handler
from tests.bot_harness import ADMIN, Running, run_bot
from tests.openai_server import ScriptedLLM

REPLY = (
    "Hội Cựu chiến binh có 18,695 tỷ đồng dư nợ ủy thác, không có nợ quá hạn [1]. "
    "Quỹ hội viên đạt 1,4 tỷ đồng [1]. Hội có 77 tỷ đồng tiền gửi [1]. "
    "Tỷ lệ hộ nghèo CCB giảm còn 0,68% [1]."
)


@pytest.fixture(scope="module")
def llm() -> Iterator[ScriptedLLM]:
    with ScriptedLLM() as server:
        yield server


@pytest.fixture(scope="module")
def bot_with_llm(
    tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path, embedder, llm: ScriptedLLM
) -> Iterator[Running]:
    with run_bot(
        tmp_path_factory,
        corpus_dir,
        embedder,
        llm_base_url=llm.url,
        llm_model="qwen2.5:7b-instruct",
        llm_timeout=5.0,
        llm_retries=0,
    ) as state:
        yield state


def test_streamed_answer_grows_by_edits_and_never_shows_an_unverified_number(
    bot_with_llm: Running, llm: ScriptedLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ask_handler, "EDIT_INTERVAL", 0.0)  # every verified sentence becomes an edit
    llm.reply = REPLY
    [message] = bot_with_llm.ask_and_wait(ADMIN, "Hội Cựu chiến binh Kè Sắt đạt những kết quả gì về vốn?")
    bot_with_llm.emulator.wait(lambda: "<b>Nguồn:</b>" in message.text)
    shown = [message.text, *message.edits]
    assert len(message.edits) >= 2  # one message, grown by edits
    assert all("77 tỷ" not in text for text in shown)  # the unsupported sentence never appears
    assert "18,695 tỷ đồng" in message.text and "0,68%" in message.text
    assert "Đã bỏ 1 câu không kiểm chứng được." in message.text
    assert any(b["text"] == "Nguồn 1" for b in message.buttons)


def test_endpoint_down_answers_extractively_in_the_bot(bot_with_llm: Running, llm: ScriptedLLM) -> None:
    llm.reply = "!500"
    [message] = bot_with_llm.ask_and_wait(ADMIN, "Dư nợ ủy thác của Hội Cựu chiến binh là bao nhiêu?")
    bot_with_llm.emulator.wait(lambda: "<b>Nguồn:</b>" in message.text)
    assert "18,695 tỷ đồng" in message.text and "trích dẫn nguyên văn" in message.text
