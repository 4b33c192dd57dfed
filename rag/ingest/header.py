"""Metadata of a Party document: its header (the ending is read in `rag.ingest.ending`).

The format guide (Hướng dẫn 36-HD/VPTW) lays the header out in two columns: on the left the
parent body, the issuing body, "*", the number ("Số 15-TB/ĐU") and, for a công văn, its
summary ("V/v …"); on the right "ĐẢNG CỘNG SẢN VIỆT NAM" and the place-date line; then,
centred, the kind ("THÔNG BÁO"), its subject and a short rule. Text exported from a PDF
interleaves the columns in any order, and re-flow may glue pieces into one line, so the
header is read as pieces, each recognised by its own shape. Numbers and days are often blank
("Số -TB/ĐU", "ngày tháng 12 năm 2025"): the clerk stamps them at signing, so the digital
signature stamp, a meeting date in the subject and the e-office file name fill them.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field, replace
from typing import Any

from rag.ingest.filename import (
    KIND_CODES,
    capitalise,
    format_number,
    is_upper,
    kind_code,
    sentence_case,
    title_case,
)
from rag.text import HEADING_RE

# Kinds of Party documents, keyed by the capitals of their kind line.
DOC_TYPES = {
    name.upper(): name
    for name in "Thông báo|Báo cáo|Nghị quyết|Kết luận|Chỉ thị|Kế hoạch|Quyết định|Công văn|Hướng dẫn|Tờ trình"
    "|Quy chế|Chương trình|Biên bản|Quy định".split("|")
}
NEWS_TYPE = "Tin"
GENERIC_TYPE = "Văn bản"


@dataclass
class Metadata:
    title: str = ""
    doc_type: str = GENERIC_TYPE
    number: str | None = None
    date: str | None = None  # ISO, possibly partial ("2025-09")
    issuer: str | None = None
    signer: str | None = None
    signer_role: str | None = None
    commune: str | None = None
    period: str | None = None
    classification: str | None = None  # "MẬT", "TỐI MẬT"
    classification_certain: bool = True  # False: a mark read in doubt, for an admin to check
    recipients: list[str] = field(default_factory=list)


def apply_override(meta: Metadata, overrides: dict[str, Any]) -> Metadata:
    """Fields given by an operator (`<file>.meta.json` beside the document, or a backup) win
    over inferred ones."""
    known = {key: value for key, value in overrides.items() if key in Metadata.__dataclass_fields__}
    return replace(meta, **known)


# ---------------------------------------------------------------------------
# Header

_MOTTO_RE = re.compile(
    r"ĐẢNG CỘNG SẢN VIỆT NAM|CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM|Độc lập\s*[-–]\s*Tự do\s*[-–]\s*Hạnh phúc"
)
# "<Place>, ngày 16 tháng 9 năm 2025"; the day (and its dots) may be blank.
_DATE_PART_RE = re.compile(
    r",\s*ngày\s*[.…\s]*(\d{1,2})?[.…\s]*tháng\s*[.…\s]*(\d{1,2})\s*[.…\s]*năm\s*(\d{4})", re.IGNORECASE
)
_CODE = r"[^\W\d_]{1,8}"
_ISSUER_CODE = r"[^\W\d_]{1,12}(?:-[^\W\d_]{1,12})*"
# Party numbers "Số 15-TB/ĐU" (blank "Số -TB/ĐU"); state and Front numbers "Số: 16/KH-MTTQ-BTT".
_PARTY_NUMBER_RE = re.compile(rf"(?<![^\W_])Số\s*:?\s*(\d{{1,5}})?\s*[-–]\s*({_CODE})\s*/\s*({_ISSUER_CODE})")
_STATE_NUMBER_RE = re.compile(rf"(?<![^\W_])Số\s*:?\s*(\d{{1,5}})?\s*/\s*(?:\d{{4}}/)?({_CODE})\s*-\s*({_ISSUER_CODE})")
_CLASSIFIED_RE = re.compile(r"^\**\s*(TUYỆT MẬT|TỐI MẬT|MẬT)\s*\**$")
_TO_RE = re.compile(r"Kính\s+gửi\s*:")
_ISSUER_RE = re.compile(r"^(?:ĐẢNG|CHI BỘ|BAN|ỦY BAN|TỈNH ỦY|THÀNH ỦY|HUYỆN ỦY|MẶT TRẬN|HỘI|ĐOÀN|VĂN PHÒNG)\b")
# "ĐẢNG ỦY XÃ CÔNG HẢI", "ỦY BAN MTTQ VIỆT NAM XÃ LƯƠNG MINH": a body of a commune-level unit and its
# name, which ends where a sub-body printed under it begins ("… LƯƠNG MINH BAN THƯỜNG TRỰC").
_LOCAL_BODY_RE = re.compile(
    r"^(.+?)\s+(XÃ|PHƯỜNG|THỊ TRẤN|ĐẶC KHU)\s+([^\W\d_]+(?:\s+(?!(?:BAN|TIỂU|THƯỜNG|VĂN|ĐẢNG|CHI)\b)[^\W\d_]+){0,3})"
)
_GLUED_ISSUER_RE = re.compile(r"ĐẢNG\s+(?:ỦY|BỘ)\s+(?:XÃ|PHƯỜNG|THỊ TRẤN|ĐẶC KHU)(?:\s+[^\W\d_]+){1,4}$")
_PROVINCE_RE = re.compile(r"(?<![^\W_])(?:TỈNH|THÀNH PHỐ)\s+([^\W\d_]+(?:\s+[^\W\d_]+){0,3})$")
# The day of the meeting a notice reports on: "cuộc họp ngày 19/12/2025", "Hội nghị vào ngày 13/11/2025".
_MEETING_DATE_RE = re.compile(
    r"(?:họp|hội nghị|làm việc)\s+(?:[^\W\d_]+\s+){0,2}?ngày\s+(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})", re.IGNORECASE
)


@dataclass
class Header:
    first: int = 0  # index of the first header line; footnotes a PDF prints first come before it
    end: int = 0  # index of the first line after the header
    date: str | None = None  # from the place-date line: "2025-09-16" or month only "2025-09"
    number_code: tuple[str, str] | None = None  # (kind, issuer) of a number line, blank or not
    event_date: str | None = None  # a date the subject names ("cuộc họp ngày 19/12/2025")
    names: dict[str, str] = field(default_factory=dict)  # lower-case → written form, for titles
    title_lines: list[int] = field(default_factory=list)  # the lines the title was read from


def _place_date(piece: str) -> tuple[int, re.Match[str], str] | None:
    """(start of the place, date match, place) of a place-date in a piece of a line."""
    match = _DATE_PART_RE.search(piece)
    if match is None:
        return None
    words = piece[: match.start()].split()
    place: list[str] = []
    for word in reversed(words[-5:]):  # a place is a few capitalised words right before ", ngày"
        if not word[0].isupper() or _MOTTO_RE.search(word):
            break
        place.insert(0, word)
    if not place:
        return None
    start = piece.rfind(place[0], 0, match.start())
    return start, match, " ".join(place)


def _number(text: str, anywhere: bool = False) -> re.Match[str] | None:
    for pattern in (_PARTY_NUMBER_RE, _STATE_NUMBER_RE):
        if (found := pattern.search(text) if anywhere else pattern.match(text)) is not None:
            return found
    return None


def _pieces(text: str) -> list[str]:
    """A header line cut into the pieces of the columns: at table cells (" | ", a Word header
    table), and where re-flow glued pieces together: around the motto, a place-date and a
    number, before "Kính gửi"."""
    pieces: list[str] = []
    for cell in text.split(" | "):
        cuts = {0, len(cell)}
        for match in _MOTTO_RE.finditer(cell):
            cuts |= {match.start(), match.end()}
        cuts |= {match.start() for match in _TO_RE.finditer(cell)}
        if (found := _place_date(cell)) is not None:
            cuts |= {found[0], found[1].end()}
        if (number := _number(cell, anywhere=True)) is not None:
            cuts |= {number.start(), number.end()}
        bounds = sorted(cuts)
        pieces += [piece for a, b in itertools.pairwise(bounds) if (piece := cell[a:b].strip(" ,;/"))]
    return pieces


def _kind(piece: str) -> tuple[str, str] | None:
    for upper, name in DOC_TYPES.items():
        if piece == upper or piece.startswith(upper + " "):
            return name, piece[len(upper) :].strip()
    return None


def _anchor(text: str) -> str | None:
    """Which header line a line (or a cell of a header table) is: issuing body, number, motto,
    place-date, classification; None for a line a body may hold too."""
    for cell in text.split(" | "):
        place = _place_date(cell)
        shapes = {"number": _number(cell), "motto": _MOTTO_RE.match(cell), "issuer": _issuer(cell)}
        shapes |= {"date": place is not None and place[0] == 0, "mark": _CLASSIFIED_RE.match(cell)}
        if found := next((shape for shape, hit in shapes.items() if hit), None):
            return found
    return None


def _issuer(piece: str) -> bool:
    """An issuing body in capitals; a longer line in capitals is a news headline."""
    return is_upper(piece) and len(piece.split()) <= 16 and bool(_ISSUER_RE.match(piece))


def _header_start(lines: list[str]) -> int:
    """The header starts the text, or, when a PDF printed the first page's footnotes before
    it, at the first of a cluster of header lines (two of different shapes within eight lines:
    a body may list document numbers, not a number and a motto)."""
    for i, line in enumerate(lines[:2]):
        if _anchor(line) or _kind(line):
            return i
    window = [(i, shape) for i, line in enumerate(lines[:60]) if (shape := _anchor(line))]
    for (a, first), (b, second) in itertools.pairwise(window):
        if b - a <= 8 and first != second:
            return a
    return 0


def read_header(lines: list[str], meta: Metadata) -> Header:
    """Header fields into `meta`; `lines` are the document's non-blank lines up to its ending."""
    header = Header(first=_header_start(lines))
    parts: list[tuple[str, bool]] = []  # title pieces after the kind: (text, written in capitals)
    summary: list[str] = []  # a công văn's "V/v …" under its number
    headline: str | None = None
    kind_at: int | None = None
    mixed = 0  # subject lines in mixed case
    read: dict[str, list[int]] = {"parts": [], "summary": [], "headline": []}  # where each was read
    i = header.first
    for before in lines[max(0, i - 2) : i]:  # the issuer, glued onto a footnote printed before it
        if (glued := _GLUED_ISSUER_RE.search(before)) is not None and is_upper(glued.group(0)):
            _issuer_line(glued.group(0), meta, header)
    while i < len(lines) and i < header.first + 30:
        text = lines[i]
        ruled = kind_at is not None and _rule_ahead(lines, kind_at)
        stop = False
        for piece in _pieces(text):
            if (place := _place_date(piece)) is not None and place[0] == 0:
                day, month, year = place[1].groups()
                header.date = f"{year}-{int(month):02d}-{int(day):02d}" if day else f"{year}-{int(month):02d}"
                meta.commune = meta.commune or place[2]
            elif _MOTTO_RE.fullmatch(piece):
                pass
            elif (classified := _CLASSIFIED_RE.match(piece)) is not None:
                meta.classification = classified.group(1)
            elif (number := _number(piece)) is not None:
                digits, code, issuer = number.groups()
                header.number_code = (code, issuer)
                if digits:
                    party = number.re is _PARTY_NUMBER_RE
                    meta.number = format_number(digits, code, issuer) if party else f"{digits}/{code}-{issuer}"
            elif _TO_RE.match(piece):
                i = _skip_addressees(lines, i)
                stop = True
                break
            elif not any(ch.isalnum() for ch in piece):
                if kind_at is not None and parts and len(piece) >= 3:
                    stop = True  # the rule under the subject closes the header
            elif (kind := _kind(piece)) is not None and kind_at is None:
                meta.doc_type, rest = kind
                kind_at = i
                read["parts"].append(i)
                if rest:
                    parts.append((rest, is_upper(rest)))
            elif is_upper(piece) and not HEADING_RE.match(piece):
                if kind_at is None:
                    if _issuer(piece):
                        _issuer_line(piece, meta, header)
                    elif len(piece) > 40 and headline is None:
                        headline = piece
                        read["headline"].append(i)
                elif mixed == 0:
                    parts.append((piece, True))
                    read["parts"].append(i)
                else:
                    i, stop = i - 1, True  # capitals after the subject: the body's first heading
                    break
            elif kind_at is not None and _subject_line(piece, ruled, mixed, i == kind_at + 1 and not parts):
                parts.append((piece, False))
                read["parts"].append(i)
                mixed += 1
            elif kind_at is None and header.number_code and not HEADING_RE.match(piece) and len(piece) < 250:
                summary.append(piece)
                read["summary"].append(i)
            else:
                i, stop = i - 1, True  # the first line of the body
                break
        i += 1
        if stop:
            break
    header.end = max(i, header.first)
    _title(meta, header, parts, summary, headline, read)
    return header


