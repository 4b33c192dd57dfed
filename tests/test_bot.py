"""The Telegram bot end to end: python-telegram-bot's own client, over real HTTP on loopback,
against the Bot API emulator in `tests/telegram_emulator.py`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.context import ADMIN_ONLY, UNKNOWN_USER
from bot.errors import FAILED
from bot.records import Feedback, SentAnswer
from rag.scope import Scope
from tests.bot_harness import ADMIN, Running, run_bot

OPERATOR = Scope.operator()

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path, embedder) -> Iterator[Running]:
    with run_bot(tmp_path_factory, corpus_dir, embedder) as state:
        yield state


def test_commands_are_registered_and_start_greets(running: Running) -> None:
    [greeting] = running.ask_and_wait(ADMIN, "/start")
    assert "Trợ lý Xã" in greeting.text and greeting.parse_mode == "HTML"
    assert {c["command"] for c in running.emulator.commands} >= {"hoi", "nhiemvu", "vanban", "tailieu", "xa", "trogiup"}
    [help_text] = running.ask_and_wait(ADMIN, "/trogiup")
    assert "/nhiemvu" in help_text.text and "/duyet" in help_text.text  # admins see the admin commands


def test_question_is_answered_with_official_citations_and_buttons(running: Running) -> None:
    [answer] = running.ask_and_wait(ADMIN, "Chỉ thị 51-CT/TW nói gì?")
    assert "đổi thẻ đảng viên" in answer.text and "<b>Nguồn:</b>" in answer.text
    assert "mục A.1" in answer.text
    labels = [b["text"] for b in answer.buttons]
    assert "Nguồn 1" in labels and "👍" in labels and "👎" in labels
    assert (ADMIN, "typing") in running.emulator.actions


def test_source_button_shows_the_passage_with_the_quote_in_bold_and_paging(running: Running) -> None:
    [answer] = running.ask_and_wait(ADMIN, "/hoi Ban Xây dựng Đảng tháng 10 phải làm gì?")
    source = next(b for b in answer.buttons if b["text"] == "Nguồn 1")
    before = len(running.emulator.messages_to(ADMIN))
    running.emulator.press(ADMIN, answer, source["callback_data"])
    [passage] = running.emulator.wait_for_messages(ADMIN, before + 1)[before:]
    assert "- <b>Tăng cường công tác dân vận" in passage.text and "mục II.4" in passage.text
    following = next(b for b in passage.buttons if b["text"].startswith("xem tiếp"))
    running.emulator.press(ADMIN, passage, following["callback_data"])
    [next_page] = running.emulator.wait_for_messages(ADMIN, before + 2)[before + 1 :]
    assert "mục II.5" in next_page.text  # the next passage of the same document


def test_feedback_is_stored_with_question_and_answer(running: Running) -> None:
    [answer] = running.ask_and_wait(ADMIN, "Hội CCB dư nợ ủy thác bao nhiêu?")
    up = next(b for b in answer.buttons if b["text"] == "👍")
    running.emulator.press(ADMIN, answer, up["callback_data"])
    running.emulator.wait(lambda: any("Cảm ơn" in str(a.get("text")) for a in running.emulator.callback_answers))
    with running.assistant.sessions() as session:
        vote = session.scalars(select(Feedback).order_by(Feedback.id.desc())).first()
    assert vote is not None and vote.vote == 1 and "dư nợ" in vote.question and "18,695" in vote.answer


def test_tasks_and_directive_commands(running: Running) -> None:
    [tasks] = running.ask_and_wait(ADMIN, "/nhiemvu UBKT Xuân Hưng")
    assert "Ủy ban Kiểm tra Đảng ủy — tháng 10/2025" in tasks.text and "kiểm tra giám sát" in tasks.text
    [card] = running.ask_and_wait(ADMIN, "/vanban 50-ct/tw")
    assert "Chỉ thị số 50-CT/TW" in card.text and "Ban Bí thư" in card.text and "Được nhắc 2 lần" in card.text
    [unknown] = running.ask_and_wait(ADMIN, "/vanban 999-CT/TW")
    assert "không nhắc đến" in unknown.text


def test_long_lists_are_split_into_valid_messages(running: Running) -> None:
    pieces = running.ask_and_wait(ADMIN, "/nhiemvu Đảng ủy xã", count=2)
    assert all(len(p.text) <= 4096 for p in pieces)
    assert pieces[0].text.startswith("<b>Đảng ủy xã")


def test_unknown_user_gets_no_content_and_admin_approves(running: Running) -> None:
    stranger = 2002
    asked = running.asked
    [refusal] = running.ask_and_wait(stranger, "Đảng bộ xã Đại Sơn có bao nhiêu đảng viên?")
    assert refusal.text == UNKNOWN_USER and running.asked == asked  # no retrieval for unknown users
    running.emulator.wait(lambda: any(str(stranger) in m.text for m in running.emulator.sent if m.chat_id == ADMIN))
    notice = next(m for m in reversed(running.emulator.messages_to(ADMIN)) if str(stranger) in m.text)
    approve = next(b for b in notice.buttons if b["callback_data"] == f"ap:{stranger}")
    before = len(running.emulator.messages_to(stranger))
    running.emulator.press(ADMIN, notice, approve["callback_data"])
    [welcome] = running.emulator.wait_for_messages(stranger, before + 1)[before:]
    assert "đã được duyệt" in welcome.text
    [answer] = running.ask_and_wait(stranger, "Đảng bộ xã Đại Sơn có bao nhiêu đảng viên?")
    assert "1.173 đảng viên" in answer.text


def test_commune_restriction_is_applied_inside_the_search(running: Running) -> None:
    reader = 3003
    running.approve(reader, "Kè Sắt")
    running.ask_and_wait(reader, "Ban Xây dựng Đảng tháng 10 phải làm gì?")
    with running.assistant.sessions() as session:
        sent = session.scalars(select(SentAnswer).where(SentAnswer.user_id == reader)).all()[-1]
    assert sent.payload["passages"] and {p["commune"] for p in sent.payload["passages"]} == {"Kè Sắt"}
    # another commune's passage cannot be opened through a forged button either
    xuan_hung = next(d for d in running.assistant.documents(OPERATOR) if d.commune == "Xuân Hưng")
    forged = running.emulator.messages_to(reader)[-1]
    before = len(running.emulator.messages_to(reader))
    running.emulator.press(reader, forged, f"pg:{xuan_hung.id}-0005")
    [denied] = running.emulator.wait_for_messages(reader, before + 1)[before:]
    assert "không có quyền" in denied.text


def test_upload_by_admin_and_refusal_for_others(running: Running) -> None:
    notice = (
        "Thông báo\n\nI. Nhiệm vụ trọng tâm tháng 12/2025\n\n1. Hội Nông dân\n\n- Vận động 40 hộ trồng rau an toàn."
    )
    before = len(running.emulator.messages_to(ADMIN))
    running.emulator.send_document(ADMIN, "../../an-hoa.txt", notice.encode())
    [status] = running.emulator.wait_for_messages(ADMIN, before + 1)[before:]
    running.emulator.wait(lambda: "đã thêm mới" in status.text)
    assert status.edits and status.text.startswith("«an-hoa.txt»")  # path tricks stripped from the name
    assert any(d.file_name == "an-hoa.txt" for d in running.assistant.documents(OPERATOR))
    [refused] = running.ask_and_wait(2002, "/xoa abc")
    assert refused.text == ADMIN_ONLY


def test_a_redelivered_update_gets_one_reply(running: Running) -> None:
    before = len(running.emulator.messages_to(ADMIN))
    update = running.emulator.send_text(ADMIN, "/vanban 51-CT/TW")
    running.emulator.wait_for_messages(ADMIN, before + 1)
    running.emulator.redeliver((before and update["update_id"]) or update["update_id"], update)
    running.ask_and_wait(ADMIN, "/start")  # a later update is answered...
    assert len(running.emulator.messages_to(ADMIN)) == before + 2  # ...the redelivered one was not


def test_upload_by_a_non_admin_is_refused(running: Running) -> None:
    member = 5005
    running.approve(member, "tatca")
    before = len(running.emulator.messages_to(member))
    running.emulator.send_document(member, "bao-cao.txt", b"Noi dung")
    [refused] = running.emulator.wait_for_messages(member, before + 1)[before:]
    assert refused.text.startswith(ADMIN_ONLY)
    assert not any(d.file_name == "bao-cao.txt" for d in running.assistant.documents(OPERATOR))


def test_rate_limit_answers_politely(running: Running) -> None:
    eager = 6006
    running.approve(eager)
    replies = [running.ask_and_wait(eager, f"Chỉ thị 51-CT/TW nói gì? ({i})")[0].text for i in range(11)]
    assert "Bạn hỏi hơi nhanh" not in replies[0] and "Bạn hỏi hơi nhanh" in replies[-1]


def test_groups_need_approval_and_answer_mentions(running: Running) -> None:
    group = -100123
    asked = running.asked
    running.emulator.send_text(ADMIN, "@troly_xa_bot Chỉ thị 51-CT/TW nói gì?", chat_id=group, chat_type="group")
    running.emulator.send_text(ADMIN, "/duyet", chat_id=group, chat_type="group")
    [approved] = running.emulator.wait_for_messages(group, 1)
    assert "nhóm này" in approved.text and running.asked == asked  # the first mention was ignored
    update = running.emulator.send_text(
        ADMIN, "@troly_xa_bot Chỉ thị 51-CT/TW nói gì?", chat_id=group, chat_type="group"
    )
    assert update["message"]["text"].startswith("@troly_xa_bot")
    [answer] = running.emulator.wait_for_messages(group, 2)[1:]
    assert "đổi thẻ đảng viên" in answer.text


def test_a_failure_is_reported_and_the_bot_keeps_working(running: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(code: str, scope: object) -> None:  # a bug in the engine, simulated: no real part fails on demand
        raise RuntimeError("boom")

    monkeypatch.setattr(running.assistant, "directive", broken)
    admin_before = len(running.emulator.messages_to(ADMIN))
    running.emulator.send_text(ADMIN, "/vanban 50-CT/TW")
    # The asker is an admin: the apology and the admins' alert both come to this chat, in either order.
    running.emulator.wait(lambda: len(running.emulator.messages_to(ADMIN)) >= admin_before + 2)
    shown = [m.text for m in running.emulator.messages_to(ADMIN)[admin_before:]]
    assert FAILED in shown and any("RuntimeError" in text for text in shown)
    monkeypatch.undo()
    [answer] = running.ask_and_wait(ADMIN, "/vanban 50-CT/TW")
    assert "Chỉ thị số 50-CT/TW" in answer.text


def test_non_admins_cannot_approve_or_delete(running: Running) -> None:
    member = 7007
    running.approve(member)
    [refused] = running.ask_and_wait(member, "/duyet 8008 tatca")
    assert refused.text == ADMIN_ONLY
    [also_refused] = running.ask_and_wait(member, "/chan 1001")
    assert also_refused.text == ADMIN_ONLY


def test_the_bot_keeps_answering_while_an_upload_is_ingested(running: Running) -> None:
    reader = 9009
    running.approve(reader)
    long_report = (
        (ROOT / "corpus" / "ke-sat_2025_bao-cao-tong-ket-nam-2025.txt")
        .read_bytes()
        .replace("Kè Sắt".encode(), "Tân Phong".encode())
    )
    before_admin = len(running.emulator.messages_to(ADMIN))
    running.emulator.send_document(ADMIN, "tan-phong.txt", long_report)  # about 60 passages to embed
    [status] = running.emulator.wait_for_messages(ADMIN, before_admin + 1)[before_admin:]
    [answer] = running.ask_and_wait(reader, "Chỉ thị 51-CT/TW nói gì?")
    assert "đổi thẻ đảng viên" in answer.text
    assert "đã thêm mới" not in status.text  # answered while the upload was still being indexed
    running.emulator.wait(lambda: "đã thêm mới" in status.text, timeout=120)
