"""/phanhoi: an admin reads the counts of 👍/👎 and the latest 👎 with its question, answer
and sources; anyone else is told the command is for admins."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bot_harness import ADMIN, run_bot

MEMBER = 5301


def test_admins_read_the_latest_thumbs_down_with_question_answer_and_sources(
    tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path, embedder
) -> None:
    with run_bot(tmp_path_factory, corpus_dir, embedder) as bot:
        bot.approve(MEMBER)
        [empty] = bot.ask_and_wait(ADMIN, "/phanhoi")
        assert "👍 0 · 👎 0" in empty.text and "Chưa có câu trả lời nào bị chê" in empty.text
        for question, vote in (("Chỉ thị 50-CT/TW nói gì?", "👍"), ("Hội CCB dư nợ ủy thác bao nhiêu?", "👎")):
            [answer] = bot.ask_and_wait(MEMBER, question)
            button = next(b for b in answer.buttons if b["text"] == vote)
            thanked = len(bot.emulator.callback_answers)
            bot.emulator.press(MEMBER, answer, button["callback_data"])
            bot.emulator.wait(lambda n=thanked: len(bot.emulator.callback_answers) > n)
        [report] = bot.ask_and_wait(ADMIN, "/phanhoi")
        assert "👍 1 · 👎 1" in report.text
        assert "<b>Hỏi:</b> Hội CCB dư nợ ủy thác bao nhiêu?" in report.text
        assert "18,695" in report.text and f"<code>{MEMBER}</code>" in report.text
        assert "<b>Nguồn:</b> [1]" in report.text and "xã Kè Sắt" in report.text
        assert "Chỉ thị 50-CT/TW nói gì?" not in report.text  # a 👍 is counted, not listed
        [refused] = bot.ask_and_wait(MEMBER, "/phanhoi")
        assert "Chỉ quản trị viên" in refused.text
