"""Attacks through the command line and its files: a batch with a line in another encoding,
a broken metadata file, a revoked bot token."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests import backends
from tests.telegram_emulator import Emulator

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def test_a_batch_line_in_another_encoding_is_that_line_s_error_only(corpus_copy: Path, tmp_path: Path) -> None:
    """Red team 6: one line in a legacy encoding killed the batch (exit 70, 0 of 3 answered)."""
    batch = tmp_path / "cau-hoi.txt"
    batch.write_bytes(
        "Hội CCB dư nợ ủy thác bao nhiêu?\n".encode()
        + b"\xd0\xe3ng b\xf4 c\xf3 bao nhi\xeau \xf0\xe3ng vi\xean?\n"  # a legacy 8-bit editor's bytes
        + "Chỉ thị 51-CT/TW nói gì?\n".encode()
    )
    result = backends.cli(corpus_copy, "ask", "--batch", str(batch))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 3
    assert "18,695" in lines[0]["answer"] and "đổi thẻ đảng viên" in lines[2]["answer"]
    assert lines[1]["line"] == 2 and "UTF-8" in lines[1]["error"]
    missing = backends.cli(corpus_copy, "ask", "--batch", str(tmp_path / "khong-co.txt"))
    assert missing.returncode == 1 and "Không tìm thấy tệp câu hỏi" in missing.stderr


def test_a_broken_metadata_file_fails_its_document_only(tmp_path: Path) -> None:
    """New attempt: a `.meta.json` that is not JSON aborted the whole folder (exit 70)."""
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("phu-trung_2025-09-04_tin-giao-ban-quy-III.txt", "xuan-hung_2025-09_thong-bao-ket-luan-giao-ban.txt"):
        (folder / name).write_bytes((CORPUS / name).read_bytes())
    (folder / "phu-trung_2025-09-04_tin-giao-ban-quy-III.txt.meta.json").write_text("{number: 15", encoding="utf-8")
    result = backends.cli(tmp_path / "data", "ingest", str(folder), env={"TROLYXA_EMBEDDINGS": "hash"})
    assert result.returncode == 0, result.stderr
    assert "Thêm mới: xuan-hung" in result.stdout and "không phải JSON hợp lệ" in result.stdout


def test_a_rejected_bot_token_is_a_clear_start_up_error_and_stays_out_of_the_log(tmp_path: Path) -> None:
    """Red team 15: a revoked token was written to the log in an exception's text, and the
    operator was told only "unexpected error"."""
    token = "999999:REVOKED-token-value"
    with Emulator() as emulator:  # it knows only its own token: any other is refused as by Telegram
        data = tmp_path / "data"
        result = subprocess.run(
            [sys.executable, "-m", "trolyxa.cli", "-v", "bot"],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            env={
                **backends.env_for(data),
                "TROLYXA_EMBEDDINGS": "hash",
                "TELEGRAM_BOT_TOKEN": token,
                "TELEGRAM_API_BASE_URL": emulator.base_url,
            },
        )
    assert result.returncode == 1, result.stderr
    assert "TELEGRAM_BOT_TOKEN" in result.stderr and "bị thu hồi" in result.stderr
    everything = result.stdout + result.stderr + (data / "trolyxa.log").read_text(encoding="utf-8")
    assert token not in everything and "REVOKED-token-value" not in everything