def _rule_ahead(lines: list[str], kind_at: int) -> bool:
    """A rule within a few lines of the kind: everything before it is the subject."""
    for line in lines[kind_at + 1 : kind_at + 7]:
        if not any(ch.isalnum() for ch in line) and len(line) >= 3:
            return True
        if HEADING_RE.match(line) or len(line) > 300:
            return False
    return False


# The legal bases ("Căn cứ Luật …;") open the body of a văn bản (Nghị định 30/2020, Phụ lục I).
_BASIS_RE = re.compile(r"^Căn\s+cứ\b")


def _subject_line(text: str, ruled: bool, mixed: int, first: bool) -> bool:
    if HEADING_RE.match(text) or len(text) > 250 or _BASIS_RE.match(text):
        return False
    if ruled or first or (mixed == 0 and text[:1].islower()):  # a sentence never opens in lower case
        return True
    return 0 < mixed < 2 and len(text) < 200 and not text.endswith((".", ":"))


def _skip_addressees(lines: list[str], i: int) -> int:
    """The last line of the "Kính gửi:" block: its line and the bullets listing the addressees."""
    while i + 1 < len(lines) and lines[i + 1].startswith(("-", "–", "+", "•")) and len(lines[i + 1]) < 200:
        i += 1
    return i


def _issuer_line(text: str, meta: Metadata, header: Header) -> None:
    if (local := _LOCAL_BODY_RE.match(text)) is not None:
        body, level, name = local.groups()
        meta.commune = title_case(name)
        header.names[meta.commune.lower()] = meta.commune
        body = sentence_case(body, {})
        meta.issuer = f"{body[0].upper()}{body[1:]} {level.lower()} {meta.commune}"  # "Đảng ủy xã Công Hải"
    elif (province := _PROVINCE_RE.search(text)) is not None:
        name = title_case(province.group(1))
        header.names[name.lower()] = name


