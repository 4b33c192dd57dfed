"""Question understanding: normalise, find the commune, period and intent a question names,
and keep only the words that say what the question is about.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from rag.ingest.header import DOC_TYPES
from rag.search.lexical import STOPWORDS
from rag.search.vocabulary import EQUIVALENT, concept_spans
from rag.text import clean, doc_number_tokens, fold, word_tokens
from rag.units import UnitRegistry

_QUANTITY_RE = re.compile(r"\b(bao nhieu|may|so luong|ty le|tong so|la may)\b")
_PERIOD_RE = re.compile(r"\b(thang \d{1,2}|quy (?:i{1,3}|iv|\d)|nam 20\d\d|\d+ thang (?:dau|cuoi) nam)\b")
_QUARTERS = {"1": "i", "2": "ii", "3": "iii", "4": "iv"}
_TASKS_RE = re.compile(
    r"nhiem vu|phai lam|lam gi|duoc giao|giao nhiem|phuong huong|ke hoach|can lam|trien khai gi|chi tieu"
)
_PERSON_RE = re.compile(r"(?:^| )ai(?: |$)|dong chi nao|nguoi nao|do ai")
# "Ai phải tổ chức…", "do ai thực hiện" ask for a unit, not a person.
_UNIT_ACTION_RE = re.compile(r"phai|thuc hien|giao|phu trach|trach nhiem|to chuc|trien khai|tham muu|lam gi")
# "ngày nào", "hôm nào", "khi nào", "bao giờ", "lúc nào", "thời gian nào", "trước ngày nào".
_DATE_RE = re.compile(
    r"\b(?:ngay nao|hom nao|khi nao|bao gio|luc nao|thoi gian nao|thoi diem nao|ngay bao nhieu|han chot)\b"
)
# A task's deadline ("phải trình … trước ngày nào?", "hạn chót lúc nào?"), not the date of an
# event ("Hội nghị … họp ngày nào?"), which no task list answers.
_DEADLINE_RE = re.compile(
    r"\b(?:truoc (?:ngay|luc|khi) nao|han chot|thoi han|han nop|phai\b.*\b(?:ngay nao|khi nao|luc nao|bao gio))"
)
# Questions about the state of things as a whole: "Tình hình xã X thế nào?", "Kết quả quý III?".
_OVERVIEW_RE = re.compile(
    r"^(?:tinh hinh|ket qua|danh gia chung|tong quan)\b|\b(?:tinh hinh|ket qua)\b.*\b(?:the nao|ra sao|nhu the nao)\b"
)
# "… kết luận gì?", "… về việc gì?", "… nói gì?", "ai ký …", "văn bản mới nhất".
_ABOUT_DOC_RE = re.compile(
    r"\b(?:ket luan gi|ve viec gi|noi gi|noi ve gi|noi dung gi|ai ky|nguoi ky|do ai ky|ky ngay nao"
    r"|ban hanh ngay nao|moi nhat|gan nhat|la gi|ve (?:viec |van de |noi dung )?gi|(?:chuong trinh|de xuat|quy dinh) gi"
    r"|(?:hoi nghi|cuoc hop) nao)\b"
)
# Words that follow "bao nhiêu" without being what it counts ("tổng điểm bao nhiêu mới được…").
_NOT_NOUN = frozenset("nam thang ngay la tinh den cua trong o tai da duoc va co khong moi thi de thuc hien".split())
# What "bao nhiêu" is never answered by: dates, times of day, years, document numbers, list
# markers ("(3)", "4.1.5."), and numbers naming a day, month, quarter, term or ordinal ("30/30
# lớp" is a share, not a date). A year is said as one ("năm 2025", "2025-2030", "đến 2030"):
# "khoảng 2057 văn bản" is a count.
_NOT_QUANTITY_RE = re.compile(
    r"\b(?:0?[1-9]|[12]\d|3[01])/(?:0?[1-9]|1[0-2])(?:/\d{2,4})?\b|\b\d{1,2}/(?:19|20)\d\d\b"
    r"|(?:\b(?:nam|den|tu|truoc|sau|ky|giai doan|tam nhin)\s+|[-/]\s*)(?:19|20)\d\d\b|\b(?:19|20)\d\d(?=\s*[-/])"
    r"|\b\d+[a-z]*\s*-\s*[a-z]+\s*/|\(\d+\)|(?:^|\n)[\s\-+•]*\d+(?:\.\d+)*\.(?!\d)"
    r"|\b(?:ngay|thang|quy|lan thu|thu|khoa|muc|gio|luc|dieu|khoan|nghi dinh|quyet dinh)\s+\d+\b"
)
# Nouns that count the same thing: people (a staffing quota, "biên chế", is stated in cán bộ),
# households ("bao nhiêu gia đình" is answered by "13 hộ"), papers ("giấy tờ, công văn" by
# "2057 văn bản").
_PEOPLE = ("dang vien", "dong chi", "nguoi", "can bo", "hoi vien", "doan vien", "truong hop", "hoc vien", "bien che")
_COUNTED_ALIKE = (("ho", "gia dinh", "ho gia dinh", "ho dan"), ("van ban", "cong van", "giay to", "tai lieu"))
_MONEY = ("tien", "dong", "ty", "trieu", "nghin")
_PERCENT = ("phan tram", "ty le", "phan")


def count_pattern(folded_question: str) -> re.Pattern[str] | None:
    """What a sentence must say to answer "bao nhiêu X": a number right before X.

    "Có bao nhiêu đảng viên từ trần?" accepts "từ trần 12 đồng chí" (people are counted
    as đảng viên, đồng chí, người…); a question with no noun after "bao nhiêu" accepts any
    number; a question that asks for no quantity gets None.
    """
    if not _QUANTITY_RE.search(folded_question):
        return None
    options: set[str] = set()
    # Every "bao nhiêu X" counts: "bao nhiêu dân và bao nhiêu hộ" is answered by either.
    for match in re.finditer(r"\b(?:bao nhieu|may|so luong|tong so)\s+([a-z]+(?:\s+[a-z]+)?)", folded_question):
        words = list(itertools.takewhile(lambda w: w not in _NOT_NOUN, match.group(1).split()))
        if not words:
            continue
        noun = " ".join(words)
        options |= {noun, words[0]}
        if any(noun.startswith(p) or p.startswith(noun) for p in _PEOPLE):
            options.update(_PEOPLE)
        options.update(n for alike in _COUNTED_ALIKE if noun in alike or words[0] in alike for n in alike)
        if noun.startswith(_PERCENT):
            options.add("%")
        elif words[0] in _MONEY:
            options.update(_MONEY)
    if not options:
        return re.compile(r"\d")
    alternatives = "|".join(re.escape(o) for o in sorted(options - {"%"}, key=len, reverse=True))
    percent = r"|\d[\d.,]*\s*%" if "%" in options else ""
    return re.compile(r"\d[\d.,/]*%?\s*(?:" + alternatives + r")\b" + percent)


def states_count(counts: re.Pattern[str], folded_text: str) -> bool:
    """Whether a text states the asked count ("12 đồng chí" for "bao nhiêu đảng viên"), dates and
    document numbers left out."""
    return bool(counts.search(_NOT_QUANTITY_RE.sub(" ", folded_text)))


# Phrases that shape a question but say nothing about its subject. Matched as whole
# phrases with their diacritics (folded, "kết" of "kết nạp" would vanish with "kết quả"),
# or folded when the question is typed without diacritics.
QUESTION_PHRASES = (
    "bao nhiêu",
    "là gì",
    "là bao nhiêu",
    "gì",
    "nào",
    "thế nào",
    "như thế nào",
    "ra sao",
    "ở đâu",
    "khi nào",
    "lúc nào",
    "bao giờ",
    "cho biết",
    "hãy",
    "nói gì",
    "nói về",
    "nêu",
    "những gì",
    "làm gì",
    "phải làm",
    "được giao",
    "có",
    "không",
    "chưa",
    "ai",
    "mấy",
    "xã",
    "tình hình",
    "nội dung",
    "vấn đề",
    "cụ thể",
    "hiện nay",
    "được yêu cầu",
    "yêu cầu",
    "số lượng",
    "tổng số",
    "việc gì",
    "những việc",
    "đã",
    "đang",
    "sẽ",
    "được",
    "phải",
    "cần",
    "về",
    "của",
    "các",
    "những",
    "trong",
    "và",
    "với",
    "ở",
    "tại",
    "là",
    "vào",
    "còn",
    "cho",
    "để",
    "theo",
    "từ",
    "do",
    "gồm",
    "đạt",
    "tính đến",
    "đến",
    "năm nay",
    "vừa qua",
    "gần đây",
    "hiện tại",
    "nữa",
    "vì sao",
    "tại sao",
    "do đâu",
    "lý do",
    "ngày càng",
    "những điều",
    "điều gì",
    "chỉ ra",
)
_PHRASES = sorted({tuple(p.split()) for p in QUESTION_PHRASES} | {(w,) for w in STOPWORDS}, key=len, reverse=True)
_PHRASES_FOLDED = sorted({tuple(fold(w) for w in p) for p in _PHRASES}, key=len, reverse=True)


@dataclass
class Query:
    text: str
    folded: str
    terms: list[str]  # lexical search terms of the informative words
    words: list[str | None]  # folded tokens, None where a question word or the commune stood
    concepts: list[str | None] = field(default_factory=list)  # per token: the concept phrase it is part of
    communes: list[str] = field(default_factory=list)  # folded commune keys
    periods: list[str] = field(default_factory=list)  # folded period phrases ("thang 10", "quy iv")
    wants_number: bool = False
    counts: re.Pattern[str] | None = None  # for "bao nhiêu X": a number right before X
    asks_tasks: bool = False  # "phải làm gì", "nhiệm vụ gì", "được giao gì"
    asks_person: bool = False  # "ai", "đồng chí nào"
    units: list[str] = field(default_factory=list)  # canonical units the question names
    doc_types: list[str] = field(default_factory=list)  # "Thông báo", "Báo cáo" when the question names them
    doc_numbers: list[str] = field(default_factory=list)
    asks_date: bool = False  # "ngày nào", "khi nào": a sentence must hold a date
    asks_deadline: bool = False  # "trước ngày nào", "hạn chót": the date a task is due
    asks_overview: bool = False  # "tình hình … thế nào", "kết quả quý III"
    asks_document: bool = False  # "… kết luận gì", "ai ký …": about a document itself

    @property
    def month_years(self) -> set[str]:
        """The months the question writes with their year ("10/2025"): a period, not a date."""
        return {w for w in self.words if w and re.fullmatch(r"\d{1,2}/(?:19|20)\d\d", w)}

    @property
    def asks(self) -> str:
        """What the question asks for, for the evaluation's per-kind view and the scorer."""
        if self.asks_tasks and self.units:
            return "tasks"
        if self.asks_person:
            return "person"
        if self.asks_date:
            return "date"
        if self.counts is not None:
            return "number"
        if self.asks_overview:
            return "overview"
        return "fact"


