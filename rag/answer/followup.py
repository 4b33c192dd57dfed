"""Follow-up questions: "Còn Hội Nông dân thì sao?" after a question about Hội Phụ nữ's tasks
means the same question about Hội Nông dân. Resolved by rule (unit, commune or period swapped
into the previous question), or rewritten by the chat model when one is configured."""

from __future__ import annotations

import re

from rag.text import fold
from rag.units import UnitRegistry

_FOLLOW_UP_RES = (
    re.compile(
        r"^(?:còn|thế còn|vậy còn|con|the con|vay con)\s+(?P<x>.+?)(?:\s+(?:thì|thi)\s+(?:sao|thế nào|the nao|ra sao))?"
        r"\s*[?.!]*\s*$",
        re.IGNORECASE,
    ),
    re.compile(r"^(?P<x>.+?)\s+(?:thì|thi)\s+(?:sao|thế nào|the nao|ra sao)\s*[?.!]*\s*$", re.IGNORECASE),
)
_NO_SUBJECT = frozenset("gi nua ai dau sao the nao khong vay do".split())
_PERIOD_RE = re.compile(r"(?:tháng|thang|quý|quy)\s+[\w/]+|(?:năm|nam)\s+20\d\d|nhiệm kỳ\s+[\d\-–]+")


def follow_up_subject(question: str) -> str | None:
    """The new subject of an elliptical follow-up ("Hội Nông dân"), or None."""
    text = question.strip()
    if len(text) > 80:
        return None
    for pattern in _FOLLOW_UP_RES:
        if match := pattern.match(text):
            subject = match.group("x").strip(" ,")
            # "Còn gì nữa?" names no subject: it is no follow-up to resolve.
            return None if set(fold(subject).split()) <= _NO_SUBJECT else subject
    return None


def _span(text: str, words: str) -> tuple[int, int] | None:
    """Where folded `words` stand in `text` (folding keeps Vietnamese text's length)."""
    folded = fold(text)
    if len(folded) != len(text):
        return None
    pattern = r"(?<![a-z0-9])" + r"\W+".join(map(re.escape, fold(words).split())) + r"(?![a-z0-9])"
    match = re.search(pattern, folded)
    return (match.start(), match.end()) if match else None


def _swap(text: str, old_words: str, new: str) -> str | None:
    span = _span(text, old_words)
    return text[: span[0]] + new + text[span[1] :] if span else None


def resolve(question: str, previous: str | None, units: UnitRegistry, communes: dict[str, str]) -> str:
    """The standalone question a follow-up stands for; the question itself otherwise.

    `communes` maps folded commune keys to names."""
    subject = follow_up_subject(question)
    if subject is None or not previous:
        return question
    new_units, old_units = units.find_all(subject), units.find_all(previous)
    if new_units and old_units:
        for alias in units.aliases(old_units[0]):
            if swapped := _swap(previous, alias, subject):
                return swapped
    key = " ".join(fold(subject).replace("xã", "").replace("xa ", "").split())
    if key in communes:
        for old in communes.values():
            if swapped := _swap(previous, old, communes[key]):
                return swapped
        return f"{previous.rstrip(' ?')} ở xã {communes[key]}?"
    if _PERIOD_RE.fullmatch(subject.strip()) or _PERIOD_RE.fullmatch(fold(subject).strip()):
        old = _PERIOD_RE.search(previous)
        if old:
            return previous[: old.start()] + subject + previous[old.end() :]
        return f"{previous.rstrip(' ?')} {subject}?"
    return f"{previous.rstrip(' ?')} — {subject}?"
