"""Answers that hold beyond the questions they were tuned on: honest periods, the newest
figure first, questions about a document by its number, overview questions, and the three
outcomes (answered, related, not_found). Every test goes through `Assistant`."""

from __future__ import annotations

from pathlib import Path

from rag.assistant import Assistant
from rag.models import ANSWERED, NOT_FOUND, RELATED, TITLE_SECTION
from rag.scope import Scope
from rag.search.embed import Embedder
from tests import backends

OPERATOR = Scope.operator()

NOTICE = """ĐẢNG BỘ TỈNH HẢI DƯƠNG
ĐẢNG ỦY XÃ AN BÌNH
Số 55-TB/ĐU
ĐẢNG CỘNG SẢN VIỆT NAM
An Bình, ngày 12 tháng 11 năm 2025

THÔNG BÁO
Kết luận của Ban Thường vụ Đảng ủy về công tác chuyển đổi số quý IV năm 2025

Ngày 10/11/2025, Ban Thường vụ Đảng ủy xã An Bình họp nghe báo cáo tiến độ chuyển đổi số trong các cơ \
quan Đảng. Sau khi nghe báo cáo và ý kiến thảo luận, Ban Thường vụ Đảng ủy kết luận như sau:

1. Đánh giá chung

Công tác chuyển đổi số được các chi bộ quan tâm thực hiện; 100% chi bộ đã sử dụng phần mềm quản lý đảng viên.

2. Nhiệm vụ thời gian tới

Văn phòng Đảng ủy hoàn thành số hóa hồ sơ đảng viên trước ngày 30/12/2025.

Nơi nhận:
- Các chi bộ,
- Lưu VPĐU.

T/M BAN THƯỜNG VỤ
PHÓ BÍ THƯ
Lê Văn Hòa
"""


def _verbatim(answer: object) -> None:
    for c in answer.citations:  # type: ignore[attr-defined]
        assert c.quote and c.quote in c.text
        assert f"[{c.n}]" in answer.answer  # type: ignore[attr-defined]


def test_a_period_no_document_covers_is_said_first_then_the_nearest_labelled(assistant: Assistant) -> None:
    answer = assistant.ask("Ban Xây dựng Đảng tháng 11 phải làm gì?", OPERATOR)
    first_line = answer.answer.splitlines()[0]
    assert "không giao nhiệm vụ nào cho Ban Xây dựng Đảng trong tháng 11" in first_line
    assert "tháng 10/2025" in first_line  # the nearest period, labelled
    assert "Ban Xây dựng Đảng — tháng 10/2025" in answer.answer
    assert answer.status == RELATED and answer.abstained
    _verbatim(answer)
    covered = assistant.ask("Ban Xây dựng Đảng tháng 10 phải làm gì?", OPERATOR)
    assert covered.status == ANSWERED and "không giao" not in covered.answer


def test_the_newest_figure_leads_with_its_date(assistant: Assistant) -> None:
    answer = assistant.ask("Đảng bộ xã Kè Sắt có bao nhiêu đảng viên?", OPERATOR)
    assert answer.status == ANSWERED
    assert answer.answer.startswith("Về đảng viên, đến ngày 12/12/2025 toàn xã có 1.873 đảng viên")
    _verbatim(answer)


def test_a_document_is_answered_by_its_number_kind_and_signer(fresh: Assistant, tmp_path: Path) -> None:
    source = tmp_path / "an-binh_2025-11-12_thong-bao-55.txt"
    source.write_text(NOTICE, encoding="utf-8")
    assert not fresh.ingest([source]).failed
    concluded = fresh.ask("Thông báo 55-TB/ĐU kết luận gì?", OPERATOR)
    assert concluded.status == ANSWERED
    assert concluded.answer.startswith("Thông báo số 55-TB/ĐU ngày 12/11/2025 (xã An Bình)")
    assert "chuyển đổi số" in concluded.answer and concluded.citations
    # The title is cited from the header lines it was read from, as written there.
    title = concluded.citations[0]
    assert title.section == TITLE_SECTION and concluded.answer.splitlines()[0].endswith(f"[{title.n}].")
    assert title.quote == "THÔNG BÁO\nKết luận của Ban Thường vụ Đảng ủy về công tác chuyển đổi số quý IV năm 2025"
    assert not any(c.quote == title.quote for c in concluded.citations[1:])  # the body is not the title again
    _verbatim(concluded)
    signer = fresh.ask("Ai ký thông báo 55-TB/ĐU?", OPERATOR)
    assert "Người ký: Phó bí thư Lê Văn Hòa." in signer.answer
    _verbatim(signer)
    sent = fresh.ask("Thông báo 55-TB/ĐU gửi cho những ai?", OPERATOR)
    assert "Nơi nhận:\n- Các chi bộ\n- Lưu VPĐU" in sent.answer and sent.status == ANSWERED
    _verbatim(sent)
    listed = fresh.ask("Các thông báo tháng 11?", OPERATOR)
    assert "55-TB/ĐU" in listed.answer and listed.citations
    _verbatim(listed)


