"""What a sentence holds of the kind a question asks for: a person's name for "ai", a date for
"ngày nào / khi nào", a number of the asked thing for "bao nhiêu X". These encode Vietnamese
(family names, date forms), not any one document."""

from __future__ import annotations

import re

from rag.search.corpus import TermWeights
from rag.search.understand import Query, states_count
from rag.text import fold

# A person named in full: a Vietnamese family name, then one to three capitalised words.
_FAMILY_NAMES = (
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Tạ Trương Đinh Lâm Mai Cao Đào "
    "Lương Hà Tô Đoàn Vương Trịnh Kiều Thái Chu Lưu Tăng Lại Quách Mạc Khổng Triệu Tống Nông Lò Phùng Âu "
    "Hứa Giang Khúc Nghiêm Doãn Đàm Thân Cù Diệp Đồng Lục Ninh Quan Tôn Hầu Bạch Lã"
).split()
_UPPER = "A-Z" + "".join(ch for ch in map(chr, range(0xC0, 0x1EFA)) if ch.isupper())
PERSON_NAME_RE = re.compile(r"\b(?:" + "|".join(_FAMILY_NAMES) + rf")(?:\s+[{_UPPER}][^\W\d_]*){{1,3}}")

# "16/9/2025", "ngày 03/10", "ngày 16 tháng 9 năm 2025", "15 giờ 00", "tháng 10/2025", "quý IV".
DATE_RE = re.compile(
    r"\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b|\bngay \d{1,2}\b|\b\d{1,2} gio\b|\bthang \d{1,2}(?:/| nam )20\d\d\b"
    r"|\bquy (?:i{1,3}|iv)\b"
)
# "ai" in a Party document is often answered by an office or a comrade named by role:
# "đồng chí Phó Bí thư Thường trực", "Đ/c Chủ tịch UBND xã", "cấp phó của người đứng đầu".
_OFFICE_RE = re.compile(
    r"\b(?:dong chi|d/c|bi thu|pho bi thu|chu tich|pho chu tich|truong ban|pho truong ban|chanh van phong"
    r"|nguoi dung dau|cap pho|thu truong)\b"
)
_FULL_DATE_RE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(20\d\d)\b")


def has_date(sentence: str) -> bool:
    return bool(DATE_RE.search(fold(sentence)))


def latest_date(sentence: str) -> tuple[int, int, int] | None:
    """The latest full date (year, month, day) a sentence states."""
    found = [(int(y), int(m), int(d)) for d, m, y in _FULL_DATE_RE.findall(sentence)]
    return max(found) if found else None


def typed(query: Query, sentence: str) -> bool | None:
    """Whether the sentence holds an item of the kind asked for; None when the question asks
    for no particular kind."""
    if query.counts is not None:
        return states_count(query.counts, fold(sentence))
    if query.asks_person:
        # An office the question itself names ("Bí thư … là ai?"), or its deputy ("Phó Bí thư"),
        # is no answer; another office is ("đồng chí Bí thư Đảng ủy xã làm Trưởng Ban").
        offices = {m.group(0) for m in _OFFICE_RE.finditer(fold(sentence))} - {"dong chi", "d/c"}
        asked = {m.group(0) for m in _OFFICE_RE.finditer(query.folded)}
        other = {o for o in offices if not any(a in o for a in asked)}
        return bool(PERSON_NAME_RE.search(sentence) or other)
    if query.asks_date:
        return has_date(sentence)
    return None


def exact_kind(query: Query, sentence: str) -> bool:
    """Whether the sentence answers "ai" with a person's full name rather than an office."""
    return query.asks_person and bool(PERSON_NAME_RE.search(sentence))


_ROMAN = frozenset("ii iii iv vi vii viii ix xi xii xiii xiv xv xvi xvii xviii xix xx".split())


def anchors(query: Query, weights: TermWeights, rare_idf: float) -> list[frozenset[str]]:
    """What names the one thing a question is about, each as the terms that may stand for it:
    its dates ("20/11/2025"), numbers and ordinals ("lần thứ 4", "khoá XIII", "Nghị quyết 57"),
    and the names it writes with a capital that the documents rarely use ("Hội Chữ thập đỏ",
    "đèo Khánh Sơn"). A document that holds the other words but not these speaks of another
    meeting, term or thing. Words no document uses are no anchor: they are the asker's own."""
    words = [w for w in query.words if w]
    parts = {p for w in words if "/" in w for p in w.split("/")}
    # "tháng 10/2025" names the period, which documents often write in words ("tháng 10 năm 2025")
    # or only in their date: the period boost of retrieval weighs it, not this test.
    periods = query.month_years
    # Vietnamese writes names with capitals; the first word of a question is capitalised anyway.
    capitals = {fold(w) for w in re.findall(r"\w+", query.text)[1:] if w[0].isupper()}
    out: list[frozenset[str]] = []

    def rare(term: str) -> bool:
        return weights.known(term) and weights.idf(term) >= rare_idf

    for i, (word, concept) in enumerate(zip(query.words, query.concepts, strict=True)):
        if not word:
            continue
        if word[0].isdigit() or (word in _ROMAN and re.search(rf"\b{word.upper()}\b", query.text)):
            if word not in parts and word not in periods:
                out.append(frozenset({concept} if concept else {word}))
        elif word in capitals and not concept:
            after = query.words[i + 1] if i + 1 < len(query.words) else None
            pair = f"{word}_{after}" if after else ""
            if rare(word):
                out.append(frozenset({word}))
            elif pair and rare(pair):
                out.append(frozenset({pair}))
    return list(dict.fromkeys(out))


def anchored(required: list[frozenset[str]], held: set[str]) -> bool:
    """Whether a document holding these terms holds every anchor, in one of its forms."""
    return all(anchor & held for anchor in required)
