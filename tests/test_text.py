"""The Vietnamese text layer: the same rules at ingest and at query time."""

from __future__ import annotations

from rag.search.lexical import terms
from rag.text import clean, fold, normalize, parse_fraction, parse_number, sentence_spans

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


def test_tone_mark_styles_and_nfd_become_one_form() -> None:
    decomposed = "Đảng uỷ hoà thuỷ khoá".encode().decode()
    import unicodedata

    assert normalize(unicodedata.normalize("NFD", decomposed)) == "Đảng ủy hòa thủy khóa"
    assert normalize("quý") == "quý"  # "qu" + y keeps its mark
    assert normalize("hoàn thành") == "hoàn thành"  # closed syllable: mark stays


def test_fold_strips_diacritics_and_case() -> None:
    assert fold("Đảng ỦY xã Kẽ Sắt") == "dang uy xa ke sat"
    assert fold("Kè Sắt") == fold("Kê Sắt") == fold("Kẽ Sắt")


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


def test_sentence_spans_are_exact_offsets() -> None:
    text = "Đảng bộ có 1.173 đảng viên. Tỷ lệ đạt 55,8%. Hội CCB dư nợ 18,695 tỷ đồng."
    spans = sentence_spans(text)
    assert [text[a:b] for a, b in spans] == [
        "Đảng bộ có 1.173 đảng viên.",
        "Tỷ lệ đạt 55,8%.",
        "Hội CCB dư nợ 18,695 tỷ đồng.",
    ]
