"""The bot with a chat model: the verified extractive answer is sent at once, the model's
verified answer replaces it by an edit when ready; a model that is slow, hangs or fails leaves
the first answer as it was, without a word about waiting. A real HTTP conversation with a
scripted OpenAI-compatible server and the Bot API emulator, both on loopback."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.bot_harness import ADMIN, Running, run_bot
from tests.openai_server import ScriptedLLM
from tests.telegram_emulator import Sent

QUESTION = "Hội Cựu chiến binh Kè Sắt đạt những kết quả gì về vốn?"
REPLY = (
    "Hội Cựu chiến binh có 18,695 tỷ đồng dư nợ ủy thác, không có nợ quá hạn [1]. "
    "Quỹ hội viên đạt 1,4 tỷ đồng [1]. Hội có 77 tỷ đồng tiền gửi [1]. "
    "Tỷ lệ hộ nghèo CCB giảm còn 0,68% [1]."
)


@pytest.fixture(scope="module")
def llm() -> Iterator[ScriptedLLM]:
    with ScriptedLLM() as server:
        yield server


def _bot_with(timeout: float) -> Callable[..., Iterator[Running]]:
    """A module's bot whose chat model times out after `timeout` seconds."""

    @pytest.fixture(scope="module")
    def bot(
        tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path, embedder, llm: ScriptedLLM
    ) -> Iterator[Running]:
        with run_bot(
            tmp_path_factory,
            corpus_dir,
            embedder,
            llm_base_url=llm.url,
            llm_model="qwen2.5:7b-instruct",
            llm_timeout=timeout,
            llm_retries=0,
        ) as state:
            yield state

    return bot


patient_bot = _bot_with(30.0)
hasty_bot = _bot_with(3.0)


def _ask_first(bot: Running, llm: ScriptedLLM, text: str, slow_model: bool = True) -> Sent:
    """The first answer; with a slow model, checked to have come before the model replied: it
    did not wait for it. (How fast it comes is bench.first_answer's to measure, not a test's.)"""
    asked = len(llm.requests)
    [message] = bot.ask_and_wait(ADMIN, text)
    if slow_model:
        assert not [i for i in llm.replied if i >= asked], "the first answer waited for the model"
    return message


def _settled(bot: Running, llm: ScriptedLLM, requests_before: int, grace: float) -> None:
    """Wait until the model was asked, then long enough for a failure to have been handled."""
    bot.emulator.wait(lambda: len(llm.requests) > requests_before, timeout=10)
    time.sleep(grace)


def test_the_extractive_answer_comes_at_once_and_the_models_replaces_it(patient_bot: Running, llm: ScriptedLLM) -> None:
    llm.reply = "!delay:20:" + REPLY
    started = time.monotonic()
    message = _ask_first(patient_bot, llm, QUESTION)
    first = message.text
    assert "<b>Nguồn:</b>" in first and any(b["text"] == "Nguồn 1" for b in message.buttons)
    assert "Đã bỏ" not in first and "chờ" not in first.lower()  # a complete answer, no waiting note
    patient_bot.emulator.wait(lambda: bool(message.edits), timeout=40)
    assert time.monotonic() - started >= 20  # the edit is the model's, not a second extractive pass
    refined = message.text
    assert refined != first and "Quỹ hội viên đạt 1,4 tỷ đồng" in refined and "0,68%" in refined
    assert all("77 tỷ" not in text for text in [first, *message.edits])  # the unsupported sentence never shows
    assert "Đã bỏ 1 câu không kiểm chứng được." in refined
    assert any(b["text"] == "Nguồn 1" for b in message.buttons)
    assert patient_bot.emulator.messages_to(ADMIN)[-1].message_id == message.message_id  # replaced in place


@pytest.mark.parametrize("reply", ["!sleep:8", "!500", "Dư nợ ủy thác là 25 tỷ đồng [1]."])
def test_a_model_that_hangs_fails_or_cannot_be_verified_leaves_the_first_answer(
    hasty_bot: Running, llm: ScriptedLLM, reply: str
) -> None:
    llm.reply = reply
    before = len(llm.requests)
    count = len(hasty_bot.emulator.messages_to(ADMIN))
    slow = reply.startswith("!sleep")
    message = _ask_first(hasty_bot, llm, "Dư nợ ủy thác của Hội Cựu chiến binh là bao nhiêu?", slow)
    first = message.text
    assert "18,695 tỷ đồng" in first and "<b>Nguồn:</b>" in first
    _settled(hasty_bot, llm, before, grace=4.0 if slow else 1.0)  # past the 3 s timeout
    assert message.text == first and not message.edits
    assert len(hasty_bot.emulator.messages_to(ADMIN)) == count + 1
    assert "25 tỷ" not in first and "trích dẫn nguyên văn" not in first


def test_a_follow_up_is_answered_at_once_though_the_model_hangs(hasty_bot: Running, llm: ScriptedLLM) -> None:
    llm.reply = "Tài liệu không có thông tin này."
    hasty_bot.ask_and_wait(ADMIN, "Hội Phụ nữ xã Kè Sắt có nhiệm vụ gì năm 2026?")
    llm.reply = "!sleep:8"  # the model would rewrite the follow-up, but it hangs
    message = _ask_first(hasty_bot, llm, "Còn Hội Nông dân thì sao?")
    assert "Hội Nông dân" in message.text and "Hiểu câu hỏi là" in message.text
