"""Structured knowledge: tasks by unit, directive references and figures, extracted at ingest."""

from __future__ import annotations

import json
import subprocess
import sys
from fnmatch import fnmatch
from pathlib import Path

import pytest
from sqlalchemy import update

from rag.assistant import Assistant
from rag.errors import NotFoundError
from rag.evaluation.extraction import run_extraction_evaluation
from rag.models import TaskView
from rag.scope import Scope
from rag.store import schema as store
from rag.store.knowledge import _dated_in, _period_matches
from tests import backends

OPERATOR = Scope.operator()

# A notice of another commune, with other units, other directives and other wording.
TAN_LAP = """ĐẢNG ỦY XÃ TÂN LẬP
Số 42-TB/ĐU
Tân Lập, ngày 12 tháng 11 năm 2025
THÔNG BÁO
kết luận của Thường trực Đảng ủy về công tác quốc phòng, an ninh

I. Kết quả đạt được
Công an xã đã triển khai 14 đợt tuần tra, xử lý 9 vụ vi phạm trật tự an toàn giao thông.

II. Nhiệm vụ trọng tâm tháng 12/2025
1. Công an xã
- Tăng cường tuần tra, kiểm soát địa bàn dịp cuối năm, bảo đảm an toàn cho 1.250 hộ dân.
- Phối hợp rà soát 37 đối tượng nghiện ma túy trước ngày 20/12/2025.
2. Giao Quân sự xã chủ trì, phối hợp với Hội Cựu chiến binh tổ chức huấn luyện dân quân năm 2026.
3. Đề nghị Hội Nông dân vận động hội viên tham gia bảo vệ an ninh trật tự ở thôn, xóm.
4. Quán triệt Chỉ thị số 35-CT/TW, ngày 14/6/2024 của Bộ Chính trị về đại hội đảng bộ các cấp và Kết luận \
số 127-KL/TW, 128-KL/TW của Bộ Chính trị; thực hiện Nghị quyết Đại hội Đảng bộ xã lần thứ nhất và Quyết định \
2052-QĐ/TU của Ban Thường vụ Tỉnh ủy «Về việc chỉ định Ban Chấp hành».
"""


@pytest.fixture
def with_notice(corpus_copy: Path, embedder, tmp_path: Path) -> Assistant:

    assistant = Assistant(backends.settings_for(corpus_copy), embedder=embedder).start()
    notice = tmp_path / "tan-lap_2025-11_thong-bao.txt"
    notice.write_text(TAN_LAP, encoding="utf-8")
    assert assistant.ingest([notice]).added == [notice.name]
    return assistant


def test_extraction_meets_the_bar_on_the_gold_file(assistant: Assistant) -> None:
    report = run_extraction_evaluation(assistant)
    for kind in ("tasks", "directives"):
        assert report[kind]["precision"] >= 0.9 and report[kind]["recall"] >= 0.9, report["table"]
    assert report["figures"]["precision"] >= 0.9 and report["figures"]["recall"] >= 0.9


def test_tasks_by_any_alias_with_period_from_the_heading(assistant: Assistant) -> None:
    unit, tasks = assistant.tasks("ubkt dang uy", OPERATOR, period="tháng 10")
    assert unit == "Ủy ban Kiểm tra Đảng ủy"
    assert [t.commune for t in tasks] == ["Xuân Hưng", "Xuân Hưng"]
    assert all(t.period == "tháng 10/2025" and t.section == "II.5" for t in tasks)
    assert all(t.quote in t.passage_text for t in tasks)
    _, cadres = assistant.tasks("Hội CCB", OPERATOR)
    assert [t.period for t in cadres] == ["năm 2026"]  # the 2025 results are not tasks
    with pytest.raises(NotFoundError, match="Không nhận ra đơn vị"):
        assistant.tasks("Ban Kỹ thuật Vũ trụ", OPERATOR)


@pytest.mark.parametrize("period", ["tháng 10", "thang 12/2025", "quý IV", "2026", "năm 2025", "tháng 11", "?"])
def test_a_period_is_filtered_in_sql_by_the_rule_of_period_matching(with_notice: Assistant, period: str) -> None:
    """The unit's periods are matched in Python and its tasks filtered by them in SQL: the same
    tasks, in the same order, as the rule applied to each task. A task written without a period
    is of its document's month (the notice is dated 12/11/2025); "?" names no period at all."""
    police, _ = with_notice.tasks("cong an xa", OPERATOR)
    with with_notice.sessions() as session:  # tasks without a period, as a notice without headings has
        session.execute(update(store.Task).where(store.Task.unit == police).values(period=None))
        session.commit()
    in_november = period in ("quý IV", "năm 2025", "tháng 11")
    assert bool(with_notice.tasks(police, OPERATOR, period=period)[1]) is in_november
    dates = {d.id: d.date or "" for d in with_notice.documents(OPERATOR)}

    def dated(task: TaskView) -> bool:
        return any(fnmatch(dates[task.document_id], p.replace("%", "*").replace("_", "?")) for p in _dated_in(period))

    for info in with_notice.units_list(OPERATOR):
        _, every = with_notice.tasks(info.name, OPERATOR)
        _, asked = with_notice.tasks(info.name, OPERATOR, period=period)
        expected = [t for t in every if (_period_matches(period, t.period) if t.period else dated(t))]
        assert asked == expected, info.name


