"""Parser and chunker on the five real sample documents; headers in the shapes real office
documents take (invented communes and file names)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.ingest.chunk import chunk
from rag.ingest.extract import extract
from rag.ingest.filename import KIND_CODES, parse_file_name, sentence_case
from rag.ingest.header import apply_override
from rag.ingest.parse import parse
from rag.models import TITLE_SECTION
from rag.text import clean
from rag.units import UnitRegistry

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def parsed(prefix: str):
    path = next(CORPUS.glob(f"{prefix}*"))
    return parse(clean(path.read_text(encoding="utf-8")), path.name)


@pytest.mark.parametrize(
    ("prefix", "commune", "doc_type", "signer"),
    [
        ("xuan-hung", "Xuân Hưng", "Thông báo", "Trần Văn Điệp"),
        ("dai-son", "Đại Sơn", "Báo cáo", "Trương Thị Toan"),
        ("ke-sat", "Kè Sắt", "Báo cáo", "Vũ Viết Lập"),
        ("binh-lu", "Bình Lư", "Thông báo", "Tạ Thị Dung"),
        ("phu-trung", "Phú Trung", "Tin", None),
    ],
)
def test_metadata_from_header_body_and_signature(prefix: str, commune: str, doc_type: str, signer: str | None) -> None:
    meta = parsed(prefix).metadata
    assert (meta.commune, meta.doc_type, meta.signer) == (commune, doc_type, signer)
    assert meta.title


def test_place_date_line_and_period() -> None:
    meta = parsed("xuan-hung").metadata
    assert meta.date == "2025-09"  # the day is left blank in the original
    assert meta.period == "tháng 9/2025"
    assert meta.issuer == "Ban Thường vụ Đảng ủy xã Xuân Hưng"  # "T/L BAN THƯỜNG VỤ"
    assert parsed("dai-son").metadata.period == "quý III/2025"
    assert parsed("binh-lu").metadata.date == "2025-09-23"


def test_section_tree_and_citation_labels() -> None:
    doc = parsed("xuan-hung")
    by_heading = {s.heading: s for s in doc.sections}
    unit = by_heading["4. Ban Xây dựng Đảng"]
    assert doc.section_label(unit.index) == "II.4"
    assert doc.section_path(unit.index) == "II. Nhiệm vụ trọng tâm tháng 10/2025 › 4. Ban Xây dựng Đảng"
    ke_sat = parsed("ke-sat")
    labels = {ke_sat.section_label(s.index) for s in ke_sat.sections}
    assert "Phần thứ hai, mục II.1.2" in labels and "Phần thứ nhất, mục II.2.2" in labels


def test_recipients_and_signature_are_metadata_not_content() -> None:
    doc = parsed("xuan-hung")
    body = " ".join(doc.text[p.start : p.end] for p in doc.paragraphs)
    assert "Nơi nhận" not in body and "Trần Văn Điệp" not in body and "Lưu VPĐU" not in body
    assert "Lưu VPĐU" in doc.metadata.recipients


def test_override_file_wins(tmp_path: Path) -> None:
    meta = apply_override(parsed("xuan-hung").metadata, {"number": "15-TB/ĐU", "commune": "Xuân Hưng mới", "x": 1})
    assert meta.number == "15-TB/ĐU" and meta.commune == "Xuân Hưng mới"


@pytest.mark.parametrize("prefix", ["xuan-hung", "dai-son", "ke-sat", "binh-lu", "phu-trung"])
def test_chunks_are_verbatim_and_stay_in_one_section(prefix: str) -> None:
    doc = parsed(prefix)
    chunks = chunk(doc, UnitRegistry())
    assert chunks
    for c in chunks:
        assert c.text == doc.text[c.start : c.end]
        owners = {p.section for p in doc.paragraphs if c.start <= p.start < c.end}
        assert len(owners) == 1, f"passage {c.ordinal} spans sections {owners}"


def test_a_passage_never_mixes_two_units_tasks() -> None:
    units = UnitRegistry()
    doc = parsed("ke-sat")
    for c in chunk(doc, units):
        openers = {
            m.canonical
            for line in c.text.split("\n")
            if line.startswith("- ") and (m := units.at_start(line)) is not None
        }
        assert len(openers) <= 1, (c.section_label, openers)


def test_unit_bullets_carry_their_heading() -> None:
    doc = parsed("xuan-hung")
    passage = next(c for c in chunk(doc, UnitRegistry()) if "Tham mưu cho Đảng ủy triển khai hiệu quả" in c.text)
    assert passage.section_path.endswith("4. Ban Xây dựng Đảng")
    assert passage.period == "tháng 10/2025"  # inherited from "II. Nhiệm vụ trọng tâm tháng 10/2025"


# ---------------------------------------------------------------------------
# Headers of real-shaped documents: invented communes, the shapes PDF exports and Word give

INTERLEAVED = """ĐẢNG CỘNG SẢN VIỆT NAM
ĐẢNG BỘ TỈNH ĐỒNG NAI
Tân Phú, ngày 05 tháng 3 năm 2026
ĐẢNG ỦY XÃ TÂN PHÚ
Số 42-KL/ĐU
*
KẾT LUẬN
CỦA BAN CHẤP HÀNH ĐẢNG BỘ XÃ TÂN PHÚ
về công tác phát triển đảng viên quý I năm 2026
-----
Ngày 02/3/2026, Ban Chấp hành Đảng bộ xã họp đánh giá công tác phát triển đảng viên.
1. Kết quả
- Kết nạp 12 đảng viên mới.
Nơi nhận:
- Ban Tổ chức Tỉnh ủy,
- Lưu VPĐU.
T/M BAN CHẤP HÀNH
BÍ THƯ
Lê Văn Bình
"""

BLANK = """ĐẢNG BỘ TỈNH NGHỆ AN
ĐẢNG ỦY XÃ HƯNG NGUYÊN
*
Số -TB/ĐU
ĐẢNG CỘNG SẢN VIỆT NAM
Hưng Nguyên, ngày tháng 4 năm 2026
THÔNG BÁO
KẾT LUẬN CỦA THƯỜNG TRỰC ĐẢNG ỦY
về một số nội dung cuộc họp ngày 02/4/2026
-----
Ngày 02/4/2026, Thường trực Đảng ủy họp nghe báo cáo tình hình thực hiện nhiệm vụ quý I.
Nơi nhận:
- Các đồng chí Ủy viên Ban Thường vụ,
- Lưu VPĐU.
T/M BAN THƯỜNG VỤ
PHÓ BÍ THƯ
THƯỜNG TRỰC
Hồ Thị Mai
"""

CONG_VAN = """ĐẢNG BỘ TỈNH QUẢNG NINH
ĐẢNG ỦY XÃ ĐÔNG NGŨ
*
Số -CV/ĐU
V/v triển khai công tác phòng chống
bão số 3 năm 2026
ĐẢNG CỘNG SẢN VIỆT NAM
Đông Ngũ, ngày tháng 7 năm 2026
Kính gửi: - Đảng ủy UBND xã,
- Các chi bộ trực thuộc.
Để chủ động ứng phó với bão số 3, Thường trực Đảng ủy đề nghị các cơ quan, đơn vị thực hiện:
1. Đảng ủy UBND xã chỉ đạo kiểm tra các hồ chứa nước.
Nơi nhận:
- Như trên,
- Lưu VPĐU.
T/L BAN THƯỜNG VỤ
CHÁNH VĂN PHÒNG
Phạm Quốc Huy
ĐẢNG ỦY XÃ ĐÔNG NGŨ
15-07-2026 16:05:40 +07:00
58
"""


def _meta(text: str, name: str = ""):
    return parse(clean(text), name).metadata


def _body(text: str, name: str = "") -> list[str]:
    doc = parse(clean(text), name)
    return [doc.text[p.start : p.end] for p in doc.paragraphs if not p.title]


def test_interleaved_two_column_header() -> None:
    meta = _meta(INTERLEAVED)
    assert meta.title == "Kết luận của Ban Chấp hành Đảng bộ xã Tân Phú về công tác phát triển đảng viên quý I năm 2026"
    assert (meta.doc_type, meta.number, meta.date) == ("Kết luận", "42-KL/ĐU", "2026-03-05")
    assert (meta.issuer, meta.commune, meta.period) == ("Đảng ủy xã Tân Phú", "Tân Phú", "quý I/2026")
    assert (meta.signer, meta.signer_role, meta.recipients) == (
        "Lê Văn Bình",
        "BÍ THƯ",
        ["Ban Tổ chức Tỉnh ủy", "Lưu VPĐU"],
    )
    body = _body(INTERLEAVED)
    assert body[0].startswith("Ngày 02/3/2026") and not any("ĐẢNG" in p or "Số 42" in p for p in body)


def test_blank_number_and_day() -> None:
    # Month only; the meeting the subject names gives the day; the number is stamped at signing.
    meta = _meta(BLANK)
    assert meta.title == "Thông báo kết luận của Thường trực Đảng ủy về một số nội dung cuộc họp ngày 02/4/2026"
    assert (meta.number, meta.date) == (None, "2026-04-02")
    assert _meta(BLANK.replace(" cuộc họp ngày 02/4/2026", " cuộc họp")).date == "2026-04"
    assert (meta.signer, meta.signer_role) == ("Hồ Thị Mai", "PHÓ BÍ THƯ THƯỜNG TRỰC")


def test_file_name_fills_a_blank_number_of_the_same_kind() -> None:
    assert _meta(BLANK, "H40.12-ĐU-TB-0009-2026.signed.signed.pdf").number == "9-TB/ĐU"
    assert _meta(BLANK, "ĐU-TB-0009-2026TBKL họp TT 02.4.2026.docx").number == "9-TB/ĐU"
    assert _meta(BLANK, "H40.12-ĐU-BC-0009-2026.pdf").number is None  # another kind: not this document's
    printed = BLANK.replace("Số -TB/ĐU", "Số 11-TB/ĐU")
    assert _meta(printed, "H40.12-ĐU-TB-0009-2026.pdf").number == "11-TB/ĐU"  # the text wins


def test_signature_stamp_dates_a_month_only_header() -> None:
    stamped = BLANK + "ĐẢNG ỦY XÃ HƯNG NGUYÊN\n07-04-2026 09:12:30 +07:00\n"
    assert _meta(stamped).date == "2026-04-07"  # signed after the meeting: the stamp is the document's day
    late = BLANK + "ĐẢNG ỦY XÃ HƯNG NGUYÊN\n07-05-2026 09:12:30 +07:00\n"
    assert _meta(late).date == "2026-04-02"  # a stamp outside the printed month does not move it
    full = BLANK.replace("ngày tháng 4", "ngày 03 tháng 4")
    assert _meta(full + "07-04-2026 09:12:30 +07:00\n").date == "2026-04-03"
    assert _meta(BLANK + "ĐẢNG ỦY XÃ HƯNG NGUYÊN 08-04-2026 17:02:11 +07:00\n").date == "2026-04-08"  # one line
    only_stamps = "ĐẢNG ỦY XÃ HƯNG NGUYÊN\n26-09-2025 09:37:24 +07:00\n"
    assert _meta(only_stamps, "A40.12-ĐU-BC-0030-2025.pdf").date == "2025-09-26"
    assert _meta(only_stamps, "A40.12-ĐU-BC-0030-2025.pdf").title == "Báo cáo số 30-BC/ĐU"


def test_cong_van_summary_addressees_and_stamped_number() -> None:
    meta = _meta(CONG_VAN)
    assert (meta.doc_type, meta.title) == (
        "Công văn",
        "Công văn về việc triển khai công tác phòng chống bão số 3 năm 2026",
    )
    assert (meta.number, meta.date, meta.issuer) == ("58-CV/ĐU", "2026-07-15", "Đảng ủy xã Đông Ngũ")
    assert (meta.signer, meta.signer_role, meta.recipients) == (
        "Phạm Quốc Huy",
        "CHÁNH VĂN PHÒNG",
        ["Như trên", "Lưu VPĐU"],
    )
    body = _body(CONG_VAN)
    assert body[0].startswith("Để chủ động") and not any("Kính gửi" in p or "+07:00" in p for p in body)


def test_footnotes_printed_before_the_header_stay_content() -> None:
    text = "1 Đảng ủy chỉ đạo công tác phòng, chống ma túy trên địa bàn xã; chỉ đạo các cơ quan tham mưu.\n"
    text += BLANK.replace("THÔNG BÁO\nKẾT LUẬN CỦA THƯỜNG TRỰC ĐẢNG ỦY", "BÁO CÁO").replace("-TB/", "-BC/")
    meta = _meta(text)
    assert meta.title.startswith("Báo cáo về một số nội dung") and meta.issuer == "Đảng ủy xã Hưng Nguyên"
    doc = parse(clean(text))
    assert doc.section_path(doc.paragraphs[0].section) == "Chú thích"  # footnotes of the first page
    assert doc.text[doc.paragraphs[0].start :].startswith("1 Đảng ủy chỉ đạo")
    assert not any("ĐẢNG CỘNG SẢN" in c.text for c in chunk(doc, UnitRegistry()))  # no passage spans the header


def test_pieces_glued_by_reflow_and_word_header_tables() -> None:
    glued = (
        "ĐẢNG ỦY XÃ TÂN PHÚ\nSố -CV/ĐU\nMời họp Ban Thường vụ Đảng ủy ĐẢNG CỘNG SẢN VIỆT NAM Tân Phú, ngày 3 tháng"
        " 5 năm 2026 Kính gửi: - Các đồng chí Ủy viên Ban Thường vụ,\n- Lãnh đạo UBND xã.\nKính mời các đồng chí dự.\n"
    )
    meta = _meta(glued)
    assert (meta.title, meta.date, meta.doc_type) == (
        "Công văn mời họp Ban Thường vụ Đảng ủy",
        "2026-05-03",
        "Công văn",
    )
    table = "ĐẢNG ỦY XÃ TÂN PHÚ Số 12-TB/ĐU | ĐẢNG CỘNG SẢN VIỆT NAM Tân Phú, ngày 5 tháng 3 năm 2026\n\nTHÔNG BÁO\n\n"
    meta = _meta(table + "Kết luận của Thường trực Đảng ủy tháng 3/2026\n\n1. Ban Xây dựng Đảng\n")
    assert (meta.number, meta.date, meta.issuer) == ("12-TB/ĐU", "2026-03-05", "Đảng ủy xã Tân Phú")
    assert meta.title == "Thông báo kết luận của Thường trực Đảng ủy tháng 3/2026"


TAIL = "BÁO CÁO\nTình hình tháng 5/2026\n-----\n" + "".join(
    f"{i}. Nội dung thứ {i} của báo cáo.\n" for i in range(1, 9)
)


@pytest.mark.parametrize(
    ("ending", "signer", "role", "recipients"),
    [
        (
            "Nơi nhận:\nT/M BAN THƯỜNG VỤ\n- Ban Tổ chức Tỉnh ủy,\nK/T BÍ THƯ\n- Lưu VPĐU.\nPHÓ BÍ THƯ\nNguyễn Văn An",
            "Nguyễn Văn An",
            "PHÓ BÍ THƯ",
            ["Ban Tổ chức Tỉnh ủy", "Lưu VPĐU"],
        ),
        (
            "T/M ĐẢNG ỦY\nBÍ THƯ\nTrần Thị Hoa\nNơi nhận:\n- Như trên,\n- Lưu VPĐU.",
            "Trần Thị Hoa",
            "BÍ THƯ",
            ["Như trên", "Lưu VPĐU"],
        ),
        (
            "Nơi nhận:\n- Đồng chí Lê Văn Tám - UVTV Tỉnh ủy\n(phụ trách địa bàn),\n- Lưu VPĐU.\nBÍ THƯ\nLê Thị Bảy",
            "Lê Thị Bảy",
            "BÍ THƯ",
            ["Đồng chí Lê Văn Tám - UVTV Tỉnh ủy (phụ trách địa bàn)", "Lưu VPĐU"],
        ),
        (
            "Nơi nhận:\nNhư trên;\nLưu VT.\nTL. BAN THƯỜNG VỤ\nCHÁNH VĂN PHÒNG\nĐỗ Minh Châu\nĐẢNG ỦY XÃ AN BÌNH\n"
            "02-06-2026 10:00:01 +07:00",
            "Đỗ Minh Châu",
            "CHÁNH VĂN PHÒNG",
            ["Như trên", "Lưu VT"],
        ),
    ],
    ids=["interleaved-K/T", "signature-first", "no-T/M-wrapped-recipient", "T/L-stamp"],
)
def test_signer_blocks(ending: str, signer: str, role: str, recipients: list[str]) -> None:
    meta = _meta("An Bình, ngày 30 tháng 5 năm 2026\n" + TAIL + ending + "\n")
    assert (meta.signer, meta.signer_role, meta.recipients) == (signer, role, recipients)
    assert not any(signer in p for p in _body(TAIL + ending + "\n"))


@pytest.mark.parametrize(
    ("name", "number", "year", "date", "subject"),
    [
        ("H12.34-TU-NQ-0007-2024.pdf", "7-NQ/TU", 2024, None, None),
        (
            "000.00.32.H12-ĐUK-QĐ-0123-2026_quyet dinh (3-2).signed.pdf",
            "123-QĐ/ĐUK",
            2026,
            "2026-02-03",
            "quyet dinh (3-2)",
        ),
        (
            "ĐU-KL-0012-2026 KL hội nghị BCH lần thứ 5 - 20.01..2026.signed.signed.pdf",
            "12-KL/ĐU",
            2026,
            "2026-01-20",
            None,
        ),
        ("ĐU-KH-0101-2027KH tuyên truyền.signed.pdf", "101-KH/ĐU", 2027, None, "KH tuyên truyền"),
        ("BTCTU-CV-0282-2025 CV báo cáo quý III (22-8).signed.docx", "282-CV/BTCTU", 2025, "2025-08-22", None),
        ("ĐUK-CTr-0003-2026 Chương trình công tác năm 2026.docx", "3-CTr/ĐUK", 2026, None, None),
        ("ĐU-TTr-0014-2025 Tờ trình thành lập Hội đồng Đội 26-8-2025.pdf", "14-TTr/ĐU", 2025, "2025-08-26", None),
        ("UBKT-HD-0002-2026_huong dan.pdf", "2-HD/UBKT", 2026, None, "huong dan"),
        ("ĐU-QD-0008-2025..txt", "8-QĐ/ĐU", 2025, None, None),  # typed without Vietnamese letters
        ("Số 15-TB-ĐU ngày 16.9.2025.docx", "15-TB/ĐU", 2025, "2025-09-16", None),
        ("THÔNG BÁO_57-TB_ĐU_2025.md", "57-TB/ĐU", 2025, None, "THÔNG BÁO"),
        ("bao-cao-tong-ket_2025-12-30.docx", None, 2025, "2025-12-30", None),
        ("Tập 3 CV gửi xã.docx", None, None, None, None),
        ("Quy hoạch 2025-2030.docx", None, 2025, None, None),
    ],
)
def test_file_name_shapes(
    name: str, number: str | None, year: int | None, date: str | None, subject: str | None
) -> None:
    info = parse_file_name(name)
    assert (info.number, info.year, info.date) == (number, year, date)
    assert subject is None or info.subject == subject
    assert info.kind == (KIND_CODES[number.split("-")[1].split("/")[0]] if number else None)
    assert ".signed" not in info.stem and not info.stem.endswith((".", ".pdf", ".txt"))


def test_sentence_case_of_subjects_in_capitals() -> None:
    names = {"tân phú": "Tân Phú"}
    assert (
        sentence_case("CHƯƠNG TRÌNH HÀNH ĐỘNG CỦA BAN CHẤP HÀNH ĐẢNG BỘ XÃ TÂN PHÚ THỰC HIỆN NGHỊ QUYẾT ĐẠI HỘI", names)
        == "chương trình hành động của Ban Chấp hành Đảng bộ xã Tân Phú thực hiện Nghị quyết Đại hội"
    )
    assert sentence_case("LẦN THỨ II, QUÝ III VỀ UBND, HĐND VÀ BCH; HUY HIỆU ĐẢNG CHO ĐẢNG VIÊN", {}) == (
        "lần thứ II, quý III về UBND, HĐND và BCH; huy hiệu Đảng cho đảng viên"
    )


def test_document_numbers_listed_in_a_body_are_not_a_header() -> None:
    text = "ĐẢNG ỦY XÃ AN BÌNH TỔ CHỨC HỘI NGHỊ TỔNG KẾT CÔNG TÁC XÂY DỰNG ĐẢNG NĂM 2025\n"
    text += "Ngày 5/1/2026, Đảng ủy xã An Bình tổ chức hội nghị tổng kết.\nHội nghị đã thảo luận:\n"
    text += "Số 15-TB/ĐU ngày 16/9/2025 về công tác cán bộ;\nSố 16-TB/ĐU ngày 20/9/2025 về kết nạp đảng viên.\n"
    meta = _meta(text)
    assert (meta.doc_type, meta.number, meta.date) == ("Tin", None, "2026-01-05")
    assert any(p.startswith("Số 15-TB/ĐU") for p in _body(text))


APPENDED = """ĐẢNG BỘ TỈNH NAM ĐỊNH
ĐẢNG ỦY XÃ HẢI MINH
Số 40-BC/ĐU
ĐẢNG CỘNG SẢN VIỆT NAM
Hải Minh, ngày 15 tháng 10 năm 2025

