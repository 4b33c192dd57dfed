"""What a sentence holds of the kind a question asks for: a person's name for "ai", a date for
"ngày nào / khi nào", a number of the asked thing for "bao nhiêu X". These encode Vietnamese
(family names, date forms), not any one document."""

from __future__ import annotations

import re

from rag.search.understand import Query
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
        return bool(query.counts.search(fold(sentence)))
    if query.asks_person:
        # An office the question itself names ("Bí thư … là ai?") asks for the name, not the office.
        offices = {m.group(0) for m in _OFFICE_RE.finditer(fold(sentence))} - {"dong chi", "d/c"}
        asked = {m.group(0) for m in _OFFICE_RE.finditer(query.folded)}
        return bool(PERSON_NAME_RE.search(sentence) or (offices - asked and not asked))
    if query.asks_date:
        return has_date(sentence)
    return None
