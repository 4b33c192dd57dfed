"""Attacks through what a question or a document holds, straight at the engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.assistant import Assistant
from rag.scope import Scope

OPERATOR = Scope.operator()


@pytest.mark.parametrize("invisible", ["\u00ad", "\u200b", "\u200c", "\u2060", "\ufeff", "\u200e"])
def test_invisible_characters_in_a_question_change_nothing(assistant: Assistant, invisible: str) -> None:
    """Red team 11: a soft hyphen (U+00AD) inside a word turned the answer into an abstention."""
    plain = assistant.ask("Hội CCB dư nợ ủy thác bao nhiêu?", OPERATOR)
    marked = assistant.ask(f"Hội CCB dư nợ ủy th{invisible}ác bao nhi{invisible}êu?", OPERATOR)
    assert not plain.abstained and marked.answer == plain.answer


def test_a_no_break_space_is_a_space(assistant: Assistant) -> None:
    plain = assistant.ask("Chỉ thị 51-CT/TW nói gì?", OPERATOR)
    assert assistant.ask("Chỉ\u00a0thị 51-CT/TW nói\u202fgì?", OPERATOR).answer == plain.answer


def test_two_communes_files_of_the_same_name_are_two_documents(fresh: Assistant, tmp_path: Path) -> None:
    """Red team 4: `xuan-hung/thong-bao.txt` and `phu-trung/thong-bao.txt` in one folder: the
    second replaced the first. A document is its path under the folder ingested, and its
    commune; ingesting a corrected version of one replaces that one only."""
    root = tmp_path / "in"
    for name, folder, amount in (("Xuân Hưng", "xuan-hung", "1.111"), ("Phú Trung", "phu-trung", "2.222")):
        (root / folder).mkdir(parents=True)
        (root / folder / "thong-bao.txt").write_text(
            f"ĐẢNG ỦY XÃ {name.upper()}\nSố 3-TB/ĐU\n{name}, ngày 2 tháng 10 năm 2025\nTHÔNG BÁO\n"
            f"Kết luận giao ban\n\n1. Kết quả\nThu ngân sách đạt {amount} triệu đồng.\n",
            encoding="utf-8",
        )
    report = fresh.ingest([root])
    assert report.added == ["thong-bao.txt", "thong-bao.txt"] and not report.replaced
    assert {d.commune for d in fresh.documents(OPERATOR)} == {"Xuân Hưng", "Phú Trung"}
    corrected = root / "phu-trung" / "thong-bao.txt"
    corrected.write_text(corrected.read_text(encoding="utf-8").replace("2.222", "2.345"), encoding="utf-8")
    again = fresh.ingest([root])
    assert sorted(again.replaced + again.unchanged) == ["thong-bao.txt", "thong-bao.txt"] and again.replaced
    assert len(fresh.documents(OPERATOR)) == 2
    assert "2.222" not in fresh.ask("Xã Phú Trung thu ngân sách đạt bao nhiêu?", OPERATOR).answer
