"""The one place citations are made: numbered by passage in order of first use, each quote
a verbatim substring of the passage it cites."""

from __future__ import annotations

import re

from rag.models import Citation, MentionView, RetrievedPassage, TaskView
from rag.search.corpus import IndexedPassage
from rag.search.retrieve import Hit

# Document text that imitates our own markup: a citation marker ("[1]"), a sources line
# ("Nguồn:"). In an answer it would pass for ours; shown, it is neutralised.
_MARKER_RE = re.compile(r"\[(\d{1,3})\]")
_SOURCES_RE = re.compile(r"(?im)^(\W*)(ngu[ồo]n)(\s*:)")


def shown(quote: str) -> str:
    """A quote as it appears in an answer's text; the citation keeps the verbatim quote."""
    return _SOURCES_RE.sub(r"\1\2 (trong tài liệu)\3", _MARKER_RE.sub(r"(\1)", quote))


class Citations:
    def __init__(self) -> None:
        self.items: list[Citation] = []
        self._numbers: dict[str, int] = {}

    def add(
        self,
        quote: str,
        *,
        passage_id: str,
        document_id: str,
        title: str,
        commune: str | None,
        section: str,
        section_path: str,
        text: str,
        ocr: bool,
    ) -> int:
        """Cite `quote` of a passage; returns its number (the same for every quote of one passage)."""
        n = self._numbers.setdefault(passage_id, len(self._numbers) + 1)
        self.items.append(Citation(n, document_id, title, commune, section, section_path, quote, text, passage_id, ocr))
        return n

    def of_passage(self, row: IndexedPassage, quote: str) -> int:
        return self.add(
            quote,
            passage_id=row.id,
            document_id=row.document_id,
            title=row.title,
            commune=row.commune,
            section=row.section_label,
            section_path=row.section_path,
            text=row.text,
            ocr=row.ocr,
        )

    def of_task(self, task: TaskView) -> int:
        return self.add(
            task.quote,
            passage_id=task.passage_id,
            document_id=task.document_id,
            title=task.title,
            commune=task.commune,
            section=task.section,
            section_path=task.section_path,
            text=task.passage_text,
            ocr=task.ocr,
        )

    def of_mention(self, mention: MentionView) -> int:
        return self.add(
            mention.quote,
            passage_id=mention.passage_id,
            document_id=mention.document_id,
            title=mention.title,
            commune=mention.commune,
            section=mention.section,
            section_path="",
            text=mention.passage_text,
            ocr=mention.ocr,
        )


def retrieved(hits: list[Hit]) -> list[RetrievedPassage]:
    """The passages retrieved for a question, best first, as interfaces show them."""
    return [
        RetrievedPassage(
            h.row.id,
            h.row.document_id,
            h.row.title,
            h.row.commune,
            h.row.section_label,
            h.row.section_path,
            h.row.text,
            h.score,
        )
        for h in hits
    ]
