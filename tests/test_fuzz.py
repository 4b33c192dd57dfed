"""Property-based tests of the text layer, parser, chunker and extractor on arbitrary text:
no crash, offsets always valid, quotes always verbatim."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rag.ingest.chunk import chunk
from rag.ingest.extract import extract
from rag.ingest.parse import parse
from rag.search.lexical import terms
from rag.text import clean, fold, normalize, sentence_spans
from rag.units import UnitRegistry

UNITS = UnitRegistry()
# Arbitrary Unicode, plus the shapes of real documents so the parser's branches are reached.
PIECES = st.sampled_from(
    [
        "\n",
        "\n\n",
        "- ",
        "1. ",
        "1.1. ",
        "II. ",
        "A. ",
        "PHẦN THỨ NHẤT\n",
        "Nơi nhận:\n",
        "T/M BAN THƯỜNG VỤ\n",
        "Ban Xây dựng Đảng ",
        "Hội CCB tiếp tục ",
        "Giao UBKT ",
        "Đề nghị Hội Nông dân ",
        "chủ trì, phối hợp với Đoàn ",
        "Chỉ thị số 50-CT/TW, ngày 23/7/2025 của Ban Bí thư về ",
        "1.173 đảng viên",
        "55,8%",
        "tháng 10/2025",
        "Xuân Hưng, ngày 16 tháng 9 năm 2025\n",
        "THÔNG BÁO\n",
        "uỷ",
        "hoà",
        "“",
        "”",
        "«",
        "»",
        ";",
        ".",
        ":",
    ]
)
TEXT = st.lists(st.one_of(st.text(min_size=0, max_size=30), PIECES), max_size=40).map("".join)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(TEXT)
def test_clean_gives_canonical_text(raw: str) -> None:
    """NFC, one tone style, no control characters; normalising twice changes nothing.
    (Re-flow is a heuristic on line lengths and is not meant to be applied twice.)"""
    text = clean(raw)
    assert unicodedata.normalize("NFC", text) == text
    assert normalize(text) == text
    assert not any(unicodedata.category(ch) == "Cc" and ch != "\n" for ch in text)
    assert not re.search(r"(?<![qQ])(?:uỷ|oà|oá)(?![^\W\d_])", text)  # one tone-mark style
    assert fold(text) == fold(fold(text)) and isinstance(terms(text), list)


@FAST
@given(TEXT)
def test_sentence_spans_are_inside_the_text(raw: str) -> None:
    text = clean(raw)
    for a, b in sentence_spans(text):
        assert 0 <= a < b <= len(text)
        assert text[a:b].strip() == text[a:b]


@FAST
@given(TEXT)
def test_parse_chunk_extract_offsets_and_quotes(raw: str) -> None:
    text = clean(raw)
    doc = parse(text, "fuzz.txt")
    for p in doc.paragraphs:
        assert 0 <= p.start <= p.end <= len(text)
    chunks = chunk(doc, UNITS)
    for c in chunks:
        assert c.text == text[c.start : c.end]
    found = extract(doc, chunks, UNITS)
    for item in [*found.tasks, *found.directives, *found.figures]:
        assert 0 <= item.start <= item.end <= len(text)
    for task in found.tasks:
        assert task.text == text[task.start : task.end]
        assert 0 <= task.passage < len(chunks)
