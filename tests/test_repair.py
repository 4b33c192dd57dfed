"""PDF text repair: glued syllables split, letter-spaced words re-joined, nothing else touched.

Every example is an invented sentence in the style of commune reports, not a quote from the
real documents the repair was developed on.
"""

from __future__ import annotations

import hashlib
import itertools
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rag.repair import Model, align, original_span, repair, repair_with_map, segment, split_word
from rag.text import cased_key, clean, clean_with_map, syllable_key

CORPUS = Path(__file__).resolve().parent.parent / "corpus"

# clean() of the five samples (by the first word of their file name) before the repair existed:
# the repair must leave them exactly as they were.
SAMPLE_DIGESTS = {
    "binh-lu": "58c1011858245b6eee6e54a0c9bc587539494bdd16d8860db0f3f67205608a60",
    "dai-son": "11ace3d87979c3213776e5c10b24f2b9bd63414e2f35e1079897ba7957fd02a5",
    "ke-sat": "11dfd9c619c91e4c787a04725d1434e7888b4efb165e88cfe3c66306babe3848",
    "phu-trung": "91d118681a2eb199d04035833ee81b8beae0a4e9d46bc0d9fd349be3e2efd895",
    "xuan-hung": "f123d5f57d110efdfa3004017299201864fc116e05c68f7f527bd24ef4c7e6d0",
}

# Context for the frequencies: a short report written correctly, as most of a document is.
CONTEXT = (
    "Hội Nông dân xã tổ chức tập huấn kỹ thuật trồng lúa cho hội viên. Chi bộ thôn họp bàn về tình hình "
    "an ninh trật tự và kết quả thu hoạch vụ mùa. Ban Thường vụ Đảng ủy giao nhiệm vụ cho các đồng chí "
    "ủy viên theo dõi địa bàn, báo cáo kết quả trước ngày 15 hằng tháng."
)


def fixed(text: str) -> str:
    """Repair a sentence inside the context, return the sentence."""
    return repair(CONTEXT + "\n" + text).split("\n", 1)[1]


# --- The syllable -------------------------------------------------------------------------


def test_syllable_grammar() -> None:
    for word in ("nghiêng", "người", "quyết", "giữa", "gìn", "khuya", "thuở", "xoong", "hoà", "hòa", "ý", "ở"):
        assert syllable_key(word), word
    for word in ("online", "hđnd", "ngiêm", "ka", "ghá", "cé", "tiê", "thấpp", "sắcx"):
        assert syllable_key(word) is None, word
    assert syllable_key("máy") and syllable_key("mấtt") is None
    assert syllable_key("hoà") == syllable_key("hòa")  # the tone mark may sit on either vowel
    assert syllable_key("các") and syllable_key("cảc") is None  # a stop coda takes sắc or nặng only
    assert syllable_key("sốnội") is None  # two tone marks: two syllables
    assert cased_key("Đảng") and cased_key("ĐẢNG") and cased_key("ĐảNG") is None


def test_frequencies_of_the_text_choose_among_cuts() -> None:
    # "tốtích" reads "tố tích" or "tốt ích": whichever the text itself writes alone wins.
    assert segment("tốtích", Model.of("phát huy nhân tố tích cực")) == ["tố", "tích"]
    assert segment("tốtích", Model.of("điều tốt, lợi ích, tốt và ích lợi")) == ["tốt", "ích"]
    # Without any text, a plausible cut still comes out: one piece per syllable.
    assert segment("nhiệmvụ", Model(Counter())) == ["nhiệm", "vụ"]


# --- Glued syllables --------------------------------------------------------------------------


def test_syllables_run_together_are_split() -> None:
    assert fixed("Hội Nông dân xãtổchức tập huấn kỹthuật chăm sóc lúa") == (
        "Hội Nông dân xã tổ chức tập huấn kỹ thuật chăm sóc lúa"
    )
    assert fixed("Chi bộthôn họp bàn vềtình hình") == "Chi bộ thôn họp bàn về tình hình"


def test_a_capital_after_lower_case_is_a_cut() -> None:
    assert fixed("Ban Thường vụĐảng ủy giao cho Ủyban Kiểm tra") == "Ban Thường vụ Đảng ủy giao cho Ủy ban Kiểm tra"
    assert fixed("đồng chí ủyviên Đảng ủyUBND xã") == "đồng chí ủy viên Đảng ủy UBND xã"
    assert fixed("Đại hội lần thứI, nhiệm kỳ2025-2030") == "Đại hội lần thứ I, nhiệm kỳ 2025-2030"
    assert fixed("THÔNGBÁO KẾTLUẬN") == "THÔNG BÁO KẾT LUẬN"  # capitals with Vietnamese vowels


