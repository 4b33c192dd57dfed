"""Parser: document metadata and the section tree of a Party document.

Works on the cleaned text (see `rag.text.clean`); every offset refers to it. The header
(issuing body, number, place-date line, type and subject) and the ending (Nơi nhận,
signature) become metadata; the body becomes sections and paragraphs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rag.text import BULLET_RE, DOC_NUMBER_RE, HEADING_RE, doc_number, fold

DOC_TYPES = {
    "THÔNG BÁO": "Thông báo",
    "BÁO CÁO": "Báo cáo",
    "NGHỊ QUYẾT": "Nghị quyết",
    "KẾT LUẬN": "Kết luận",
    "CHỈ THỊ": "Chỉ thị",
    "KẾ HOẠCH": "Kế hoạch",
    "QUYẾT ĐỊNH": "Quyết định",
    "CÔNG VĂN": "Công văn",
    "HƯỚNG DẪN": "Hướng dẫn",
    "TỜ TRÌNH": "Tờ trình",
    "QUY CHẾ": "Quy chế",
    "CHƯƠNG TRÌNH": "Chương trình",
    "BIÊN BẢN": "Biên bản",
    "QUY ĐỊNH": "Quy định",
}
NEWS_TYPE = "Tin"
GENERIC_TYPE = "Văn bản"

_PLACE_DATE_RE = re.compile(
    r"^\s*([^\W\d_][^,\n]{1,40}),\s*ngày\s*(\d{1,2})?\s*tháng\s*(\d{1,2})\s*năm\s*(\d{4})", re.IGNORECASE
)
_NUMBER_LINE_RE = re.compile(r"^\s*Số\s*:?\s*(\d{1,5})\s*[-–]\s*([A-ZĐ]{1,6})\s*/\s*([A-ZĐ\-]{1,12})", re.MULTILINE)
_CLASSIFIED_RE = re.compile(r"^\s*\**\s*(TUYỆT MẬT|TỐI MẬT|MẬT)\s*\**\s*$")
_ENDING_RE = re.compile(r"^\s*(?:#+\s*)?\**\s*Nơi\s+nhận\s*:?", re.IGNORECASE)
_SIGNATURE_RE = re.compile(r"^\s*\**\s*(?:T/M|TM\.|T/L|TL\.|KT\.|K/T)\s", re.IGNORECASE)
_COMMUNE_IN_BODY_RE = re.compile(r"(?:Đảng\s+(?:bộ|ủy)|UBND|Ủy ban nhân dân)\s+xã\s+((?:[^\W\d_]+\s*){1,4})")
_HEADER_COMMUNE_RE = re.compile(r"^\s*ĐẢNG\s+(?:ỦY|BỘ)\s+XÃ\s+([^\W\d_]+(?:\s+[^\W\d_]+){0,3})\s*$")
_DATE_RE = re.compile(r"ngày\s+(\d{1,2})/(\d{1,2})/(\d{4})", re.IGNORECASE)
_PERIOD_RES = (
    re.compile(r"quý\s+([IV]+|\d)\s*(?:năm\s+|/)\s*(\d{4})", re.IGNORECASE),
    re.compile(r"(\d+)\s+tháng\s+(đầu|cuối)\s+năm\s+(\d{4})", re.IGNORECASE),
    re.compile(r"tháng\s+(\d{1,2})\s*(?:năm\s+|/)\s*(\d{4})", re.IGNORECASE),
    re.compile(r"nhiệm\s+kỳ\s+(\d{4})\s*[-–]\s*(\d{4})", re.IGNORECASE),
    re.compile(r"năm\s+(\d{4})", re.IGNORECASE),
)
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


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
    recipients: list[str] = field(default_factory=list)


@dataclass
class Section:
    index: int
    parent: int | None
    rank: int
    label: str  # "II", "4", "2.1"; "" for unnumbered sub-headings
    title: str
    start: int  # offset of the heading line
    end: int = 0  # end of the section, children included

    @property
    def heading(self) -> str:
        return f"{self.label}. {self.title}" if self.label else self.title


@dataclass
class Paragraph:
    start: int
    end: int
    section: int | None  # index into sections; None before the first heading
    bullet: bool


@dataclass
class ParsedDocument:
    text: str
    metadata: Metadata
    sections: list[Section]
    paragraphs: list[Paragraph]

    def path(self, section: int | None) -> list[Section]:
        chain: list[Section] = []
        while section is not None:
            chain.append(self.sections[section])
            section = self.sections[section].parent
        return chain[::-1]

    def section_label(self, section: int | None) -> str:
        """Citation form of a section: "A.2.1", "II.4"."""
        parts: list[str] = []
        part = ""
        for node in self.path(section):
            if node.rank == 0:
                part = node.title.split(":")[0].strip().capitalize() + ", mục "
            if not node.label:
                continue
            if parts and node.label.startswith(parts[-1] + "."):
                parts[-1] = node.label
            else:
                parts.append(node.label)
        return part + ".".join(parts) if parts else part.removesuffix(", mục ")

    def section_path(self, section: int | None) -> str:
        return " › ".join(node.heading for node in self.path(section))


@dataclass
class _Line:
    start: int
    end: int
    text: str  # stripped of markdown heading and bold markers


def _lines(text: str) -> list[_Line]:
    out: list[_Line] = []
    pos = 0
    for raw in text.split("\n"):
        start, end = pos, pos + len(raw)
        pos = end + 1
        stripped = raw.strip()
        if not stripped:
            continue
        shown = re.sub(r"^#{1,6}\s*", "", stripped).replace("**", "").strip()
        if shown:
            lead = len(raw) - len(raw.lstrip())
            out.append(_Line(start + lead, end - (len(raw) - len(raw.rstrip())), shown))
    return out


def _is_upper(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and all(ch.isupper() for ch in letters)


def _doc_type(line: str) -> tuple[str, str] | None:
    """(type, rest of line) when the line opens with a document type in capitals."""
    for upper, name in DOC_TYPES.items():
        if line == upper or (line.startswith(upper + " ") and not _is_upper(line)):
            return name, line[len(upper) :].strip()
    return None


def _roman(label: str) -> int | None:
    values = [_ROMAN.get(ch) for ch in label]
    if not label or None in values:
        return None
    total = 0
    for i, value in enumerate(values):
        assert value is not None
        nxt = values[i + 1] if i + 1 < len(values) else 0
        total += -value if nxt and nxt > value else value
    return total


def _heading(line: str, last_letter: str | None) -> tuple[int, str, str] | None:
    """(rank, label, title) of a numbered heading line.

    Ranks: 0 PHẦN, 1 A., 2 I., 3 1., 4 1.1., 5 1.1.1., 6 bullet labels.
    """
    match = HEADING_RE.match(line)
    if not match:
        return None
    token = match.group(1)
    rest = line[match.end() :].strip(" .:")
    compact = re.sub(r"\s+", "", token).rstrip(".")
    if compact.upper().startswith("PHẦN"):
        return 0, "", token.strip()
    if compact.isalpha():
        is_letter = len(compact) == 1 and (
            compact not in _ROMAN or (last_letter is not None and ord(compact) == ord(last_letter) + 1)
        )
        if is_letter:
            return 1, compact, rest
        if _roman(compact):
            return 2, compact, rest
        return None
    depth = compact.count(".")
    return 3 + min(depth, 2), compact, rest


def _sub_heading(line: str) -> str | None:
    """Short bullet labels such as "- Kết quả đạt được:" head the bullets after them."""
    if BULLET_RE.match(line) and line.endswith(":") and len(line) <= 60:
        return BULLET_RE.sub("", line).rstrip(":").strip()
    return None


def _title_case(upper: str) -> str:
    return " ".join(word.capitalize() for word in upper.split())


def _name_words(raw: str) -> str | None:
    words: list[str] = []
    for word in raw.split():
        if not word[0].isupper():
            break
        words.append(word.strip(",.;:"))
    return " ".join(words) or None


def _period(text: str) -> str | None:
    for pattern in _PERIOD_RES:
        match = pattern.search(text)
        if not match:
            continue
        groups = match.groups()
        if pattern is _PERIOD_RES[0]:
            quarter = groups[0].upper()
            if quarter.isdigit():
                quarter = "I" * int(quarter) if int(quarter) < 4 else "IV"
            return f"quý {quarter}/{groups[1]}"
        if pattern is _PERIOD_RES[1]:
            return f"{groups[0]} tháng {groups[1].lower()} năm {groups[2]}"
        if pattern is _PERIOD_RES[2]:
            return f"tháng {int(groups[0])}/{groups[1]}"
        if pattern is _PERIOD_RES[3]:
            return f"nhiệm kỳ {groups[0]}-{groups[1]}"
        return f"năm {groups[0]}"
    return None


_ASSIGNS_RE = re.compile(
    r"nhiem vu trong tam|phuong huong|nhiem vu,? giai phap|giai phap trong tam|chi tieu|ke hoach"
    r"|nhiem vu (?:nam|thang|quy|trong)"
)
_REPORTS_RE = re.compile(r"ket qua|danh gia|uu diem|han che|kho khan|tinh hinh|de xuat|kien nghi")


def heading_intent(section_path: str) -> int:
    """+1 under a heading that assigns work ("Nhiệm vụ trọng tâm tháng 10"), -1 under one
    that reports ("Kết quả thực hiện nhiệm vụ năm 2025", "Hạn chế", "Đề xuất, kiến nghị"),
    decided by the nearest heading that says either; 0 when none does or one says both
    ("Về tình hình thực hiện nhiệm vụ 9 tháng; nhiệm vụ trọng tâm 3 tháng cuối năm")."""
    for heading in reversed(fold(section_path).split(" › ")):
        if len(heading.split()) > 14:  # a numbered item ("4. Phấn đấu … được đánh giá …"), not a heading
            continue
        assigns = bool(_ASSIGNS_RE.search(heading))
        reports = bool(_REPORTS_RE.search(heading))
        if "ket qua thuc hien" in heading:
            return -1
        if assigns != reports:
            return 1 if assigns else -1
        if assigns:
            return 0
    return 0


def period_of(text: str) -> str | None:
    """The period a heading or title speaks of ("tháng 10/2025", "quý IV/2025", "năm 2026")."""
    return _period(text)


def parse(text: str, file_name: str = "") -> ParsedDocument:
    lines = _lines(text)
    meta = Metadata()

    # Ending: "Nơi nhận" or the signature block, whichever comes first near the end.
    body_end_index = len(lines)
    for i, line in enumerate(lines):
        if _ENDING_RE.match(line.text) or (_SIGNATURE_RE.match(line.text) and i > len(lines) * 0.5):
            body_end_index = i
            break
    tail = lines[body_end_index:]
    _parse_tail(tail, meta)

    # Header: everything before the first body paragraph.
    body_start_index = _parse_header(lines[:body_end_index], meta)
    body = lines[body_start_index:body_end_index]

    sections: list[Section] = []
    paragraphs: list[Paragraph] = []
    stack: list[int] = []
    last_letter: str | None = None
    # Some reports open with "A." and go on with "II.", "III.": those romans are siblings of "A.".
    roman_as_letter = False
    seen_roman = False
    i = 0
    while i < len(body):
        line = body[i]
        head = _heading(line.text, last_letter)
        sub = None if head else _sub_heading(line.text)
        if head or sub:
            rank, label, title = head if head else (6, "", sub or "")
            if rank == 1:
                last_letter = label
            elif rank == 2:
                value = _roman(label) or 0
                if not seen_roman and value > 1 and last_letter and ord(last_letter) - ord("A") + 2 == value:
                    roman_as_letter = True
                seen_roman = True
                rank = 1 if roman_as_letter else rank
            if rank == 0 and i + 1 < len(body) and _is_upper(body[i + 1].text) and not _heading(body[i + 1].text, None):
                title = f"{title}: {body[i + 1].text}"
                i += 1
            numbered_paragraph = bool(head) and len(title) > 120
            shown = _clause(title) if numbered_paragraph else title
            while stack and sections[stack[-1]].rank >= rank:
                sections[stack.pop()].end = line.start
            parent = stack[-1] if stack else None
            sections.append(Section(len(sections), parent, rank, label, shown, line.start))
            stack.append(len(sections) - 1)
            if numbered_paragraph:
                paragraphs.append(Paragraph(line.start, body[i].end if head else line.end, stack[-1], False))
            i += 1
            continue
        paragraphs.append(
            Paragraph(line.start, line.end, stack[-1] if stack else None, bool(BULLET_RE.match(line.text)))
        )
        i += 1
    end = body[-1].end if body else 0
    for index in stack:
        sections[index].end = end
    # A numbered line with nothing under it is an item, not a heading: its words are content.
    filled = {p.section for p in paragraphs} | {s.parent for s in sections}
    heading_lines = {line.start: line for line in body}
    for section in sections:
        if section.index not in filled and section.rank > 0:
            line = heading_lines[section.start]
            paragraphs.append(Paragraph(line.start, line.end, section.index, False))
    paragraphs.sort(key=lambda p: p.start)

    _infer_from_body(text, lines, body, meta, file_name)
    return ParsedDocument(text=text, metadata=meta, sections=sections, paragraphs=paragraphs)


def _clause(text: str) -> str:
    """A short title for a numbered paragraph: its first clause."""
    cut = re.split(r"[;:.](?:\s|$)", text, maxsplit=1)[0]
    return cut if len(cut) <= 100 else cut[:97].rsplit(" ", 1)[0] + "…"


def _parse_header(lines: list[_Line], meta: Metadata) -> int:
    i = 0
    subject: list[str] = []
    headline: str | None = None
    expecting_subject = False
    while i < len(lines) and i < 15:
        text = lines[i].text
        if _CLASSIFIED_RE.match(text):
            meta.classification = _CLASSIFIED_RE.match(text).group(1)  # type: ignore[union-attr]
        elif (place := _PLACE_DATE_RE.match(text)) is not None:
            meta.commune = meta.commune or place.group(1).strip()
            day, month, year = place.group(2), int(place.group(3)), place.group(4)
            meta.date = f"{year}-{month:02d}-{int(day):02d}" if day else f"{year}-{month:02d}"
        elif (number := _NUMBER_LINE_RE.match(text)) is not None:
            meta.number = doc_number(*number.groups())
        elif (kind := _doc_type(text)) is not None:
            meta.doc_type = kind[0]
            if kind[1]:
                subject.append(kind[1])
            expecting_subject = not kind[1]
        elif not any(ch.isalnum() for ch in text):
            expecting_subject = False
        elif _is_upper(text) and not HEADING_RE.match(text):
            if (commune := _HEADER_COMMUNE_RE.match(text)) is not None:
                meta.issuer = _title_case(text).replace("Ủy", "ủy").replace("Bộ", "bộ").replace("Xã", "xã")
                meta.commune = _title_case(commune.group(1))
            elif len(text) > 40 and headline is None and not subject:
                headline = text
            elif not text.startswith(("ĐẢNG", "CỘNG HÒA", "ĐỘC LẬP")) and subject:
                break
        elif expecting_subject or (
            subject
            and len(text) < 200
            and not text.endswith((".", ":"))
            and not HEADING_RE.match(text)
            and len(subject) < 2
        ):
            if HEADING_RE.match(text) or len(text) > 250:
                break
            subject.append(text)
            expecting_subject = False
        else:
            break
        i += 1
    if subject:
        meta.title = f"{meta.doc_type} {subject[0][0].lower()}{subject[0][1:]}" + "".join(" " + s for s in subject[1:])
        meta.title = re.sub(r"\s+", " ", meta.title)
    elif headline:
        meta.doc_type = NEWS_TYPE if meta.doc_type == GENERIC_TYPE else meta.doc_type
        meta.title = headline
    return i


def _parse_tail(tail: list[_Line], meta: Metadata) -> None:
    signature_at = next((i for i, line in enumerate(tail) if _SIGNATURE_RE.match(line.text)), None)
    recipients = tail[1:signature_at] if tail and _ENDING_RE.match(tail[0].text) else []
    meta.recipients = [BULLET_RE.sub("", line.text).rstrip(",;. ") for line in recipients]
    if signature_at is None:
        return
    block = [line.text for line in tail[signature_at:]]
    roles = [text for text in block[1:] if _is_upper(text)]
    names = [text for text in block[1:] if not _is_upper(text)]
    meta.signer_role = " ".join(roles).strip() or None
    meta.signer = names[-1].strip() if names else None
    acting_for = re.sub(r"^\s*(?:T/M|TM\.|T/L|TL\.|KT\.|K/T)\s*", "", block[0], flags=re.IGNORECASE).strip()
    meta.issuer = meta.issuer or acting_for  # completed with the commune in _infer_from_body


def _infer_from_body(text: str, lines: list[_Line], body: list[_Line], meta: Metadata, file_name: str) -> None:
    body_text = "\n".join(line.text for line in body)
    if meta.commune is None:
        for match in _COMMUNE_IN_BODY_RE.finditer(body_text):
            name = _name_words(match.group(1))
            if name:
                meta.commune = name
                break
    if meta.issuer and _is_upper(meta.issuer):
        body_name = _title_case(meta.issuer).replace("Đảng Ủy", "Đảng ủy").replace("Thường Vụ", "Thường vụ")
        meta.issuer = (
            f"{body_name} Đảng ủy xã {meta.commune}" if "Đảng ủy" not in body_name and meta.commune else body_name
        )
        if meta.issuer == "Đảng ủy" and meta.commune:
            meta.issuer = f"Đảng ủy xã {meta.commune}"
    if meta.issuer is None and meta.commune:
        reporter = re.search(
            r"(Ban Thường vụ|Ban Chấp hành|Thường trực)\s+Đảng\s+(?:ủy|bộ)\s+xã\s+" + re.escape(meta.commune), body_text
        )
        meta.issuer = f"{reporter.group(1)} Đảng ủy xã {meta.commune}" if reporter else f"Đảng ủy xã {meta.commune}"
    if meta.date is None and body:
        first = body[0].text
        for match in _DATE_RE.finditer(first):
            before = first[max(0, match.start() - 60) : match.start()]
            if not DOC_NUMBER_RE.search(before):
                meta.date = f"{match.group(3)}-{int(match.group(2)):02d}-{int(match.group(1)):02d}"
                break
    meta.period = meta.period or _period(meta.title) or (_period(body[0].text) if body else None)
    if not meta.title:
        meta.title = Path(file_name).stem if file_name else "Tài liệu"


def apply_override(meta: Metadata, overrides: dict[str, Any]) -> Metadata:
    """Fields given by an operator (`<file>.meta.json` beside the document, or a backup) win
    over inferred ones."""
    known = {key: value for key, value in overrides.items() if key in Metadata.__dataclass_fields__}
    return replace(meta, **known)
