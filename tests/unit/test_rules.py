"""Fast checks of the rules everything else rests on, with no store, no model and no server:
a rule change is checked in seconds (`pytest tests/unit`)."""

from __future__ import annotations

import pytest

from bot import buttons
from rag.answer.documents import _asks_recipients
from rag.answer.extractive import ABSTAIN_TEXT, build_answer, weights_for
from rag.answer.router import _asks_for_tasks
from rag.communes import candidates, commune_key, identity, province_in, resolve
from rag.scope import Scope
from rag.search.corpus import IndexedPassage
from rag.search.index import PassageIndex
from rag.search.retrieve import Hit, _rrf, _weighted
from rag.search.understand import period_relation, understand
from rag.store.knowledge import _dated_in, _period_matches, period_key
from rag.units import UnitRegistry


def test_weighted_fusion_normalises_each_side_before_mixing() -> None:
    fused = _weighted({0: 10.0, 1: 8.0}, {1: 0.9, 2: 0.5}, weight=0.7)
    assert fused[0] == pytest.approx(0.7)  # best lexical, no dense vote
    assert fused[1] == pytest.approx(0.7 * 0.8 + 0.3 * 1.0)  # a close second lexically, best densely: wins
    assert fused[2] == pytest.approx(0.0)  # the weakest dense hit is the floor
    assert max(fused, key=fused.__getitem__) == 1


def test_rank_fusion_prefers_agreement_and_scales_to_one() -> None:
    fused = _rrf({0: 3.0, 1: 2.0}, {1: 0.8, 0: 0.1})
    assert max(fused.values()) == pytest.approx(1.0)
    assert fused[0] == pytest.approx(fused[1])  # first once and second once each


@pytest.mark.parametrize(
    ("asked", "period", "matches"),
    [
        ("tháng 10", "tháng 10/2025", True),
        ("thang 10", "Tháng 10/2025", True),
        ("tháng 1", "tháng 10/2025", False),
        ("quý 4", "quý IV/2025", True),
        ("2026", "năm 2026", True),
        ("năm 2025", "quý IV/2025", True),
        ("2025", "năm 2026", False),
    ],
)
def test_period_matching(asked: str, period: str, matches: bool) -> None:
    assert _period_matches(asked, period) is matches


def test_a_deadline_is_asked_apart_from_the_date_of_an_event() -> None:
    due = understand("Văn phòng Đảng ủy phải trình chương trình làm việc trước ngày nào?", {})
    assert due.asks_date and due.asks_deadline
    assert understand("Các chi bộ phải nộp báo cáo khi nào?", {}).asks_deadline
    held = understand("Hội nghị Ban Chấp hành lần thứ 3 đánh giá nhiệm vụ năm 2025 họp ngày nào?", {})
    assert held.asks_date and held.asks_tasks and not held.asks_deadline
    assert not _asks_for_tasks(held)
    assert _asks_for_tasks(understand("Văn phòng Đảng ủy được giao trình chương trình làm việc trước ngày nào?", {}))
    assert not _asks_for_tasks(understand("Văn phòng Đảng ủy được giao bao nhiêu biên chế?", {}))
    assert _asks_for_tasks(understand("Văn phòng Đảng ủy được giao nhiệm vụ gì?", {}))


def test_to_whom_a_document_goes_is_asked_apart_from_a_duty_to_send() -> None:
    assert _asks_recipients(understand("Thông báo kết luận ngày 26/8/2025 gửi đồng chí lãnh đạo tỉnh nào?", {}))
    assert _asks_recipients(understand("Nơi nhận của báo cáo 19-BC/ĐU?", {}))
    assert not _asks_recipients(understand("Các chi bộ phải gửi báo cáo về Văn phòng trước ngày nào?", {}))
    assert not _asks_recipients(understand("Văn phòng Đảng ủy được giao gửi những gì?", {}))


def test_an_undated_task_belongs_to_the_month_of_its_document() -> None:
    assert _dated_in("tháng 9/2025") == ["2025-09%"]
    assert _dated_in("thang 9") == ["____-09%"]
    assert _dated_in("quý III") == ["____-07%", "____-08%", "____-09%"]
    assert _dated_in("năm 2026") == ["2026%"]
    assert _dated_in("nhiệm kỳ 2025-2030") == []  # a term is no month of a document


def test_period_keys_and_relations() -> None:
    assert period_key("Quý 4") == "quy iv"
    assert period_relation(["thang 10"], "tháng 10/2025") == 1
    assert period_relation(["nam 2026"], "năm 2025") == -1
    assert period_relation(["thang 10"], None) == 0