def test_a_document_numbered_only_in_its_file_name_is_found_by_its_number(
    corpus_copy: Path, embedder: Embedder, tmp_path: Path
) -> None:
    # As e-office exports are: the number is blank in the text, stamped in the file name; the
    # five samples are there too, so that the number must decide.
    assistant = Assistant(backends.settings_for(corpus_copy), embedder=embedder).start()
    source = tmp_path / "ĐU-TB-0055-2025 TBKL chuyen doi so.txt"
    source.write_text(NOTICE.replace("Số 55-TB/ĐU", "Số -TB/ĐU"), encoding="utf-8")
    assert not assistant.ingest([source]).failed
    answer = assistant.ask("Văn bản 55-TB/ĐU nói gì?", OPERATOR)
    assert answer.status == ANSWERED and answer.answer.startswith("Thông báo số 55-TB/ĐU")
    notice = next(d.id for d in assistant.documents(OPERATOR) if d.number == "55-TB/ĐU")
    assert [p.document_id for p in answer.passages[:3]] == [notice] * 3
    assert any(p.section == TITLE_SECTION for p in answer.passages[:3])
    _verbatim(answer)


def test_an_overview_question_gets_the_general_assessment(assistant: Assistant) -> None:
    answer = assistant.ask("Tình hình xã Đại Sơn thế nào?", OPERATOR)
    assert answer.status == ANSWERED
    assert "Đảng bộ xã Đại Sơn được thành lập" in answer.answer
    assert all(c.section_path.endswith("Tình hình chung") for c in answer.citations)
    _verbatim(answer)
    quarter = assistant.ask("Kết quả quý III?", OPERATOR)
    assert quarter.status == ANSWERED and quarter.citations
    _verbatim(quarter)


def test_three_outcomes_related_shows_the_closest_passage_cited(assistant: Assistant) -> None:
    # The notice reports the meeting but not how many attended: related, not an answer.
    related = assistant.ask("Hội nghị lần thứ 2 Ban Chấp hành Đảng bộ xã Bình Lư có bao nhiêu đại biểu dự?", OPERATOR)
    assert related.abstained and related.status == RELATED
    assert related.answer.startswith("Tài liệu không nêu trực tiếp")
    assert "Hội nghị lần thứ hai" in related.answer and len(related.citations) == 1
    assert related.citations[0].commune == "Bình Lư"
    _verbatim(related)
    nothing = assistant.ask("Giá vé máy bay đi Đà Nẵng bao nhiêu?", OPERATOR)
    assert nothing.status == NOT_FOUND and nothing.abstained and not nothing.citations
    assert related.to_json()["status"] == RELATED and related.to_json()["abstained"] is True
    answered = assistant.ask("Hội CCB dư nợ ủy thác bao nhiêu?", OPERATOR)
    assert answered.status == ANSWERED and not answered.abstained
    assert answered.to_json()["status"] == ANSWERED


def test_the_bot_shows_a_related_answer_with_its_sources(assistant: Assistant) -> None:
    from bot.render import answer_html

    docs = {d.id: d for d in assistant.documents(OPERATOR)}
    related = assistant.ask("Hội nghị lần thứ 2 Ban Chấp hành Đảng bộ xã Bình Lư có bao nhiêu đại biểu dự?", OPERATOR)
    html = answer_html(related, docs)
    assert "Tài liệu không nêu trực tiếp" in html and "<b>Nguồn:</b>" in html
    period = answer_html(assistant.ask("Ban Xây dựng Đảng tháng 11 phải làm gì?", OPERATOR), docs)
    assert period.index("không giao nhiệm vụ nào") < period.index("Nguồn:")
    missing = answer_html(assistant.ask("Giá vé máy bay đi Đà Nẵng bao nhiêu?", OPERATOR), docs)
    assert missing.startswith("<i>") and "Nguồn" not in missing


