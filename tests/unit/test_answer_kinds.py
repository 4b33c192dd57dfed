"""What a sentence must hold to answer a question of a given kind, and what a document must
name to answer a question about one thing: checked on a hand-made index, in a second."""

from __future__ import annotations

from rag.answer.extractive import ABSTAIN_TEXT, build_answer, weights_for
from rag.answer.signals import typed
from rag.search.corpus import IndexedPassage
from rag.search.index import PassageIndex
from rag.search.lexical import terms
from rag.search.retrieve import Hit
from rag.search.understand import understand
from rag.units import UnitRegistry


def _row(i: int, text: str, document: int | None = None) -> IndexedPassage:
    doc = f"{document if document is not None else i:016x}"
    return IndexedPassage(
        f"{i:016x}-0000", doc, "Thông báo", "An Bình", "an binh", "Thông báo", "1", "1. Nội dung", None, text,
        frozenset(), frozenset(),
    )  # fmt: skip


def _answer(rows: list[IndexedPassage], question: str) -> str:
    index = PassageIndex(rows, 0)
    query = understand(question, index.communes, UnitRegistry())
    hits = [Hit(row, score, score, 0.0) for row, score in index.lexical(query.terms, 3, None, True)]
    return build_answer(query, hits, index, weights_for(index, query), UnitRegistry()).answer


def test_dates_and_document_numbers_are_no_answer_to_how_many() -> None:
    query = understand("Dự toán chi ngân sách năm 2026 là bao nhiêu?", [])
    assert not typed(query, "Tờ trình số 36-TTr/ĐU ngày 18/12/2025 về dự toán ngân sách năm 2026.")
    assert typed(query, "Dự toán chi ngân sách năm 2026 là 42,5 tỷ đồng.")
    lessons = understand("Trung tâm mở được bao nhiêu lớp?", [])
    assert typed(lessons, "Đến ngày 27/12/2025 đạt 30/30 lớp với 2.312 học viên.")  # a share, not a date


def test_every_count_a_question_asks_for_is_accepted() -> None:
    query = understand("Xã có bao nhiêu dân và bao nhiêu hộ?", [])
    assert typed(query, "Tổng dân số 14.849 người/3.471 hộ.")
    share = understand("Tỷ lệ hồ sơ đúng hạn đạt bao nhiêu phần trăm?", [])
    assert typed(share, "Tỷ lệ hồ sơ giải quyết đúng hạn đạt 98,95%.")


def test_ai_in_capitals_is_the_acronym_not_the_question_word() -> None:
    assert not understand("Trợ lý ảo AI của xã tên là gì?", []).asks_person
    assert understand("Ai làm Trưởng Ban Chỉ đạo?", []).asks_person


def test_an_office_answers_who_unless_it_is_the_asked_one_or_its_deputy() -> None:
    query = understand("Ai làm Trưởng Ban Chỉ đạo chuyển đổi số?", [])
    assert typed(query, "Đồng chí Bí thư Đảng ủy xã làm Trưởng Ban Chỉ đạo.")
    holder = understand("Bí thư Đảng ủy xã là ai?", [])
    assert not typed(holder, "Đảng ủy chỉ định các chức danh Bí thư, Phó Bí thư chi bộ.")


def test_a_document_about_another_meeting_does_not_answer() -> None:
    rows = [_row(1, "Ngày 13/11/2025, Ban Chấp hành Đảng bộ xã tổ chức Hội nghị lần thứ hai tại hội trường.")]
    assert _answer(rows, "Hội nghị Ban Chấp hành Đảng bộ xã lần thứ 4 diễn ra ngày nào?") == ABSTAIN_TEXT
    assert "13/11/2025" in _answer(rows, "Hội nghị Ban Chấp hành Đảng bộ xã lần thứ 2 diễn ra ngày nào?")


def test_a_rare_name_the_question_writes_must_be_in_the_answering_document() -> None:
    rows = [
        _row(1, "Đại hội Hội Nông dân xã nhiệm kỳ 2025-2030 tổ chức ngày 07/11/2025."),
        _row(2, "Ban Xây dựng Đảng sắp xếp nhân sự làm Chủ tịch Hội Chữ thập đỏ xã."),
        *(_row(i, f"Chi bộ thôn {i} sinh hoạt định kỳ hằng tháng theo quy định.") for i in range(3, 150)),
    ]
    assert _answer(rows, "Đại hội Hội Chữ thập đỏ xã nhiệm kỳ 2025-2030 tổ chức ngày nào?") == ABSTAIN_TEXT
    assert "07/11/2025" in _answer(rows, "Đại hội Hội Nông dân xã nhiệm kỳ 2025-2030 tổ chức ngày nào?")


