"""Parser: document metadata and the section tree of a Party document.

Works on the cleaned text (see `rag.text.clean`); every offset refers to it. The header
(issuing body, number, place-date line, type and subject) and the ending (Nơi nhận,
signature) become metadata (read in `rag.ingest.header` and `rag.ingest.ending`); the body becomes sections and
paragraphs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.ingest.classification import find_mark
from rag.ingest.ending import ending_index, read_ending
from rag.ingest.filename import (
    KIND_CODES,
    FileNameInfo,
    Stamps,
    find_stamps,
    format_number,
    is_upper,
    kind_code,
    parse_file_name,
    sentence_case,
    title_case,
)
from rag.ingest.header import GENERIC_TYPE, Header, Metadata, read_header
from rag.text import BULLET_RE, DOC_NUMBER_RE, HEADING_RE, fold

# "PHỤ LỤC", "PHỤ LỤC 2", "Phụ lục số 03", "PHỤ LỤC II" on a line of its own.
APPENDIX_RE = re.compile(
    r"^\s*(?:#+\s*)?\**\s*PHỤ\s+LỤC(?:\s+(?:SỐ\s+)?([0-9IVXLC]{1,4}[a-z]?))?\s*:?\s*\**\s*$", re.IGNORECASE
)


@dataclass
class Line:
    start: int
    end: int
    text: str  # stripped of markdown heading and bold markers


def lines_of(text: str) -> list[Line]:
    out: list[Line] = []
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
            out.append(Line(start + lead, end - (len(raw) - len(raw.rstrip())), shown))
    return out


_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
_COMMUNE_IN_BODY_RE = re.compile(r"(?:Đảng\s+(?:bộ|ủy)|UBND|Ủy ban nhân dân)\s+xã\s+((?:[^\W\d_]+\s*){1,4})")
_DATE_RE = re.compile(r"ngày\s+(\d{1,2})/(\d{1,2})/(\d{4})", re.IGNORECASE)


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
    title: bool = False  # the header's kind and subject lines: a passage of their own


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

    Ranks: 0 PHẦN, PHỤ LỤC, 1 A., 2 I., 3 1., 4 1.1., 5 1.1.1., 6 bullet labels.
    """
    if appendix := APPENDIX_RE.match(line):
        return 0, "", " ".join(["Phụ lục", *appendix.groups(default="")]).strip()
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


_PERIOD_RES = (
    re.compile(r"quý\s+([IV]+|\d)\s*(?:năm\s+|/)\s*(\d{4})", re.IGNORECASE),
    re.compile(r"(\d+)\s+tháng\s+(đầu|cuối)\s+năm\s+(\d{4})", re.IGNORECASE),
    re.compile(r"tháng\s+(\d{1,2})\s*(?:năm\s+|/)\s*(\d{4})", re.IGNORECASE),
    re.compile(r"nhiệm\s+kỳ\s+(\d{4})\s*[-–]\s*(\d{4})", re.IGNORECASE),
    re.compile(r"năm\s+(\d{4})", re.IGNORECASE),
)


def period_of(text: str) -> str | None:
    """The period a heading or title speaks of ("tháng 10/2025", "quý IV/2025", "năm 2026")."""
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


def parse(text: str, file_name: str = "") -> ParsedDocument:
    lines = lines_of(text)
    texts = [line.text for line in lines]
    meta = Metadata()
    stamps = find_stamps(texts)

    # Ending: "Nơi nhận" or the signature block; its recipients and signer are metadata.
    # Appendices printed after the signature ("PHỤ LỤC 1": tables, lists of figures) are content.
    body_end_index = ending_index(texts)
    appendix = next((i for i in range(body_end_index, len(texts)) if APPENDIX_RE.match(texts[i])), len(texts))
    stamped_number = read_ending(texts[body_end_index:appendix], meta)

    # Header: before the first body paragraph; footnotes a PDF printed above it stay content.
    header = read_header(texts[:body_end_index], meta)
    if meta.classification is None and (mark := find_mark(texts)) is not None:
        meta.classification, meta.classification_certain = mark.level, mark.certain
    notes = [line for i, line in enumerate(lines[: header.first]) if i not in stamps.lines]
    body = [line for i, line in enumerate(lines[:body_end_index]) if i >= header.end and i not in stamps.lines]
    # An appendix page repeats the issuer's header lines: those are not its content.
    repeated = set(texts[: header.end])
    appended = [
        line
        for i, line in enumerate(lines[appendix:], start=appendix)
        if i not in stamps.lines and line.text not in repeated
    ]

    sections: list[Section] = []
    paragraphs: list[Paragraph] = []
    if notes:  # in a section of their own, so that no passage runs from them over the header
        sections.append(Section(0, None, 0, "", "Chú thích", notes[0].start, notes[-1].end))
        paragraphs += [Paragraph(line.start, line.end, 0, False) for line in notes]
    if header.title_lines:  # the title as written, so that a citation can quote it
        first, last = lines[header.title_lines[0]], lines[header.title_lines[-1]]
        paragraphs.append(Paragraph(first.start, last.end, None, False, title=True))
    stack: list[int] = []
    last_letter: str | None = None
    # Some reports open with "A." and go on with "II.", "III.": those romans are siblings of "A.".
    roman_as_letter = False
    seen_roman = False
    main_body, body = body, body + appended
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
            if rank == 0 and i + 1 < len(body) and is_upper(body[i + 1].text) and not _heading(body[i + 1].text, None):
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

    _finish(meta, header, main_body, stamps, stamped_number, parse_file_name(file_name) if file_name else None)
    return ParsedDocument(text=text, metadata=meta, sections=sections, paragraphs=paragraphs)


