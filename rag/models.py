"""Typed values that cross the engine's boundary; each interface renders them its own way."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# The section label of a document's title as written in its header (kind and subject lines):
# "trích yếu" is what Nghị định 30/2020 calls a document's summary line.
TITLE_SECTION = "Trích yếu"


def cite_section(label: str) -> str:
    """How an official points at a section: "mục II.4", "Phần thứ hai, mục I.1", "trích yếu"."""
    if not label:
        return "phần mở đầu"
    if label == TITLE_SECTION:
        return "trích yếu"
    return label if label.startswith("Phần") else f"mục {label}"


@dataclass(frozen=True)
class DocumentInfo:
    id: str
    title: str
    doc_type: str
    number: str | None
    date: str | None
    issuer: str | None
    commune: str | None
    period: str | None
    file_name: str
    passages: int
    classification: str | None = None


@dataclass(frozen=True)
class RetrievedPassage:
    """A passage retrieved for a question, as interfaces list it."""

    id: str
    document_id: str
    title: str
    commune: str | None
    section: str  # citation form, "II.4"
    section_path: str  # "II. Nhiệm vụ trọng tâm tháng 10/2025 › 4. Ban Xây dựng Đảng"
    text: str
    score: float = 0.0


@dataclass(frozen=True)
class Citation:
    n: int
    document_id: str
    title: str
    commune: str | None
    section: str
    section_path: str
    quote: str  # a verbatim substring of `text`
    text: str  # the full passage
    passage_id: str
    ocr: bool = False  # the passage was read from a scan by OCR


ANSWERED, RELATED, NOT_FOUND = "answered", "related", "not_found"


@dataclass
class Answer:
    question: str
    answer: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    passages: list[RetrievedPassage] = field(default_factory=list)
    note: str | None = None
    # "answered": the evidence answers; "related": retrieval is confident but no sentence states
    # the answer (the closest passage is shown, cited); "not_found". Both non-answers abstain.
    status: str = ""

    def __post_init__(self) -> None:
        if not self.status:
            self.status = NOT_FOUND if self.abstained else ANSWERED

    @property
    def found(self) -> bool:
        """Whether the documents hold something on the question (answered, or related)."""
        return self.status != NOT_FOUND

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "status": self.status,
            "citations": [asdict(c) for c in self.citations],
            "passages": [
                {
                    "id": p.id,
                    "document_id": p.document_id,
                    "title": p.title,
                    "section": p.section,
                    "section_path": p.section_path,
                    "commune": p.commune,
                    "score": round(p.score, 4),
                    "text": p.text,
                }
                for p in self.passages
            ],
            **({"note": self.note} if self.note else {}),
        }


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file name, Vietnamese reason)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (file name, what an admin should check)

    def to_json(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "unchanged": self.unchanged,
            "replaced": self.replaced,
            "failed": [{"file": name, "error": reason} for name, reason in self.failed],
            "notes": [{"file": name, "note": note} for name, note in self.notes],
        }


@dataclass(frozen=True)
class TaskView:
    unit: str
    text: str
    period: str | None
    deadline: str | None
    role: str | None
    commune: str | None
    document_id: str
    title: str
    section: str
    section_path: str
    quote: str  # verbatim in `passage_text`
    passage_id: str
    passage_text: str
    ocr: bool = False

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("passage_text")
        return data


@dataclass(frozen=True)
class MentionView:
    document_id: str
    title: str
    commune: str | None
    section: str
    quote: str
    passage_id: str
    passage_text: str
    ocr: bool = False


@dataclass(frozen=True)
class DirectiveCard:
    code: str
    kind: str
    date: str | None
    issuer: str | None  # issuing body ("Ban Bí thư"), else the issuer code spelled out
    issuer_code: str | None
    subject: str | None
    mentions: list[MentionView]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for mention in data["mentions"]:
            mention.pop("passage_text")
        return data


@dataclass(frozen=True)
class UnitInfo:
    name: str
    aliases: list[str]
    origin: str
    tasks: int


@dataclass(frozen=True)
class FigureView:
    value: float
    total: float | None
    unit: str
    label: str
    period: str | None
    commune: str | None
    document_id: str
    title: str
    section: str
    quote: str  # the sentence holding the figure


@dataclass(frozen=True)
class PassageView:
    id: str
    document_id: str
    title: str
    commune: str | None
    classification: str | None
    section: str
    section_path: str
    text: str
    previous_id: str | None
    next_id: str | None


@dataclass(frozen=True)
class OpeningPassage:
    id: str
    section: str
    section_path: str
    text: str


@dataclass(frozen=True)
class DocumentOpening:
    """A document's metadata with its first passages, for questions about the document itself."""

    info: DocumentInfo
    signer: str | None
    signer_role: str | None
    ocr: bool
    passages: list[OpeningPassage]  # the first of its content
    title: OpeningPassage | None = None  # the header's kind and subject lines, as written
    recipients: list[str] = field(default_factory=list)  # "Nơi nhận", as written