def test_an_invitation_answers_when_and_where_from_its_labelled_fields() -> None:
    invitation = [
        _row(1, "Kính mời các đồng chí dự họp Ban Thường vụ Đảng ủy cho ý kiến dự thảo Chương trình hành động.", 1),
        _row(2, "2. Thời gian: Bắt đầu lúc 08 giờ 30, ngày 28/10/2025.", 1),
        _row(3, "3. Địa điểm: Phòng họp Đảng ủy xã.", 1),
        _row(4, "Ban Thường vụ Đảng ủy cho ý kiến dự thảo Chương trình hành động và Chương trình kiểm tra.", 4),
    ]
    meeting = "Cuộc họp Ban Thường vụ cho ý kiến Chương trình hành động"
    assert "Phòng họp Đảng ủy xã" in _answer(invitation, f"{meeting} ở đâu?")
    assert "08 giờ 30" in _answer(invitation, f"{meeting} lúc nào?")


def test_the_military_command_is_not_the_party_executive() -> None:
    from rag.search.lexical import terms

    assert "~bchqs" in terms("BCH QS xã chuẩn bị báo cáo") and "~bch" not in terms("BCH QS xã")
    assert "~bchqs" in terms("Ban Chỉ huy Quân sự xã chuẩn bị báo cáo")
    assert "~baocao" in terms("chuẩn bị BC gì") and "~lan4" in terms("Hội nghị lần thứ tư")


def test_the_line_of_the_asked_unit_beats_a_sentence_listing_many() -> None:
    rows = [
        _row(
            1,
            "Ngày 13/10/2025, Thường trực họp cho ý kiến Đại hội Ủy ban MTTQ, Hội Nông dân, Hội Cựu chiến binh xã.",
            1,
        ),
        _row(2, "Đại hội Hội Nông dân xã: Ngày 07/11/2025.\nĐại hội Hội Cựu chiến binh xã: Ngày 11/11/2025.", 1),
        *(_row(i, f"Chi bộ thôn {i} sinh hoạt định kỳ hằng tháng theo quy định.") for i in range(3, 30)),
    ]
    assert _answer(rows, "Đại hội Hội Nông dân xã tổ chức ngày nào?").startswith(
        "Đại hội Hội Nông dân xã: Ngày 07/11/2025"
    )


def test_nouns_that_count_alike_answer_each_other() -> None:
    families = understand("Bao nhiêu gia đình phải di dời?", [])
    assert typed(families, "Tổ công tác vận động 9 hộ/40 nhân khẩu di dời.")
    papers = understand("Mỗi tháng xã nhận bao nhiêu giấy tờ?", [])
    assert typed(papers, "Mỗi tháng xã nhận khoảng 2031 văn bản.")  # a count, not a year
    assert not typed(papers, "Năm 2031 văn bản điện tử được dùng toàn trình.")
    staff = understand("Xã được giao bao nhiêu biên chế?", [])
    assert typed(staff, "Biên chế được giao: 65 cán bộ, công chức.")


def test_a_question_naming_its_document_finds_the_count_in_any_passage_of_it() -> None:
    title = "Báo cáo tình hình hoạt động hệ thống chính trị tháng 9/2025"
    rows = [
        IndexedPassage(
            f"{i:016x}-0000",
            "d1",
            title,
            "An Bình",
            "an binh",
            "Báo cáo",
            str(i),
            f"{i}. Mục",
            None,
            text,
            frozenset(terms(title)),
            frozenset(),
        )
        for i, text in enumerate(
            [
                "Thực hiện hướng dẫn của cấp trên, Đảng ủy báo cáo tình hình hoạt động hệ thống chính trị như sau.",
                "Công tác tuyên truyền được đẩy mạnh trong các chi bộ thôn.",
                "Xã có diện tích 9.120 ha; tổng dân số 11.020 người/2.870 hộ.",
            ]
        )
    ]
    index = PassageIndex(rows, 0)
    query = understand("Theo báo cáo hoạt động hệ thống chính trị, xã có bao nhiêu hộ?", [], UnitRegistry())
    hits = [Hit(rows[0], 1.0, 1.0, 0.9), Hit(rows[1], 0.8, 0.8, 0.9)]
    answer = build_answer(query, hits, index, weights_for(index, query), UnitRegistry())
    assert "2.870 hộ" in answer.answer
    assert any("2.870 hộ" in c.quote for c in answer.citations)  # cited from the passage that states it


def test_a_sentence_announcing_a_list_brings_the_list() -> None:
    rows = [
        _row(0, "Thường trực Đảng ủy yêu cầu Hội Nông dân xã thực hiện tốt các nhiệm vụ trọng tâm sau:", 7),
        _row(1, "- Tuyên truyền hội viên tham gia mô hình kinh tế tập thể.\n- Tổng kết phong trào thi đua.", 7),
    ]
    answer = _answer(rows, "Hội Nông dân xã được yêu cầu thực hiện nhiệm vụ trọng tâm gì?")
    assert "mô hình kinh tế tập thể" in answer
