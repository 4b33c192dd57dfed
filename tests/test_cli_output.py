"""The command line as a person reads it: Vietnamese help and errors, numbers and dates as
Vietnamese write them, whole words and titles, one JSON writer, chat history and line
editing, tasks falling due, and the bot's feedback for admins."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot import records
from bot.records import Feedback, SentAnswer
from rag.store.database import make_engine, make_sessions
from tests import backends

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
run = backends.cli


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path) -> Path:
    target = tmp_path_factory.mktemp("cli-output") / "data"
    backends.copy(corpus_dir, target)
    return target


def _ok(data: Path, *args: str) -> str:
    result = run(data, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_help_and_argument_errors_are_vietnamese(tmp_path: Path) -> None:
    top = _ok(tmp_path / "data", "--help")
    assert top.startswith("Cách dùng: trolyxa")
    assert "tùy chọn:" in top and "hiện hướng dẫn này rồi thoát" in top and "các lệnh:" in top
    assert "đặt một câu hỏi" in top and "usage" not in top and "show this help" not in top
    tasks = _ok(tmp_path / "data", "tasks", "--help")
    assert "Cách dùng: trolyxa tasks" in tasks and "--due SỐ_NGÀY" in tasks and "ví dụ: 7d" in tasks
    wrong = run(tmp_path / "data", "hoi")
    assert wrong.returncode == 2 and "trolyxa: lỗi: " in wrong.stderr and "lựa chọn không hợp lệ" in wrong.stderr
    missing = run(tmp_path / "data", "delete")
    assert "thiếu tham số bắt buộc: MÃ" in missing.stderr and "error" not in missing.stderr


def test_figures_read_as_vietnamese_write_them_with_period_and_document(data: Path) -> None:
    lines = _ok(data, "figures").splitlines()
    members = next(line for line in lines if line.startswith("1.173 đảng viên"))
    assert "quý III/2025" in members and "1.173 đảng viên." in members
    admitted = next(line for line in lines if line.startswith("55,8%"))
    assert "năm 2025" in admitted and "(đạt 55,8%)" in admitted
    assert not any(re.match(r"\d{4,} ", line) for line in lines)  # 1173 without its separator
    following = lines[lines.index(members) + 1]
    assert "Báo cáo tình hình hoạt động của tổ chức cơ sở đảng" in following and "xã Đại Sơn" in following
    corpus_words = set(" ".join(p.read_text(encoding="utf-8") for p in CORPUS.iterdir()).split())
    for line in lines:
        if line.startswith(" "):
            continue
        context = line.split(": ", 1)[1].replace("…", " ")
        cut = [w for w in context.split() if w not in corpus_words]
        assert not cut, (line, cut)  # every word whole, as the document has it


def test_documents_show_full_titles_numbers_and_dates_at_their_precision(data: Path) -> None:
    out = _ok(data, "documents")
    flowing = " ".join(line.strip() for line in out.splitlines())
    assert (
        "Báo cáo tổng kết công tác xây dựng Đảng, chính quyền, hoạt động của MTTQ và các đoàn thể năm 2025" in flowing
    )
    assert "23/9/2025" in out and "4/9/2025" in out
    assert re.search(r"· 9/2025 · xã Xuân Hưng", out)
    assert "?" not in out and not re.search(r"\d{4}-\d\d", out)
    assert all(len(line) <= 100 for line in out.splitlines())


def test_directive_dates_are_written_as_cadres_write_them(data: Path) -> None:
    out = _ok(data, "directive", "50-ct/tw")
    assert out.startswith("Chỉ thị số 50-CT/TW, ngày 23/7/2025 của Ban Bí thư")
    assert "2025-07-23" not in out
    # Each mention cites its document as an official would: kind, date, issuer, section.
    assert "[Thông báo tháng 9/2025 của Ban Thường vụ Đảng ủy xã Xuân Hưng, mục II.4]" in out
    assert json.loads(_ok(data, "directive", "50-ct/tw", "--json"))["date"] == "2025-07-23"  # ISO for programs


@pytest.mark.parametrize(
    "args", [("documents",), ("units",), ("figures",), ("directive", "50-CT/TW"), ("tasks", "--unit", "UBKT")]
)
def test_every_json_keeps_vietnamese_as_it_is(data: Path, args: tuple[str, ...]) -> None:
    out = _ok(data, *args, "--json")
    assert "\\u" not in out and re.search(r"[ạảấầẩậắằẳặẹẻếềểệịỉọỏốồổộớờởợụủứừửựỳỷỹđ]", out)
    json.loads(out)


def test_chat_keeps_its_history_in_the_data_dir(data: Path) -> None:
    first = run(data, "chat", stdin="Chỉ thị 50-CT/TW nói gì?\nthoát\n")
    assert first.returncode == 0, first.stderr
    run(data, "chat", stdin="Hội CCB dư nợ ủy thác bao nhiêu?\n")
    history = (data / "chat_history").read_text(encoding="utf-8").splitlines()
    assert history[-2:] == ["Chỉ thị 50-CT/TW nói gì?", "Hội CCB dư nợ ủy thác bao nhiêu?"]


def test_chat_edits_the_line_with_the_arrow_keys_at_a_terminal(data: Path) -> None:
    """At a real terminal: ← moves the cursor instead of printing ^[[D; ↑ brings back the
    previous question."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: trolyxa chat at a terminal
        env = {**os.environ, **backends.env_for(data), "TERM": "xterm"}
        os.execvpe(sys.executable, [sys.executable, "-m", "trolyxa.cli", "chat"], env)
    seen = b""

    def read_until(marker: bytes, timeout: float = 120) -> None:
        nonlocal seen
        deadline = time.monotonic() + timeout
        while marker not in seen and time.monotonic() < deadline:
            if select.select([fd], [], [], 0.5)[0]:
                try:
                    seen += os.read(fd, 65536)
                except OSError:
                    break
        assert marker in seen, seen[-500:]

    try:
        read_until("Bạn hỏi: ".encode())
        seen = b""
        os.write(fd, "Chỉ thị 5-CT/TW nói gì?".encode())
        os.write(fd, b"\x1b[D" * len("-CT/TW nói gì?") + b"0\r")  # ← ×14, then "0": 50-CT/TW
        read_until("Bạn hỏi: ".encode())
        assert b"^[[D" not in seen and "sinh hoạt chi bộ".encode() in seen  # 50-CT/TW was asked
        seen = b""
        os.write(fd, b"\x1b[A")  # ↑: the question again, on the line
        read_until("Chỉ thị 50-CT/TW nói gì?".encode())
        os.write(fd, b"\r")
        read_until("Bạn hỏi: ".encode())
        assert "sinh hoạt chi bộ".encode() in seen
        os.write(fd, b"\x04")  # Ctrl+D
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        os.close(fd)
    assert (data / "chat_history").read_text(encoding="utf-8").splitlines()[-1] == "Chỉ thị 50-CT/TW nói gì?"


def test_tasks_due_lists_what_falls_due_by_unit_with_its_date(tmp_path: Path) -> None:
    today = date.today()
    soon, late, far = today + timedelta(days=3), today - timedelta(days=2), today + timedelta(days=40)
    notice = tmp_path / "an-binh.txt"
    notice.write_text(
        f"ĐẢNG ỦY XÃ AN BÌNH\nSố 41-TB/ĐU\nAn Bình, ngày {today.day} tháng {today.month} năm {today.year}\n\n"
        "THÔNG BÁO\nkết luận hội nghị giao ban\n\nI. Nhiệm vụ trọng tâm\n1. Ban Xây dựng Đảng\n"
        f"- Hoàn thành hồ sơ kết nạp đảng viên trước ngày {soon.day}/{soon.month}/{soon.year}.\n"
        f"- Chuẩn bị nội dung hội nghị tổng kết trước ngày {far.day}/{far.month}/{far.year}.\n"
        f"2. Hội Cựu chiến binh\n- Tổ chức gặp mặt hội viên trước ngày {late.day}/{late.month}/{late.year}.\n",
        encoding="utf-8",
    )
    home = tmp_path / "data"
    _ok(home, "ingest", str(notice))
    out = _ok(home, "tasks", "--due", "7d")
    assert f"{today.day}/{today.month}/{today.year}: 2 nhiệm vụ" in out
    flowing = re.sub(r"\n +", " ", out)
    assert re.search(r"\nBan Xây dựng Đảng:\n- Hoàn thành hồ sơ kết nạp đảng viên .*\(còn 3 ngày, ", flowing)
    assert f"(còn 3 ngày, {soon.day}/{soon.month}/{soon.year})" in flowing
    assert re.search(r"\nHội Cựu chiến binh:\n- Tổ chức gặp mặt hội viên .*\(quá hạn 2 ngày, ", flowing)
    assert "hội nghị tổng kết" not in out and "xã An Bình" in out
    rows = json.loads(_ok(home, "tasks", "--due", "7", "--json", "--unit", "CCB"))["tasks"]
    assert [(r["unit"], r["due_end"]) for r in rows] == [("Hội Cựu chiến binh", late.isoformat())]
    assert "Không có nhiệm vụ nào đến hạn" in _ok(home, "tasks", "--due", "7d", "--commune", "Đại Sơn")
    bad = run(home, "tasks", "--due", "tuần sau")
    assert bad.returncode == 1 and "Không hiểu số ngày" in bad.stderr


def test_feedback_shows_counts_and_the_latest_thumbs_down_with_sources(tmp_path: Path) -> None:
    home = tmp_path / "data"
    assert "👍 0 · 👎 0" in _ok(home, "feedback")  # the bot never ran here: no error
    settings = backends.settings_for(home)
    engine = make_engine(settings.sql_url)
    records.upgrade(engine, home)
    citation = {"n": 1, "title": "Thông báo kết luận", "commune": "Xuân Hưng", "section": "II.4", "quote": "q"}
    with make_sessions(engine)() as session, session.begin():
        for i, vote in enumerate((1, 1, -1)):
            answer = SentAnswer(
                user_id=7, question=f"câu hỏi {i}", payload={"answer": f"đáp {i}", "citations": [citation]}
            )
            session.add(answer)
            session.flush()
            session.add(Feedback(answer_id=answer.id, user_id=7, vote=vote, question=f"câu hỏi {i}", answer=f"đáp {i}"))
    engine.dispose()
    out = _ok(home, "feedback")
    assert "👍 2 · 👎 1" in out and "Hỏi: câu hỏi 2" in out and "Đáp: đáp 2" in out
    assert "[1] Thông báo kết luận (xã Xuân Hưng), mục II.4" in out and "câu hỏi 0" not in out
    report = json.loads(_ok(home, "feedback", "--json"))
    assert (report["up"], report["down"]) == (2, 1) and report["latest_down"][0]["sources"][0]["section"] == "II.4"
