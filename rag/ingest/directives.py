"""References to other Party and State documents: "Chỉ thị số 50-CT/TW, ngày 23/7/2025 của Ban
Bí thư “Về …”", lists ("Kết luận số 127-KL/TW, 128-KL/TW"), bare numbers, and references
without a number ("Nghị quyết Đại hội Đảng bộ xã", "NĐ178")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.ingest.chunk import Chunk, passage_at
from rag.text import DOC_NUMBER_RE, doc_number, fold


@dataclass(frozen=True)
class DirectiveItem:
    code: str  # "50-CT/TW"; for references without a number, the name ("Nghị quyết Đại hội Đảng bộ xã")
    kind: str  # "Chỉ thị"
    number: str | None
    issuer_code: str | None  # "TW"
    date: str | None  # ISO
    issuing_body: str | None  # "Ban Bí thư"
    subject: str | None
    start: int
    end: int
    passage: int


KINDS = {
    "CT": "Chỉ thị",
    "NQ": "Nghị quyết",
    "KL": "Kết luận",
    "QĐ": "Quyết định",
    "CV": "Công văn",
    "TB": "Thông báo",
    "HD": "Hướng dẫn",
    "KH": "Kế hoạch",
    "QC": "Quy chế",
    "QĐi": "Quy định",
    "BC": "Báo cáo",
    "TTr": "Tờ trình",
    "NĐ": "Nghị định",
}
ISSUERS = {
    "TW": "Trung ương",
    "TU": "Tỉnh ủy / Thành ủy",
    "ĐU": "Đảng ủy",
    "BTCTU": "Ban Tổ chức Tỉnh ủy / Thành ủy",
    "VPTW": "Văn phòng Trung ương",
    "UBKTTW": "Ủy ban Kiểm tra Trung ương",
}
_KIND_WORDS = "|".join(sorted(set(KINDS.values()), key=len, reverse=True))
_CODE = r"\d{1,5}\s*[-–]\s*[A-ZĐ][A-Za-zĐđ]{0,5}\s*/\s*[A-ZĐ]{1,10}(?:-[A-ZĐ]{1,10})?"
_REFERENCE_RE = re.compile(
    rf"(?P<kind>{_KIND_WORDS})\s+(?:số\s+)?(?P<codes>{_CODE}(?:\s*(?:,|và)\s*{_CODE})*)", re.IGNORECASE
)
_BARE_CODE_RE = re.compile(rf"(?<![\w/-]){_CODE}(?![\w/])")
_NAMED_RE = re.compile(
    r"Nghị quyết (?:Đại hội|Đại hội đại biểu) Đảng bộ (?P<level>xã|tỉnh|thành phố|các cấp)"
    r"(?: lần thứ (?:[IVX]+|\d+|nhất|hai|ba))?"
    r"|Nghị quyết của Quốc hội(?P<qh> về [^;.]+)?"
    r"|(?<![\w])NĐ\s?(?P<decree>\d{2,4})(?![\w/])"
)
_DATE_AFTER_RE = re.compile(r"^\s*,?\s*(?:ban hành\s+)?ngày\s+(\d{1,2})/(\d{1,2})/(\d{4})")
_ORGAN = (
    r"(?i:Ban Chấp hành(?: Trung ương)?|Bộ Chính trị|Ban Bí thư|Ban Thường vụ|Ban Tổ chức|Ban Tuyên giáo|Ban Dân vận"
    r"|Ủy ban Kiểm tra|Văn phòng|Đảng ủy|Tỉnh ủy|Thành ủy|Chính phủ|Quốc hội|Thủ tướng(?: Chính phủ)?)"
)
_PLACE = r"(?:\s+(?:xã|tỉnh|thành phố|huyện))?(?:\s+(?!Ban\b|Bộ\b)[A-ZĐ][^\s,;.“”«»\"]*){0,3}"
_ISSUING_UNIT = rf"{_ORGAN}(?:\s*-?\s*{_ORGAN})*{_PLACE}"
_BODY_AFTER_RE = re.compile(rf"^\s*,?\s*của\s+({_ISSUING_UNIT}(?:\s*(?:,|và)\s*{_ISSUING_UNIT})*)")
_SUBJECT_AFTER_RE = re.compile(
    r"^\s*,?\s*(?:[“«\"]\s*(.+?)\s*[”»\"]|về\s+(?:việc\s+)?(.+?)"
    r"(?=;|\.\s|\.$|,\s+(?:Ban|Đảng|Bộ|Ủy)[^,;.]{0,60}\s(?:báo cáo|thông báo|tổ chức|ban hành)\b"
    rf"|\s+(?:và|,)\s+(?:{_KIND_WORDS})\b|$))"
)


def directives(text: str, chunks: list[Chunk]) -> list[DirectiveItem]:
    out: list[DirectiveItem] = []
    taken: list[tuple[int, int]] = []
    for match in _REFERENCE_RE.finditer(text):
        kind = _canonical_kind(match.group("kind"))
        codes = list(_BARE_CODE_RE.finditer(text, match.start("codes"), match.end("codes")))
        date, body, subject, tail_end = _details(text, match.end())
        for code_match in codes:
            out.extend(_mention(code_match.group(0), kind, date, body, subject, match.start(), tail_end, chunks))
        taken.append((match.start(), match.end()))
    for code_match in _BARE_CODE_RE.finditer(text):
        if any(a <= code_match.start() < b for a, b in taken):
            continue
        code = _normal_code(code_match.group(0))
        kind = KINDS.get(code.split("-", 1)[1].split("/")[0], "Văn bản")
        date, body, subject, tail_end = _details(text, code_match.end())
        out.extend(_mention(code_match.group(0), kind, date, body, subject, code_match.start(), tail_end, chunks))
    for named in _NAMED_RE.finditer(text):
        passage = passage_at(chunks, named.start())
        if passage is None:
            continue
        subject = None
        if named.group("decree"):
            code, kind, number = f"NĐ {named.group('decree')}", "Nghị định", named.group("decree")
        elif named.group("level"):
            # "lần thứ I", "lần thứ nhất" or none: in a commune's papers, the same congress
            code, kind, number = f"Nghị quyết Đại hội Đảng bộ {named.group('level')}", "Nghị quyết", None
        else:
            code, kind, number = "Nghị quyết của Quốc hội", "Nghị quyết", None
            subject = (named.group("qh") or "").removeprefix(" về ").strip() or None
        out.append(DirectiveItem(code, kind, number, None, None, None, subject, named.start(), named.end(), passage))
    return sorted(out, key=lambda m: m.start)


def _canonical_kind(word: str) -> str:
    folded = fold(word)
    return next((kind for kind in KINDS.values() if fold(kind) == folded), word)


def _normal_code(raw: str) -> str:
    """ "05 - CT/TW" -> "05-CT/TW": spacing and case normalised, the number as written."""
    match = DOC_NUMBER_RE.search(raw)
    if not match:
        return re.sub(r"\s+", "", raw)
    number, kind, issuer = match.groups()
    issuer = re.sub(r"\s+", "", issuer)
    return f"{number}-{kind.upper()}/{issuer.upper()}"


def directive_key(code: str) -> str:
    """Lookup key of a document number: case, spacing and leading zeros do not matter."""
    match = DOC_NUMBER_RE.search(code)
    return fold(doc_number(*match.groups())) if match else fold(re.sub(r"\s+", " ", code).strip())


def _details(text: str, pos: int) -> tuple[str | None, str | None, str | None, int]:
    """Date, issuing body and subject written right after a reference."""
    date = body = subject = None
    rest = text[pos : pos + 400].split("\n", 1)[0]
    consumed = 0
    if m := _DATE_AFTER_RE.match(rest):
        date = f"{m.group(3)}-{int(m.group(2)):02d}-{int(m.group(1)):02d}"
        consumed = m.end()
    if m := _BODY_AFTER_RE.match(rest[consumed:]):
        body = m.group(1).strip(" ,-")
        consumed += m.end()
        if not date and (d := _DATE_AFTER_RE.match(rest[consumed:])):
            date = f"{d.group(3)}-{int(d.group(2)):02d}-{int(d.group(1)):02d}"
            consumed += d.end()
    if m := _SUBJECT_AFTER_RE.match(rest[consumed:]):
        subject = (m.group(1) or m.group(2) or "").strip(" ,;")
        subject = re.sub(r"^[Vv]ề\s+", "", subject.split(";")[0]).strip(' ,“”«»"') or None
        consumed += m.end()
    return date, body, subject, pos + consumed


def _mention(
    raw: str,
    kind: str,
    date: str | None,
    body: str | None,
    subject: str | None,
    start: int,
    end: int,
    chunks: list[Chunk],
) -> list[DirectiveItem]:
    passage = passage_at(chunks, start)
    if passage is None:
        return []
    code = _normal_code(raw)
    number, rest = code.split("-", 1)
    issuer = rest.split("/", 1)[1]
    end = max(end, start + len(raw))
    return [DirectiveItem(code, kind, number, issuer, date, body, subject, start, end, passage)]
