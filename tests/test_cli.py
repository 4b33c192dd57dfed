"""The `trolyxa` command, run as a user runs it: a real process, real stdout and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from tests import backends

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


run = backends.cli


def test_ask_json_contract(corpus_copy: Path) -> None:
    result = run(corpus_copy, "ask", "Chỉ thị 50-CT/TW nói gì?", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert not data["abstained"] and data["citations"]
    assert all(c["quote"] in c["text"] for c in data["citations"])


def test_ask_text_shows_sources(corpus_copy: Path) -> None:
    result = run(corpus_copy, "ask", "Ban Xây dựng Đảng tháng 10 phải làm gì?", "--commune", "Xuân Hưng")
    assert result.returncode == 0, result.stderr
    assert "Nguồn:" in result.stdout and "mục II.4" in result.stdout and "xã Xuân Hưng" in result.stdout


def test_batch_one_json_line_per_question(corpus_copy: Path) -> None:
    questions = "Chỉ thị 51-CT/TW về việc gì?\n\nDư nợ ủy thác của Hội CCB là bao nhiêu?\n" + "x" * 3000 + "\n"
    result = run(corpus_copy, "ask", "--batch", "-", "--json", stdin=questions)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [bool(line.get("citations")) for line in lines[:2]] == [True, True]
    assert "quá dài" in lines[2]["error"]  # a bad line is reported, the batch goes on


def test_ingest_documents_delete(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (tmp_path / "rong.txt").write_bytes(b"")
    doc = CORPUS / "phu-trung_2025-09-04_tin-giao-ban-quy-III.txt"
    result = run(data, "ingest", str(doc), str(tmp_path / "rong.txt"))
    assert result.returncode == 0
    assert "Thêm mới: phu-trung" in result.stdout and "tệp rỗng" in result.stdout
    assert "thêm mới 1, không đổi 0, thay thế 0, lỗi 1" in result.stdout
    assert "không đổi 1" in run(data, "ingest", str(doc)).stdout

    listing = run(data, "documents", "--json")
    [entry] = json.loads(listing.stdout)
    assert entry["commune"] == "Phú Trung"
    assert run(data, "delete", entry["id"]).returncode == 0
    assert json.loads(run(data, "documents", "--json").stdout) == []


def test_user_errors_are_one_vietnamese_line_without_traceback(tmp_path: Path) -> None:
    result = run(tmp_path / "data", "delete", "khong-co-ma-nay")
    assert result.returncode == 3
    assert "Không có tài liệu" in result.stderr and "Traceback" not in result.stderr
    empty = run(tmp_path / "data", "ask", "   ")
    assert empty.returncode == 1 and "Câu hỏi chưa có nội dung" in empty.stderr
    failed = run(tmp_path / "data", "ingest", str(tmp_path / "khong-co.pdf"))
    assert failed.returncode == 1 and "Không tìm thấy tệp" in failed.stdout


def test_chat_answers_until_the_user_leaves(corpus_copy: Path) -> None:
    result = run(corpus_copy, "chat", stdin="Chỉ thị 51-CT/TW về việc gì?\nthoát\n")
    assert result.returncode == 0
    assert "đổi thẻ đảng viên" in result.stdout and "Nguồn:" in result.stdout
