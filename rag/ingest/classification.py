"""Classification marks ("MẬT", "TỐI MẬT", "TUYỆT MẬT") in every form a header carries them:
alone on a line, in a cell of a header table, labelled ("Độ mật: MẬT"), on the number line,
in brackets or parentheses, with a trailing dot, in capitals or not, letter-spaced. A mark
the rules cannot read for sure still counts: a document is treated as MẬT when in doubt, and
the ingest report says so, for an admin to check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.text import fold

LEVELS = ("TUYỆT MẬT", "TỐI MẬT", "MẬT")
HEADER_LINES = 25  # a mark stands in the header, above the title and its subject
SHORT = 60  # characters: longer lines are sentences
_DECORATION = " \t*_[](){}«»“”\"'.:;,-–—|/"
_LABEL_RE = re.compile(r"^(?:(?:mức\s+)?độ\s+mật|tài\s+liệu|văn\s+bản|phân\s+loại)\s*[:\-–]?\s*", re.IGNORECASE)
_LEVEL_IN_LINE_RE = re.compile(r"(?<![\w])(TUYỆT\s+MẬT|TỐI\s+MẬT|MẬT)(?![\w])")
_NUMBER_LINE_RE = re.compile(r"^\W*Số\b", re.IGNORECASE)
# Vietnamese words holding "mật" that are no mark: "bí mật", "bảo mật", "mật khẩu", "mật độ"…
_WORDS_WITH_MAT = re.compile(
    r"\b(?:bi|bao|tham|co)\s+mat\b|\bmat\s+(?:khau|ma|do|thiet|ong|tham|thu|danh|bao|lenh|vu|uoc)\b"
)


@dataclass(frozen=True)
class Mark:
    level: str
    certain: bool


def _level(cell: str) -> str | None:
    """The level a cell states and nothing else ("MẬT", "(Tối mật).", "Độ mật: MẬT")."""
    core = _LABEL_RE.sub("", cell.strip(_DECORATION)).strip(_DECORATION)
    core = " ".join(core.split()).upper()
    if core.replace(" ", "") in {level.replace(" ", "") for level in LEVELS}:  # letter-spaced "M Ậ T"
        return next(level for level in LEVELS if level.replace(" ", "") == core.replace(" ", ""))
    return None


def find_mark(lines: list[str]) -> Mark | None:
    """The classification of a document from its first lines (the header)."""
    doubtful: str | None = None
    for line in lines[:HEADER_LINES]:
        for cell in line.split(" | "):  # header tables arrive as rows of cells
            if level := _level(cell):
                return Mark(level, True)
            if _NUMBER_LINE_RE.match(cell) and (found := _LEVEL_IN_LINE_RE.search(cell)):
                return Mark(" ".join(found.group(1).split()), True)
            # a header line is short; the body's sentences may speak of "văn bản mật"
            found = _LEVEL_IN_LINE_RE.search(cell.upper()) if doubtful is None and len(cell) <= SHORT else None
            if found and not _WORDS_WITH_MAT.search(fold(cell)):
                doubtful = " ".join(found.group(1).split())
    return Mark(doubtful, False) if doubtful else None