def _title(
    meta: Metadata,
    header: Header,
    parts: list[tuple[str, bool]],
    summary: list[str],
    headline: str | None,
    read: dict[str, list[int]],
) -> None:
    lines = read["parts"]
    if not parts and summary and header.number_code and (code := kind_code(header.number_code[0])):
        meta.doc_type = KIND_CODES[code]  # a công văn has no kind line: its number says what it is
        parts = [(re.sub(r"^V/v\b", "về việc", summary[0]), False)] + [(s, False) for s in summary[1:]]
        lines = read["summary"]
    header.title_lines = sorted(set(lines if parts else read["headline"] if headline else []))
    if parts:
        words = [sentence_case(text, header.names) if upper else _lower_first(text) for text, upper in parts]
        meta.title = re.sub(r"\s+", " ", f"{meta.doc_type} " + " ".join(words)).strip()
        if (event := _MEETING_DATE_RE.search(meta.title)) is not None:
            day, month, year = (int(g) for g in event.groups())
            header.event_date = f"{year}-{month:02d}-{day:02d}"
    elif headline:
        meta.doc_type = NEWS_TYPE if meta.doc_type == GENERIC_TYPE else meta.doc_type
        meta.title = headline


def _lower_first(text: str) -> str:
    """The subject goes on after the kind: its first word loses its capital, an acronym or a
    body's name keeps it ("UBND", "Đảng ủy")."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        lowered = text[0].lower() + text[1:]
        return text if capitalise(lowered, {})[:1].isupper() else lowered
    return text