REMINDER = """ĐẢNG BỘ TỈNH HẢI DƯƠNG
ĐẢNG ỦY XÃ AN BÌNH
Số 61-CV/ĐU
ĐẢNG CỘNG SẢN VIỆT NAM
An Bình, ngày 20 tháng 11 năm 2025

V/v đôn đốc triển khai các nhiệm vụ được giao

Kính gửi: Các ban, cơ quan tham mưu Đảng ủy

Để bảo đảm tiến độ các nhiệm vụ Ban Thường vụ Đảng ủy đã giao, Thường trực Đảng ủy đề nghị:

1. Ban Xây dựng Đảng hoàn thiện hồ sơ kết nạp đảng viên mới của các chi bộ thôn trước ngày 05/12/2025.

2. Văn phòng Đảng ủy tổng hợp kết quả thực hiện, báo cáo Thường trực Đảng ủy trước ngày 10/12/2025.

T/L BAN THƯỜNG VỤ
CHÁNH VĂN PHÒNG
Trần Thị Mai
"""


def test_a_task_list_keeps_to_the_document_the_question_names_and_to_its_month(
    corpus_copy: Path, embedder: Embedder, tmp_path: Path
) -> None:
    # The samples give Ban Xây dựng Đảng and Văn phòng Đảng ủy tasks in other documents and
    # periods; the reminder states no period, only its date (November 2025).
    assistant = Assistant(backends.settings_for(corpus_copy), embedder=embedder).start()
    for name, text in (("an-binh_2025-11-20_cong-van-61.txt", REMINDER), ("an-binh_2025-11-12_tb-55.txt", NOTICE)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        assert not assistant.ingest([tmp_path / name]).failed
    reminder = next(d.id for d in assistant.documents(OPERATOR) if d.number == "61-CV/ĐU")
    named = assistant.ask("Công văn đôn đốc triển khai các nhiệm vụ giao Văn phòng Đảng ủy việc gì?", OPERATOR)
    assert named.status == ANSWERED
    assert "tổng hợp kết quả thực hiện, báo cáo Thường trực Đảng ủy" in named.answer
    assert {c.document_id for c in named.citations} == {reminder}  # not the unit's tasks of other documents
    _verbatim(named)
    everything = assistant.ask("Văn phòng Đảng ủy phải làm gì?", OPERATOR)
    assert len({c.document_id for c in everything.citations}) >= 3
    november = assistant.ask("Ban Xây dựng Đảng tháng 11 phải làm gì?", OPERATOR)
    assert november.status == ANSWERED and "không giao nhiệm vụ nào" not in november.answer
    assert "hoàn thiện hồ sơ kết nạp đảng viên mới" in november.answer
    assert {c.document_id for c in november.citations} == {reminder}
    _verbatim(november)


def test_a_document_named_by_its_month_is_found_though_its_title_leaves_the_month_out(
    fresh: Assistant, tmp_path: Path
) -> None:
    # Two reminders alike but for their dates: only the header's date tells them apart.
    october = REMINDER.replace("ngày 20 tháng 11 năm 2025", "ngày 15 tháng 10 năm 2025").replace("61-CV", "48-CV")
    october = october.replace("trước ngày 05/12/2025", "trước ngày 05/11/2025")
    for name, text in (("an-binh_cong-van-48.txt", october), ("an-binh_cong-van-61.txt", REMINDER)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        assert not fresh.ingest([tmp_path / name]).failed
    for month, due in (("10/2025", "05/11/2025"), ("11/2025", "05/12/2025")):
        question = f"Theo công văn tháng {month}, hồ sơ kết nạp đảng viên mới phải xong trước ngày nào?"
        answer = fresh.ask(question, OPERATOR)
        assert answer.status == ANSWERED and due in answer.answer, (month, answer.answer)
        _verbatim(answer)