def test_numbers_and_punctuation_glued_to_words() -> None:
    assert fixed("Tiếpnhận,xửlý42hồ sơ") == "Tiếp nhận, xử lý 42 hồ sơ"
    assert fixed("ngày15 hằng tháng;báo cáo trước quý IV") == "ngày 15 hằng tháng; báo cáo trước quý IV"
    assert fixed("hội trường (cũ)đểhọp") == "hội trường (cũ) để họp"
    assert fixed("thuộc xã.Trụ sở mới") == "thuộc xã. Trụ sở mới"


NEVER_SPLIT = [
    "Số 14-TTr/ĐUUBND",
    "Chỉ thị 50-CT/TW, Quyết định 08-QĐ/ĐU, 01-QĐi/ĐU",
    "file A32.65-ĐU-BC-0019-2025 và ĐU-TB-0005-2025",
    "1.173 đảng viên, 55,8%, 18,695 tỷ đồng, 1.309/1.860, 16/9/2025",
    "UBND, HĐND, MTTQ, BCH, ĐU, CNTT, TTHC, UBMTTQVN, KT-XH, Đ/c, T/M, b/c",
    "email doanthanhnien@xa.gov.vn, trang https://dichvucong.gov.vn/p/home, www.xa.vn",
    "online, Zalo, Internet, Microsoft Office, VNeID, iHanoi, server",
    "diện tích 3km2, lúc 7h30, 100 m, điểm b khoản 2, TP.HCM, v.v...",
    "Ban Thường vụ Đảng ủy xã họp nghe báo cáo và cho ý kiến một số nội dung.",
]


@pytest.mark.parametrize("text", NEVER_SPLIT)
def test_what_must_never_be_split(text: str) -> None:
    assert fixed(text) == text
    assert split_word("online", Model.of(text)) == ["online"]


# --- Letter spacing ---------------------------------------------------------------------------


def test_letter_spaced_words_are_joined() -> None:
    assert fixed("Góp ý vềd ự t h ả o kế hoạch") == "Góp ý về dự thảo kế hoạch"
    assert fixed("Đ ả n g ủ y x ã c h ỉ đ ạ o c á c c h i b ộ , đ o à n t h ể") == (
        "Đảng ủy xã chỉ đạo các chi bộ, đoàn thể"
    )
    assert fixed("c ó 1 2 0 h ộ t h a m g i a , đ ạ t 9 6 , 5 %") == "có 120 hộ tham gia, đạt 96,5%"
    assert fixed("t h e o Q u y ế t đ ị n h s ố 1 2 / Q Đ - U B N D n g à y 0 3 / 4 / 2 0 2 5") == (
        "theo Quyết định số 12/QĐ-UBND ngày 03/4/2025"
    )
    assert fixed("t h á n g 4 , 5 , 6 / 2 0 2 5") == "tháng 4, 5, 6/2025"  # a list of months, not a decimal
    assert fixed("Báo cáo t hực hiện; p hối hợp tổ chức") == "Báo cáo thực hiện; phối hợp tổ chức"


def test_lines_of_one_letter_spaced_word_each_are_reflowed() -> None:
    lines = ["Hội viên tham gia", "t ậ p", "h u ấ n", "k ỹ", "t h u ậ t", "-", "n ô n g", "n g h i ệ p", "."]
    assert fixed("\n".join(lines)) == "Hội viên tham gia\ntập huấn kỹ thuật - nông nghiệp."
    bullets = "c á c c h i b ộ .\n- T ổ c h ứ c h ọ p"  # a sentence end and a bullet stay apart
    assert fixed(bullets) == "các chi bộ.\n- Tổ chức họp"


def test_spaced_looking_text_that_is_not_letter_spaced_stays() -> None:
    for text in ("Mục I, II, III", "STT\nX\nX\nX", "1 2 3 4 5 6", "từ 1 - 5 năm", "* * *", "a) b) c)"):
        assert fixed(text) == text


# --- NFC, offsets ------------------------------------------------------------------------------


def test_decomposed_text_is_composed_first() -> None:
    nfd = unicodedata.normalize("NFD", "tổ chức hội nghịgiám sát")
    assert repair(nfd) == "tổ chức hội nghị giám sát"


def test_offset_map_points_back_to_the_original() -> None:
    original = unicodedata.normalize("NFD", "Ban Thường vụĐảng ủy") + " họp về d ự t h ả o"
    text, offsets = repair_with_map(original)
    assert text == "Ban Thường vụ Đảng ủy họp về dự thảo"
    for word in text.split():
        start = text.index(word)
        a, b = original_span(offsets, start, start + len(word))
        assert unicodedata.normalize("NFC", original[a:b]).replace(" ", "") == word
    a, b = original_span(offsets, text.index("dự thảo"), len(text))
    assert original[a:b] == "d ự t h ả o"
    space = text.index(" Đảng")  # inserted: an empty span where it went in
    assert original_span(offsets, space, space + 1) == (a := original.index("Đ"), a)
    assert original_span(offsets, len(text), len(text)) == (len(original), len(original))


