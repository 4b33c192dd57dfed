"""The Vietnamese text layer: the same rules at ingest and at query time."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from rag.search.lexical import terms
from rag.text import clean, fold, normalize, parse_fraction, parse_number, reflow, sentence_spans

XUAN_HUNG = "\n".join(
    [
        "II . Nhiệm vụ trọng tâm tháng 10/2025. ",
        "",
        "4. Ban Xây dựng Đảng ",
        "",
        "- Tham mưu cho Đảng ủy triển khai hiệu quả Chỉ thị số 50-CT/TW, ",
        "",
        "ngày 23/7/2025 của Ban Bí thư “ Về tiếp tục đổi mới và nâng cao chất ",
        "",
        "lượng sinh hoạt chi bộ, trong giai đoạn mới ”.  ",
    ]
)

REFLOW_LINES = [
    "Công tác trật tự an toàn",
    "giao thông đường bộ",
    "Không có trường hợp nào xảy ra.",
    "BÁO CÁO",
    "- Tổ chức họp chi bộ",
    "1. Kết quả đạt được",
    "và nhân dân trong xã cùng triển khai thực hiện các nhiệm vụ đề ra",
    "Hội Cựu chiến binh xã",
    "",
    "-----",
]


def test_tone_mark_styles_and_nfd_become_one_form() -> None:
    decomposed = "Đảng uỷ hoà thuỷ khoá".encode().decode()
    import unicodedata

    assert normalize(unicodedata.normalize("NFD", decomposed)) == "Đảng ủy hòa thủy khóa"
    assert normalize("quý") == "quý"  # "qu" + y keeps its mark
    assert normalize("hoàn thành") == "hoàn thành"  # closed syllable: mark stays


def test_fold_strips_diacritics_and_case() -> None:
    assert fold("Đảng ỦY xã Kẽ Sắt") == "dang uy xa ke sat"
    assert fold("Kè Sắt") == fold("Kê Sắt") == fold("Kẽ Sắt")


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_fold_removes_every_nonspacing_mark_and_nothing_else(text: str) -> None:
    """The fast path (the combining-marks block) agrees with the definition on any text."""
    import unicodedata

    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d"))
    assert fold(text) == "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def test_hard_wrapped_lines_are_reflowed_but_blocks_stay() -> None:
    text = clean(XUAN_HUNG)
    assert "Chỉ thị số 50-CT/TW, ngày 23/7/2025 của Ban Bí thư “ Về tiếp tục đổi mới và nâng cao chất lượng" in text
    assert "\n4. Ban Xây dựng Đảng\n" in text  # a heading is not glued to its bullets
    assert text.startswith("II . Nhiệm vụ trọng tâm tháng 10/2025.")


def test_vietnamese_numbers() -> None:
    assert parse_number("1.173") == 1173
    assert parse_number("55,8") == 55.8
    assert parse_number("18,695") == 18.695
    assert parse_number("2.223") == 2223
    assert parse_fraction("1.309/1.860") == (1309, 1860)
    assert parse_number("abc") is None


def test_terms_match_with_and_without_diacritics_and_by_abbreviation() -> None:
    assert set(terms("Ủy ban Kiểm tra Đảng ủy")) & set(terms("ubkt dang uy")) >= {"~ubkt", "dang", "uy"}
    assert "~tutran" in terms("từ trần 12 đồng chí") and "~tutran" in terms("qua đời")
    assert "#50-ct/tw" in terms("Chỉ thị số 50-CT/TW") and "#50-ct/tw" in terms("chi thi 50-ct/tw")
    assert "1173" in terms("1.173 đảng viên")


def test_a_day_month_or_count_matches_with_or_without_its_zero_and_a_code_keeps_its_digits() -> None:
    assert terms("ngày 02/12/2025") == terms("ngày 2/12/2025")
    assert terms("tháng 09/2025") == terms("tháng 9/2025")
    assert terms("02 hồ sơ") == terms("2 hồ sơ")
    assert "0017" in terms("ĐU-TB-0017-2025") and "2025" in terms("năm 2025")


def test_a_long_sentence_is_cut_between_enumerated_items_not_inside_one() -> None:
    first = "(1) Ban Thường vụ Đảng ủy cho ý kiến kế hoạch tổ chức hội nghị sơ kết công tác dân vận sáu tháng đầu năm;"
    second = (
        "(2) Ban Thường vụ Đảng ủy thống nhất phân công cán bộ theo dõi địa bàn các thôn trong năm 2026; "
        "thôn Đông và thôn Tây do đồng chí Trưởng Ban Dân vận phụ trách, báo cáo hằng quý; thôn Nam do đồng chí "
        "Chủ nhiệm Ủy ban Kiểm tra phụ trách theo Tờ trình số 12-TTr/BDV ngày 05/3/2026 của Ban Dân vận."
    )
    text = f"{first} {second}"
    assert [text[a:b] for a, b in sentence_spans(text)] == [first, second]
    # With no item marker, a long sentence is still cut at its semicolons.
    plain = text.replace("(1) ", "").replace("(2) ", "")
    assert len(sentence_spans(plain)) > 2


def test_sentence_spans_are_exact_offsets() -> None:
    text = "Đảng bộ có 1.173 đảng viên. Tỷ lệ đạt 55,8%. Hội CCB dư nợ 18,695 tỷ đồng."
    spans = sentence_spans(text)
    assert [text[a:b] for a, b in spans] == [
        "Đảng bộ có 1.173 đảng viên.",
        "Tỷ lệ đạt 55,8%.",
        "Hội CCB dư nợ 18,695 tỷ đồng.",
    ]


def test_cleaning_twice_changes_nothing_even_for_tables() -> None:
    # Table cells broken in two: joining them must not make the text look hard-wrapped the
    # second time (the cell lines would then be glued to each other).
    rows = []
    for topic, tail in [("trật tự an toàn", "giao thông đường bộ"), ("vệ sinh môi trường", "khu dân cư nông thôn")]:
        rows += [f"Công tác {topic}", tail, "Không có trường hợp nào xảy ra"] * 3
    text = "\n".join(["BÁO CÁO", "Về công tác nội chính quý III", "STT", "Tên công việc cần", "báo cáo", *rows])
    once = clean(text)
    assert clean(once) == once
    assert "\nCông tác trật tự an toàn giao thông đường bộ\nKhông có trường hợp nào xảy ra\n" in once


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(REFLOW_LINES), max_size=30))
def test_reflow_is_idempotent(lines: list[str]) -> None:
    once = reflow("\n".join(lines))
    assert reflow(once) == once