def _canonical_period(period: str) -> str:
    if period.startswith("quy ") and period[4:] in _QUARTERS:
        return "quy " + _QUARTERS[period[4:]]
    return period


def period_relation(asked: list[str], period: str | None) -> int:
    """+1 when a passage's period is one the question asks about, -1 when it names another
    year than every one asked for, 0 when nothing can be said."""
    folded = fold(period or "")
    if any(re.search(rf"\b{re.escape(p)}\b", folded) for p in asked):
        return 1
    asked_years = {y for p in asked for y in re.findall(r"20\d\d", p)}
    years = set(re.findall(r"20\d\d", folded))
    return -1 if asked_years and years and not (asked_years & years) else 0


def question_mask(accented: list[str]) -> list[bool]:
    """True for tokens that belong to a question phrase."""
    folded = [fold(w) for w in accented]
    mask = [False] * len(accented)
    for i in range(len(accented)):
        typed_plain = all(w == f for w, f in zip(accented[i : i + 3], folded[i : i + 3], strict=False))
        phrases, seq = (_PHRASES_FOLDED, folded) if typed_plain else (_PHRASES, accented)
        for phrase in phrases:
            if tuple(seq[i : i + len(phrase)]) == phrase:
                mask[i : i + len(phrase)] = [True] * len(phrase)
                break
    return mask