def test_clean_offsets_cover_every_step() -> None:
    original = "Thường trực Đảng uỷ\r\n  họp\u200b vềviệc   kế hoạch"
    cleaned, offsets = clean_with_map(original)
    assert cleaned == "Thường trực Đảng ủy họp về việc kế hoạch"
    a, b = original_span(offsets, cleaned.index("ủy"), cleaned.index("ủy") + 2)
    assert original[a:b] == "uỷ"  # the tone mark moved, the span did not
    a, b = original_span(offsets, cleaned.index("họp"), len(cleaned))
    assert original[a:b] == "họp\u200b vềviệc   kế hoạch"


# --- Properties ------------------------------------------------------------------------------

_ONSETS = [
    "",
    "b",
    "c",
    "ch",
    "đ",
    "gi",
    "h",
    "kh",
    "l",
    "m",
    "n",
    "ng",
    "nh",
    "ph",
    "qu",
    "s",
    "t",
    "th",
    "tr",
    "v",
    "x",
]
_RHYMES = [
    "a",
    "ai",
    "an",
    "ang",
    "anh",
    "ao",
    "âm",
    "ân",
    "ê",
    "i",
    "iên",
    "inh",
    "o",
    "oa",
    "ông",
    "ơ",
    "u",
    "ưa",
    "ương",
]
_TONE_MARKS = ["", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"]
SYLLABLES = sorted(
    {
        unicodedata.normalize("NFC", o + r[0] + t + r[1:])
        for o, r, t in itertools.product(_ONSETS, _RHYMES, _TONE_MARKS)
        if syllable_key(unicodedata.normalize("NFC", o + r[0] + t + r[1:]))
    }
)
_WORD = st.one_of(
    st.sampled_from(SYLLABLES),
    st.sampled_from(SYLLABLES).map(str.capitalize),
    st.sampled_from(SYLLABLES).map(str.upper),
    st.sampled_from(["UBND", "ĐU", "50-CT/TW", "1.173", "55,8%", "16/9/2025", "-", ",", ".", "(", ")", "x", "online"]),
    st.from_regex(r"[0-9]{1,4}", fullmatch=True),
)
# Glue words together, or space them out letter by letter, as PDF export does.
_PIECE = st.tuples(st.lists(_WORD, min_size=1, max_size=4), st.sampled_from(["", " ", "letters"])).map(
    lambda t: " ".join(" ".join(w) for w in t[0]) if t[1] == "letters" else t[1].join(t[0])
)
DOCUMENTS = st.lists(st.tuples(_PIECE, st.sampled_from([" ", " ", "\n", "\n\n", "  "])), max_size=25).map(
    lambda parts: "".join(p + sep for p, sep in parts)
)


@settings(max_examples=300, deadline=None)
@given(DOCUMENTS)
def test_repair_is_idempotent(text: str) -> None:
    once = repair(text)
    assert repair(once) == once


@settings(max_examples=300, deadline=None)
@given(DOCUMENTS)
def test_clean_is_idempotent(text: str) -> None:
    once = clean(text)
    assert clean(once) == once


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_any_text_is_repaired_idempotently_and_aligned(text: str) -> None:
    once = repair(text)
    assert repair(once) == once
    offsets = align(text, once)
    assert len(offsets.starts) == len(once)
    assert all(a <= b for a, b in zip(offsets.starts, offsets.ends, strict=True))


@settings(max_examples=200, deadline=None)
@given(DOCUMENTS)
def test_only_whitespace_changes(text: str) -> None:
    assert "".join(repair(text).split()) == "".join(unicodedata.normalize("NFC", text).split())


# --- The clean samples -----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SAMPLE_DIGESTS))
def test_clean_samples_pass_unchanged(name: str) -> None:
    (path,) = CORPUS.glob(f"{name}_*")
    raw = path.read_text(encoding="utf-8")
    assert repair(raw) == unicodedata.normalize("NFC", raw)
    assert hashlib.sha256(clean(raw).encode()).hexdigest() == SAMPLE_DIGESTS[name]


def test_questions_are_repaired_too() -> None:
    # Questions go through clean() (rag.search.understand), so a pasted PDF phrase is split.
    assert clean("Ban Thường vụĐảng ủy giao nhiệm vụgì cho Hội Nông dân?") == (
        "Ban Thường vụ Đảng ủy giao nhiệm vụ gì cho Hội Nông dân?"
    )
    assert clean("nhiem vu hoi phu nu nam 2026") == "nhiem vu hoi phu nu nam 2026"  # no diacritics: left alone