def _clause(text: str) -> str:
    """A short title for a numbered paragraph: its first clause."""
    cut = re.split(r"[;:.](?:\s|$)", text, maxsplit=1)[0]
    return cut if len(cut) <= 100 else cut[:97].rsplit(" ", 1)[0] + "…"


def _name_words(raw: str) -> str | None:
    words: list[str] = []
    for word in raw.split():
        if not word[0].isupper():
            break
        words.append(word.strip(",.;:"))
    return " ".join(words) or None


def _finish(
    meta: Metadata, header: Header, body: list[Line], stamps: Stamps, stamped: str | None, name: FileNameInfo | None
) -> None:
    """What the header left blank, from the body, the signature stamps and the file name."""
    body_text = "\n".join(line.text for line in body)
    if meta.commune is None:
        for match in _COMMUNE_IN_BODY_RE.finditer(body_text):
            commune = _name_words(match.group(1))
            if commune:
                meta.commune = commune
                break
    if meta.issuer and is_upper(meta.issuer):
        body_name = title_case(meta.issuer).replace("Đảng Ủy", "Đảng ủy").replace("Thường Vụ", "Thường vụ")
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
    _number_and_kind(meta, header, stamped, name)
    meta.date = _document_date(header, stamps, name)
    if meta.date is None and body:
        first = body[0].text
        for match in _DATE_RE.finditer(first):
            before = first[max(0, match.start() - 60) : match.start()]
            if not DOC_NUMBER_RE.search(before):
                meta.date = f"{match.group(3)}-{int(match.group(2)):02d}-{int(match.group(1)):02d}"
                break
    meta.date = meta.date or header.event_date or (name.date if name else None)
    meta.period = meta.period or period_of(meta.title) or (period_of(body[0].text) if body else None)
    if not meta.title and name is not None and name.kind and name.number:
        # What the clerk typed after the registration, in capitals or not: "Công văn số 226-CV/ĐU: mời họp BTV".
        subject = name.subject and (sentence_case(name.subject, {}) if is_upper(name.subject) else name.subject)
        meta.title = f"{name.kind} số {name.number}" + (f": {subject}" if subject else "")
    meta.title = meta.title or (name.stem if name else "Tài liệu")


def _number_and_kind(meta: Metadata, header: Header, stamped: str | None, name: FileNameInfo | None) -> None:
    """A blank number ("Số -TB/ĐU") takes the number stamped at signing, else the file name's
    when it names the same kind and issuer; the kind falls back the same way."""
    code = header.number_code
    if meta.number is None and stamped and code:
        meta.number = format_number(stamped, *code)
    if meta.number is None and name is not None and name.number:
        kind, issuer = name.number.split("-", 1)[1].split("/", 1)
        if code is None or (fold(kind) == fold(code[0]) and fold(issuer) == fold(code[1])):
            meta.number = name.number
    if meta.doc_type == GENERIC_TYPE:
        if code and (known := kind_code(code[0])):
            meta.doc_type = KIND_CODES[known]
        elif name is not None and name.kind:
            meta.doc_type = name.kind


def _document_date(header: Header, stamps: Stamps, name: FileNameInfo | None) -> str | None:
    """The place-date line's date; when it gives only the month, the day of the digital
    signature (the clerk dates a document when signing it), else of the meeting the subject
    names, else of a date in the file name, provided it falls in that month."""
    if header.date and len(header.date) == 10:
        return header.date
    signed = max(stamps.dates) if stamps.dates else None  # the last signature issues the document
    if header.date:
        days = (signed, header.event_date, name.date if name else None)
        return next((day for day in days if day and day.startswith(header.date + "-")), header.date)
    return signed