def _concept_positions(n: int, spans: list[tuple[int, int, str]]) -> list[str | None]:
    positions: list[str | None] = [None] * n
    for start, end, concept in spans:
        positions[start:end] = [concept] * (end - start)
    return positions


def _asks_person(text: str) -> bool:
    # "AI" in capitals is the acronym (trợ lý ảo AI), not the question word "ai".
    folded = " ".join(re.findall(r"[a-z0-9/]+", fold(re.sub(r"\bA\.?I\b", " ", text))))
    return bool(_PERSON_RE.search(folded)) and not _UNIT_ACTION_RE.search(folded)


def understand(question: str, known_communes: list[str], units: UnitRegistry | None = None) -> Query:
    text = clean(question).replace("\n", " ").strip()
    folded = " ".join(re.findall(r"[a-z0-9/]+", fold(text)))
    communes = [key for key in known_communes if key and f" {key} " in f" {folded} "]
    accented = word_tokens(text)
    tokens = [fold(w) for w in accented]
    # A commune the question names becomes a filter; its words would only add noise to
    # scoring (a report names its own commune in every other line).
    place = {w for key in communes for w in key.split()}
    words = [None if skip or w in place else w for w, skip in zip(tokens, question_mask(accented), strict=True)]
    spans = concept_spans(tokens)
    concepts = _concept_positions(len(tokens), spans)
    # Words of an equivalence ("Cựu chiến binh" = "CCB") are searched by their concept alone.
    literal = [None if c and c[1:] in EQUIVALENT else w for w, c in zip(words, concepts, strict=True)]
    query_terms = [w for w in literal if w]
    query_terms += [f"{a}_{b}" for a, b in itertools.pairwise(literal) if a and b]
    query_terms += [concept for start, end, concept in spans if any(words[start:end])]
    numbers = doc_number_tokens(text)
    return Query(
        text=text,
        folded=folded,
        terms=query_terms + numbers,
        words=words,
        concepts=concepts,
        communes=communes,
        periods=[_canonical_period(p) for p in _PERIOD_RE.findall(folded)],
        wants_number=bool(_QUANTITY_RE.search(folded)),
        counts=count_pattern(folded),
        asks_tasks=bool(_TASKS_RE.search(folded)),
        asks_person=_asks_person(text),
        units=units.find_all(text) if units else [],
        doc_types=[name for name in DOC_TYPES.values() if re.search(rf"\b{fold(name)}\b", folded)],
        doc_numbers=[t[1:] for t in numbers],
        asks_date=bool(_DATE_RE.search(folded)),
        asks_deadline=bool(_DEADLINE_RE.search(folded)),
        asks_overview=bool(_OVERVIEW_RE.search(folded)),
        asks_document=bool(_ABOUT_DOC_RE.search(folded)),
    )