BÁO CÁO
Kết quả thực hiện nhiệm vụ quý III năm 2025

1. Kết quả
Thành lập các cơ quan tham mưu của Đảng ủy (Phụ lục 1).

Nơi nhận:
- Ban Thường vụ Tỉnh ủy,
- Lưu VPĐU.
T/M BAN THƯỜNG VỤ
BÍ THƯ
Phạm Văn Khải

ĐẢNG ỦY XÃ HẢI MINH
PHỤ LỤC 1
Các cơ quan tham mưu, giúp việc Đảng ủy (tính đến ngày 30/9/2025)
Văn phòng Đảng ủy: 5 biên chế
Ban Xây dựng Đảng: 7 biên chế
"""


def test_an_appendix_after_the_signature_is_content_and_the_signer_still_read() -> None:
    document = parse(clean(APPENDED))
    meta = document.metadata
    assert (meta.signer, meta.signer_role, meta.number) == ("Phạm Văn Khải", "BÍ THƯ", "40-BC/ĐU")
    [appendix] = [s for s in document.sections if s.title == "Phụ lục 1"]
    shown = [document.text[p.start : p.end] for p in document.paragraphs if p.section == appendix.index]
    assert "Ban Xây dựng Đảng: 7 biên chế" in shown and "Văn phòng Đảng ủy: 5 biên chế" in shown
    assert "ĐẢNG ỦY XÃ HẢI MINH" not in shown  # the header the appendix page repeats is not content
    assert all("Phạm Văn Khải" not in text and "Nơi nhận" not in text for text in shown)


def test_the_title_is_a_passage_of_its_own_quoted_as_written() -> None:
    # A citation of the title quotes the header's lines, interleaved ones included; the title
    # passage holds no task or figure, and the body's first passage does not start with it.
    for text, first_words in ((INTERLEAVED, "KẾT LUẬN"), (CONG_VAN, "V/v"), (BLANK, "THÔNG BÁO")):
        doc = parse(clean(text), "")
        chunks = chunk(doc, UnitRegistry())
        titles = [c for c in chunks if c.section_label == TITLE_SECTION]
        assert len(titles) == 1 and titles[0].text.startswith(first_words), titles
        assert titles[0].text == doc.text[titles[0].start : titles[0].end]
        extracted = extract(doc, chunks, UnitRegistry())
        assert all(t.passage != titles[0].ordinal for t in extracted.tasks)
        assert all(f.passage != titles[0].ordinal for f in extracted.figures)
        body = [c for c in chunks if c.ordinal > titles[0].ordinal]
        assert body and not body[0].text.startswith(first_words)


def test_legal_bases_open_the_body_not_the_subject() -> None:
    unruled = BLANK.replace("-----\n", "", 1)
    basis = "Căn cứ Quy định số 24-QĐ/TW ngày 30/7/2021 của Ban Chấp hành Trung ương"
    based = unruled.replace("\nNgày ", f"\n{basis}\nNgày ", 1)
    assert "Căn cứ" in based and _meta(based).title == _meta(unruled).title == _meta(BLANK).title


def test_a_units_name_alone_is_a_cell_not_an_assignment() -> None:
    # PDF exports print a table's cells one a line: a column of units' names is one passage
    # with its figures, assigns nothing, and the unit's real task still opens its own passage.
    table = "1. Biên chế được giao\nHội đồng nhân dân\n3\nỦy ban nhân dân\n12\nBan Xây dựng Đảng\n5\n"
    task = "2. Nhiệm vụ\nBan Xây dựng Đảng tham mưu sơ kết công tác tổ chức trong tháng 5/2026.\n"
    text = BLANK.replace("Ngày 02/4/2026, Thường trực", table + task + "Ngày 02/4/2026, Thường trực", 1)
    doc = parse(clean(text), "")
    chunks = chunk(doc, UnitRegistry())
    cells = [c for c in chunks if "Hội đồng nhân dân" in c.text]
    assert len(cells) == 1 and "Ủy ban nhân dân" in cells[0].text and "12" in cells[0].text
    assert not any(c.text.strip() in {"Hội đồng nhân dân", "Ủy ban nhân dân", "Ban Xây dựng Đảng"} for c in chunks)
    tasks = extract(doc, chunks, UnitRegistry()).tasks
    assert [t.text for t in tasks if t.unit == "Ban Xây dựng Đảng"] == [
        "Ban Xây dựng Đảng tham mưu sơ kết công tác tổ chức trong tháng 5/2026."
    ]
    assert not any(t.unit in {"Hội đồng nhân dân xã", "Ủy ban nhân dân xã"} for t in tasks)
