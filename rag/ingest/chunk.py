"""Chunking that follows sections: a passage stays inside one section, carries its heading
path, and never mixes two units' tasks. Every passage is a verbatim slice of the document
text, so quotes taken from it are verbatim too.
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.ingest.parse import ParsedDocument, period_of
from rag.models import TITLE_SECTION
from rag.text import sentence_spans
from rag.units import UnitRegistry

TARGET_CHARS = 900
MAX_CHARS = 1400


@dataclass(frozen=True)
class Chunk:
    ordinal: int
    start: int
    end: int
    text: str
    section_path: str  # "II. Nhiệm vụ trọng tâm tháng 10/2025 › 4. Ban Xây dựng Đảng"
    section_label: str  # "II.4"
    period: str | None  # from the nearest heading that names one, else the document's


def chunk(doc: ParsedDocument, units: UnitRegistry) -> list[Chunk]:
    spans: list[tuple[int, int, int | None]] = []  # (start, end, section)
    titles = {p.start for p in doc.paragraphs if p.title}
    group: list[tuple[int, int]] = []
    group_section: int | None = -1
    group_closed = False
    group_bullets = False

    def flush() -> None:
        nonlocal group, group_closed
        if group:
            spans.append((group[0][0], group[-1][1], group_section))
        group = []
        group_closed = False

    for para in doc.paragraphs:
        heading_unit = any(units.at_start(node.title) for node in doc.path(para.section)[-1:])
        pieces = _pieces(doc.text, para.start, para.end)
        for start, end in pieces:
            # A unit's name alone (a table's cell, a label) assigns nothing: it opens no passage.
            opener = None if heading_unit else units.at_start(doc.text[start:end])
            opens_unit = opener is not None and not opener.alone
            size = end - (group[0][0] if group else start)
            # A list under one heading stays whole up to the hard limit: it is one answer.
            limit = MAX_CHARS if para.bullet and group_bullets else TARGET_CHARS
            if group and (para.section != group_section or size > limit or opens_unit or group_closed or para.title):
                flush()
            if not group:
                group_section, group_bullets = para.section, para.bullet
            group.append((start, end))
            group_bullets = group_bullets and para.bullet
            group_closed = opens_unit or len(pieces) > 1 or para.title
    flush()

    chunks: list[Chunk] = []
    for start, end, section in spans:
        path = doc.section_path(section)
        period = next((p for node in reversed(doc.path(section)) if (p := period_of(node.title))), doc.metadata.period)
        label = TITLE_SECTION if start in titles else doc.section_label(section)
        chunks.append(Chunk(len(chunks), start, end, doc.text[start:end], path, label, period))
    return chunks


def _pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A paragraph, or sentence-aligned pieces of it when it is too long for one passage."""
    if end - start <= MAX_CHARS:
        return [(start, end)]
    pieces: list[tuple[int, int]] = []
    for a, b in sentence_spans(text, start, end):
        if pieces and b - pieces[-1][0] <= TARGET_CHARS:
            pieces[-1] = (pieces[-1][0], b)
        else:
            pieces.append((a, b))
    return pieces


def passage_at(chunks: list[Chunk], offset: int) -> int | None:
    """The ordinal of the passage that holds a document offset."""
    for c in chunks:
        if c.start <= offset < c.end:
            return c.ordinal
    return None
