"""Issue 18's cases as a cadre meets them in Telegram: a period no document covers, the newest
of several dated figures, a document asked for by its number and signer, an overview question,
and a period follow-up. The same cases go through `Assistant` in tests/test_answers_general.py;
here through python-telegram-bot's client and the Bot API emulator, what the user reads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bot_harness import ADMIN, Running, run_bot
from tests.test_answers_general import NOTICE


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path, embedder) -> Iterator[Running]:
    with run_bot(tmp_path_factory, corpus_dir, embedder) as state:
        yield state


def _ask(running: Running, text: str) -> str:
    [message] = running.ask_and_wait(ADMIN, text)
    return message.text


def test_a_month_no_document_covers_is_said_before_the_nearest_one(running: Running) -> None:
    shown = _ask(running, "Ban Xây dựng Đảng tháng 11 phải làm gì?")
    first_line = shown.splitlines()[0]
    assert "không giao nhiệm vụ nào cho Ban Xây dựng Đảng trong tháng 11" in first_line
    assert "tháng 10/2025" in first_line and "<b>Nguồn:</b>" in shown
    follow_up = _ask(running, "Còn tháng 10 thì sao?")
    assert "không giao" not in follow_up and "Tăng cường công tác dân vận" in follow_up


def test_the_newest_figure_leads_dated(running: Running) -> None:
    shown = _ask(running, "Đảng bộ xã Kè Sắt có bao nhiêu đảng viên?")
    assert shown.startswith("Về đảng viên, đến ngày 12/12/2025 toàn xã có 1.873 đảng viên")


def test_an_overview_is_the_general_assessment_not_a_refusal(running: Running) -> None:
    shown = _ask(running, "Tình hình xã Đại Sơn thế nào?")
    assert "Đảng bộ xã Đại Sơn được thành lập" in shown and "chưa có nội dung" not in shown
    assert "<b>Nguồn:</b>" in shown and "mục A.1" in shown  # cited to the general-assessment section


def test_an_uploaded_notice_is_answered_by_its_number_and_signer(running: Running) -> None:
    before = len(running.emulator.messages_to(ADMIN))
    running.emulator.send_document(ADMIN, "an-binh_2025-11-12_thong-bao-55.txt", NOTICE.encode())
    [status] = running.emulator.wait_for_messages(ADMIN, before + 1)[before:]
    running.emulator.wait(lambda: "đã thêm mới" in status.text)
    concluded = _ask(running, "Thông báo 55-TB/ĐU kết luận gì?")
    assert concluded.startswith("Thông báo số 55-TB/ĐU ngày 12/11/2025 (xã An Bình)")
    assert "chuyển đổi số" in concluded and "<b>Nguồn:</b>" in concluded
    signer = _ask(running, "Ai ký thông báo 55-TB/ĐU?")
    assert "Người ký: Phó bí thư Lê Văn Hòa." in signer