def test_other_communes_units_and_directives(with_notice: Assistant) -> None:
    _, police = with_notice.tasks("cong an xa", OPERATOR, commune="Tân Lập")
    assert [t.text[:20] for t in police] == ["Tăng cường tuần tra,", "Phối hợp rà soát 37 "]
    assert police[1].deadline == "trước ngày 20/12/2025" and police[0].period == "tháng 12/2025"
    _, militia = with_notice.tasks("Quân sự xã", OPERATOR)
    _, veterans = with_notice.tasks("CCB", OPERATOR, commune="Tân Lập")
    assert militia[0].role == "chủ trì" and veterans[0].role == "phối hợp"
    _, farmers = with_notice.tasks("hoi nong dan", OPERATOR, commune="Tân Lập")
    assert farmers and farmers[0].text.startswith("Đề nghị Hội Nông dân vận động")
    assert with_notice.tasks("Công an xã", OPERATOR, commune="Tân Lập", period="2026")[1] == []

    card = with_notice.directive("35-ct/tw", OPERATOR)
    assert (card.code, card.kind, card.date, card.issuer) == ("35-CT/TW", "Chỉ thị", "2024-06-14", "Bộ Chính trị")
    assert card.subject == "đại hội đảng bộ các cấp"
    assert {m.commune for m in with_notice.directive("128-KL/TW", OPERATOR).mentions} == {"Kè Sắt", "Tân Lập"}
    # the fullest subject any mention gives; «Về việc …» in guillemets is read too
    assert with_notice.directive("2052-qđ/tu", OPERATOR).subject == (
        "chỉ định Ban Chấp hành, Ban Thường vụ, Bí thư, Phó Bí thư Đảng ủy xã Đại Sơn, nhiệm kỳ 2025-2030"
    )
    tan_lap = [m for m in with_notice.directive("2052-QĐ/TU", OPERATOR).mentions if m.commune == "Tân Lập"]
    assert "«Về việc chỉ định Ban Chấp hành»" in tan_lap[0].quote
    named = with_notice.directive("Nghị quyết Đại hội Đảng bộ xã", OPERATOR)
    assert "Tân Lập" in {m.commune for m in named.mentions}
    figures = {(f.value, f.unit) for f in with_notice.figures(OPERATOR, "Tân Lập")}
    assert {(1250.0, "hộ dân"), (37.0, "đối tượng"), (14.0, "đợt tuần")} <= figures


def test_ask_answers_task_questions_from_the_table(assistant: Assistant) -> None:
    answer = assistant.ask("Văn phòng Đảng ủy tháng 10 phải làm gì?", OPERATOR)
    assert answer.answer.count("[1]") == 4 and "Duy trì chế độ thông tin, báo cáo" in answer.answer
    follow = assistant.ask("Hội Nông dân xã Đại Sơn được giao nhiệm vụ gì trong tháng 10?", OPERATOR)
    assert follow.abstained  # no such task anywhere: the table falls back to retrieval, which abstains


def test_directive_question_is_answered_from_its_mentions(assistant: Assistant) -> None:
    answer = assistant.ask("Chỉ thị 51-CT/TW nói gì?", OPERATOR)
    assert "đổi thẻ đảng viên trong toàn Đảng" in answer.answer
    assert all(c.quote in c.text for c in answer.citations)


def run(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = backends.env_for(data)
    return subprocess.run(
        [sys.executable, "-m", "trolyxa.cli", *args], capture_output=True, text=True, env=env, timeout=300, check=False
    )


def test_cli_contracts(corpus_copy: Path) -> None:
    tasks = json.loads(run(corpus_copy, "tasks", "--unit", "Ban XD Đảng", "--commune", "Bình Lư", "--json").stdout)
    assert tasks["unit"] == "Ban Xây dựng Đảng" and len(tasks["tasks"]) == 2
    assert set(tasks["tasks"][0]) >= {"unit", "text", "period", "commune", "document_id", "title", "section", "quote"}
    card = json.loads(run(corpus_copy, "directive", "50-ct/tw", "--json").stdout)
    assert set(card) >= {"code", "kind", "date", "issuer", "subject", "mentions"}
    assert set(card["mentions"][0]) >= {"document_id", "title", "commune", "section", "quote"}
    missing = run(corpus_copy, "directive", "999-CT/TW")
    assert missing.returncode == 3 and "không nhắc đến" in missing.stderr and "Traceback" not in missing.stderr
    assert "Ban Xây dựng Đảng" in run(corpus_copy, "units").stdout
    assert "1.173 đảng viên" in run(corpus_copy, "figures", "--commune", "Đại Sơn").stdout  # as Vietnamese write it