def test_button_data_round_trips_and_forgeries_match_nothing() -> None:
    assert buttons.SOURCE.match(buttons.source(12, 3).callback_data).groups() == ("12", "3")  # type: ignore[union-attr,arg-type]
    assert buttons.PAGE.match(buttons.page("0123456789abcdef-0007", "x").callback_data)  # type: ignore[arg-type]
    assert buttons.FEEDBACK.match(buttons.feedback(5, -1).callback_data).groups() == ("5", "-1")  # type: ignore[union-attr,arg-type]
    assert buttons.APPROVE.match(buttons.approve(42).callback_data).group(1) == "42"  # type: ignore[union-attr,arg-type]
    for forged in ("src:1", "src:a:b", "pg:../../etc", "fb:1:2", "ap:-1", "src:1:2:3", "", "x" * 64):
        assert not any(p.match(forged) for p in (buttons.SOURCE, buttons.PAGE, buttons.FEEDBACK, buttons.APPROVE))


def test_scope_narrows_what_is_asked_to_what_may_be_read() -> None:
    scope = Scope(frozenset({"~kè sắt", "vn:7627"}), classified=False)
    assert scope.narrow(None) == ["vn:7627", "~kè sắt"]
    assert scope.narrow(["~kè sắt", "vn:14122"]) == ["~kè sắt"]
    assert scope.permits("~kè sắt", None) and not scope.permits("vn:14122", None)
    assert not scope.permits("~kè sắt", "MẬT")
    assert Scope.operator().narrow(["vn:14122"]) == ["vn:14122"] and Scope.operator().permits("x", "MẬT")


def test_communes_that_differ_only_in_diacritics_are_different_communes() -> None:
    phu, phu_grave = identity("Phú Mỹ", province=25), identity("Phù Mỹ", province=52)
    assert phu.startswith("vn:") and phu_grave.startswith("vn:") and phu != phu_grave
    assert commune_key("Phú Mỹ") == commune_key("Phù Mỹ")  # what people type still finds both
    known = [(phu, "Phú Mỹ"), (phu_grave, "Phù Mỹ"), ("~kè sắt", "Kè Sắt")]
    assert resolve("Phù Mỹ", known) == [phu_grave]  # an approval with diacritics means that one
    assert resolve("phu my", known) == []  # typed without them: ambiguous, nobody gets both
    assert set(candidates("phu my", known)) == {"Phú Mỹ", "Phù Mỹ"}
    assert resolve("ke sat", known) == ["~kè sắt"]  # unambiguous without diacritics
    assert resolve("Kê Sắt", known) == []  # another name with diacritics is another commune
    assert identity("Xã Công Hải") == identity("Công Hải") == "vn:22840"  # unique in the country
    assert identity("Đại Sơn") == "~đại sơn" and identity("Đại Sơn", province=24).startswith("vn:")  # two of them
    assert province_in("ĐẢNG BỘ TỈNH KHÁNH HOÀ\nĐẢNG UỶ XÃ CÔNG HẢI") == 56


def _row(i: int, text: str, section: str = "1. Kết quả") -> IndexedPassage:
    return IndexedPassage(
        f"{i:016x}-0000", f"{i:016x}", "Báo cáo", "Đại Sơn", "dai son", "Báo cáo", "1", section, None, text,
        frozenset(), frozenset(),
    )  # fmt: skip


ROWS = [
    _row(1, "Toàn Đảng bộ có 1.173 đảng viên. Công tác phát triển đảng viên được chú trọng."),
    _row(2, "Hội Nông dân tổ chức tập huấn kỹ thuật trồng lúa cho 120 hội viên."),
    _row(3, "Ủy ban MTTQ phối hợp tổ chức ngày hội đại đoàn kết ở các thôn."),
]


def _answer(question: str) -> str:
    index = PassageIndex(ROWS, 0)
    query = understand(question, index.communes, UnitRegistry())
    hits = [Hit(row, score, score, 0.0) for row, score in index.lexical(query.terms, 3, None, True)]
    return build_answer(query, hits, index, weights_for(index, query), UnitRegistry()).answer


def test_the_sentence_that_states_the_asked_number_is_chosen() -> None:
    answer = _answer("Đảng bộ có bao nhiêu đảng viên?")
    assert answer.startswith("Toàn Đảng bộ có 1.173 đảng viên.") and "[1]" in answer
    assert "chú trọng" not in answer


def test_words_scattered_over_unrelated_passages_are_no_evidence() -> None:
    assert _answer("Kinh phí xây nhà văn hóa thôn năm 2027 là bao nhiêu?") == ABSTAIN_TEXT
