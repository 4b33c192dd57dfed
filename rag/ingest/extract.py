"""Structured knowledge extracted at ingest: tasks by unit, directive references, figures.

Every extracted item keeps the offsets of its quote in the document text and the passage
that holds it, so it is cited exactly like a retrieved passage.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from rag.ingest.chunk import Chunk, passage_at
from rag.ingest.directives import DirectiveItem, directives
from rag.ingest.parse import ParsedDocument, heading_intent, period_of
from rag.text import BULLET_RE, DOC_NUMBER_RE, parse_number, sentence_spans
from rag.units import UnitRegistry


@dataclass(frozen=True)
class TaskItem:
    unit: str
    text: str
    start: int
    end: int
    passage: int  # chunk ordinal
    period: str | None
    deadline: str | None
    role: str | None  # "chủ trì" / "phối hợp" when the text says so


@dataclass(frozen=True)
class FigureItem:
    value: float
    total: float | None  # "1.309/1.860 đảng viên": value of total
    unit: str  # "đảng viên", "%", "tỷ đồng"
    label: str  # the words before the number that say what it counts ("kết nạp")
    start: int
    end: int
    passage: int
    period: str | None


@dataclass
class Extraction:
    tasks: list[TaskItem]
    directives: list[DirectiveItem]
    figures: list[FigureItem]


def extract(doc: ParsedDocument, chunks: list[Chunk], units: UnitRegistry) -> Extraction:
    return Extraction(_tasks(doc, chunks, units), directives(doc.text, chunks), _figures(doc, chunks))


_UNIT_HEAD_RE = re.compile(
    r"^(Ban|Hội|Đoàn|Ủy ban|Văn phòng|Trung tâm|Chi bộ|Đảng bộ|Đảng ủy|Công an|Quân sự|Phòng|Tổ|Trường|Trạm)\s"
)


def discover_units(doc: ParsedDocument, units: UnitRegistry) -> list[str]:
    """Headings of task sections that name a unit the registry does not know yet
    ("5. Tổ Công tác viên 35"): such a heading's bullets are that unit's tasks."""
    found: list[str] = []
    for section in doc.sections:
        title = section.title.strip(" .:")
        if (
            section.rank >= 3
            and len(title.split()) <= 8
            and _UNIT_HEAD_RE.match(title)
            and units.at_start(title) is None
            and heading_intent(doc.section_path(section.index)) > 0
        ):
            found.append(title)
    return found


# ---------------------------------------------------------------------------------- tasks

# "Giao X …", "Đề nghị X …", "Yêu cầu X …": work assigned to the units named next.
_ASSIGN_RE = re.compile(r"\b(Giao|giao(?!\s+ban\b)|Đề nghị|đề nghị|Yêu cầu|yêu cầu)\s+(?:cho\s+)?")  # not "giao ban"
# A unit that opens a sentence but reports, judges or hopes rather than takes on work.
_REPORTED_RE = re.compile(
    r"\b(đã|tổ chức thành công|nhận định|khẳng định|đánh giá|ghi nhận|biểu dương|mong muốn|kỳ vọng|thông qua"
    r"|được thành lập|được giao \d)"
)
_ROLE_RE = re.compile(r"\bchủ trì\b.*?\bphối hợp(?: với)?\s+(.+?)(?:[.;]|$)")
_LEAD_RE = re.compile(r"^\s*(?:[-–+•*]|\d+(?:\.\d+)*\.?)\s*")
_DEADLINE_RE = re.compile(r"(trước ngày \d{1,2}/\d{1,2}(?:/\d{4})?|trong (?:tháng|quý|năm) [\w/]+|đến năm \d{4})")
_BARE_QUARTER_RE = re.compile(r"\bquý\s+(I{1,3}|IV)\b(?!\s*(?:/|năm))")
_OBLIGED_RE = re.compile(r"^(?:các đồng chí\s+)?(.{3,60}?)\s+(?:cần|phải)\s")
# "…đề ra phương hướng, nhiệm vụ trọng tâm quý IV, trong đó nhấn mạnh: tiếp tục …"
_AGENDA_RE = re.compile(r"nhiệm vụ trọng tâm[^:;.]{0,80}:\s*")
_ADDRESSEES = 90  # characters after "đề nghị" in which the addressed units are named


@dataclass
class _TaskContext:
    doc: ParsedDocument
    chunks: list[Chunk]
    period: str | None
    out: list[TaskItem]

    def add(self, unit: str, a: int, b: int, role: str | None = None) -> None:
        passage = passage_at(self.chunks, a)
        if passage is None:
            return
        quote = self.doc.text[a:b]
        deadline = _DEADLINE_RE.search(quote)
        period = self.period or _quarter(quote, self.doc.metadata.period) or self.doc.metadata.period
        self.out.append(TaskItem(unit, quote, a, b, passage, period, deadline.group(1) if deadline else None, role))


def _quarter(text: str, doc_period: str | None) -> str | None:
    """ "trong quý IV" without a year, in a document of 2025: "quý IV/2025"."""
    quarter = _BARE_QUARTER_RE.search(text)
    year = re.search(r"20\d\d", doc_period or "")
    return f"quý {quarter.group(1)}/{year.group(0)}" if quarter and year else None


def _tasks(doc: ParsedDocument, chunks: list[Chunk], units: UnitRegistry) -> list[TaskItem]:
    """Assignments, by unit. Sections that report results hold none; a bullet under a unit's
    heading is that unit's; a paragraph or sentence that opens with a unit and does not
    report is that unit's; "Giao/Đề nghị X …" assigns to X; "X chủ trì, phối hợp với Y" to
    both, with roles. Unattributed items of a task section belong to the addressees of a
    notice ("Các cơ quan, đơn vị") or to the Party committee that wrote a report."""
    meta = doc.metadata
    default_unit = "Các cơ quan, đơn vị" if meta.doc_type in {"Thông báo", "Tin"} else "Đảng ủy xã"
    out: list[TaskItem] = []
    bulleted = {p.section for p in doc.paragraphs if p.bullet}
    for para in doc.paragraphs:
        path = doc.path(para.section)
        intent = heading_intent(doc.section_path(para.section))
        if intent < 0 or para.title:
            continue
        # The period of the nearest heading that names one; else the document's.
        period = next((p for node in reversed(path) if (p := period_of(node.title))), None)
        ctx = _TaskContext(doc, chunks, period, out)
        raw = doc.text[para.start : para.end]
        if raw.startswith("Trên đây"):  # the closing formula of a notice
            continue
        start = para.start + len(raw) - len(_LEAD_RE.sub("", raw, count=1))
        body = doc.text[start : para.end]
        heading_unit = units.at_start(path[-1].title) if path else None
        # Under "4. Ban Xây dựng Đảng" its bullets are its tasks (a closing line is not).
        if heading_unit and (para.bullet or para.section not in bulleted):
            if intent > 0 or not _reports(body, 0):
                ctx.add(heading_unit.canonical, start, para.end)
            continue
        spans = sentence_spans(doc.text, start, para.end)
        opener = units.at_start(body) if path else None  # before the first heading: assignments only
        if opener is not None and opener.alone:
            continue  # a unit's name alone (a table's cell) assigns nothing
        first = doc.text[spans[0][0] : spans[0][1]] if spans else body
        if opener and not _reports(first, opener.length) and not _ASSIGN_RE.search(first[: opener.length + 30]):
            ctx.add(opener.canonical, start, para.end)
            continue
        before = len(out)
        for a, b in spans:
            _sentence_tasks(ctx, units, a, b, may_open=bool(path) and _opens_sentence(doc.text, a, start))
            if agenda := _AGENDA_RE.search(doc.text, a, b):
                ctx.add(default_unit, agenda.end(), b)
        if len(out) == before and intent > 0 and not opener:
            ctx.add(default_unit, start, para.end)
    return out


def _opens_sentence(text: str, pos: int, paragraph_start: int) -> bool:
    """Whether a span starts a real sentence, not a clause cut at a semicolon."""
    before = text[paragraph_start:pos].rstrip()
    return not before or before.endswith((".", "!", "?", ":"))


def _reports(text: str, unit_length: int) -> bool:
    """Whether the verb right after the unit reports or judges ("Ban Chấp hành … khẳng định:",
    "Hội CCB xã tổ chức thành công …") instead of taking on work; read up to the first comma."""
    clause = re.split(r"[,:;]", text[unit_length : unit_length + 160], maxsplit=1)[0]
    return bool(_REPORTED_RE.search(clause))


def _sentence_tasks(ctx: _TaskContext, units: UnitRegistry, a: int, b: int, may_open: bool) -> None:
    sentence = ctx.doc.text[a:b]
    addressed: list[str] = []
    if assign := _ASSIGN_RE.search(sentence):
        addressed = units.find_all(sentence[assign.end() : assign.end() + _ADDRESSEES])
        if assign.group(1).lower() == "giao":
            addressed = addressed[:1]
    if not addressed:
        lead = units.at_start(sentence) if may_open else None
        if lead is None and (obliged := _OBLIGED_RE.match(sentence)):
            lead = units.at_start(obliged.group(1))  # "…; các đồng chí Đảng ủy viên cần phát huy …"
        if lead is None or _reports(sentence, lead.length):
            return
        addressed = [lead.canonical]
    role = _ROLE_RE.search(sentence)
    if role and len(addressed) == 1:
        ctx.add(addressed[0], a, b, "chủ trì")
        for partner in units.find_all(role.group(1)):
            if partner != addressed[0]:
                ctx.add(partner, a, b, "phối hợp")
        return
    for unit in addressed:
        ctx.add(unit, a, b)


# -------------------------------------------------------------------------------- figures

_FIGURE_RE = re.compile(
    r"(?<![\w/.,-])(?P<value>\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?)(?:/(?P<total>\d{1,3}(?:\.\d{3})+|\d+))?"
    r"\s*(?P<unit>%|(?:tỷ|triệu|nghìn)\s+đồng|[a-zàáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]+"
    r"(?:\s+[a-zàáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]+){0,2})"
)
# Words after a number that make it a date, a rank or a name, not a quantity.
_NOT_A_FIGURE = re.compile(r"^(năm|tháng|giờ|có|và|của|cho|với|là|được|trên|trong|tại|từ|đến|về|theo|mức|nhiệm)\b")
_UNIT_WORDS = 2
_UNIT_STOP = frozenset("của và với cho trong tại được đã là có các những từ đến về theo trên".split())
_NOT_COUNTED = frozenset({"cấp", "có", "sạch"})  # "chính quyền 2 cấp", "5 có, 3 sạch"


def _figures(doc: ParsedDocument, chunks: list[Chunk]) -> list[FigureItem]:
    out: list[FigureItem] = []
    text = doc.text
    for para in (p for p in doc.paragraphs if not p.title):
        for match in _FIGURE_RE.finditer(text, para.start, para.end):
            unit = match.group("unit")
            if not unit or (unit != "%" and _NOT_A_FIGURE.match(unit)):
                continue
            value = parse_number(match.group("value"))
            if value is None or (match.group("total") is None and 1900 <= value <= 2100 and unit != "%"):
                continue
            if DOC_NUMBER_RE.match(text, match.start()):
                continue
            words = list(itertools.takewhile(lambda w: w not in _UNIT_STOP, unit.split()))[:_UNIT_WORDS]
            unit = unit if unit == "%" or unit.endswith("đồng") else " ".join(words)
            if not unit or unit.split()[0] in _NOT_COUNTED:
                continue
            total = parse_number(match.group("total")) if match.group("total") else None
            passage = passage_at(chunks, match.start())
            if passage is None:
                continue
            label = _label(text, para.start, match.start())
            end = match.start("unit") + len(unit)
            period = next(
                (p for node in reversed(doc.path(para.section)) if (p := period_of(node.title))), doc.metadata.period
            )
            out.append(
                FigureItem(
                    float(value), float(total) if total else None, unit, label, match.start(), end, passage, period
                )
            )
    return out


def _label(text: str, floor: int, pos: int) -> str:
    """The few words before a number: what it counts ("kết nạp", "dư nợ ủy thác")."""
    before = text[max(floor, pos - 60) : pos]
    before = re.split(r"[.;:(]|,\s", before)[-1]
    return " ".join(before.split()[-4:])


def bullet_text(text: str) -> str:
    return BULLET_RE.sub("", text).strip()
