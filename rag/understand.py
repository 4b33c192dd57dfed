"""Question understanding: normalise, find the commune, period and intent a question names."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.lexical import terms
from rag.text import clean, doc_number_tokens, fold

_QUANTITY_RE = re.compile(r"\b(bao nhieu|may|so luong|ty le|tong so|bao lau|la may|bao gio|ngay nao|khi nao)\b")
_PERIOD_RE = re.compile(r"\b(thang \d{1,2}|quy (?:i{1,3}|iv|\d)|nam 20\d\d|\d+ thang (?:dau|cuoi) nam)\b")


@dataclass
class Query:
    text: str
    folded: str
    terms: list[str]
    communes: list[str] = field(default_factory=list)  # folded commune keys
    periods: list[str] = field(default_factory=list)  # folded period phrases ("thang 10", "quy iv")
    wants_number: bool = False
    doc_numbers: list[str] = field(default_factory=list)


_QUARTERS = {"1": "i", "2": "ii", "3": "iii", "4": "iv"}


def _canonical_period(period: str) -> str:
    if period.startswith("quy ") and period[4:] in _QUARTERS:
        return "quy " + _QUARTERS[period[4:]]
    return period


def period_matches(asked: list[str], period: str | None) -> bool:
    """Whether a passage's period ("tháng 10/2025") is one the question asks about."""
    folded = fold(period or "")
    return any(re.search(rf"\b{re.escape(p)}\b", folded) for p in asked)


def understand(question: str, known_communes: list[str]) -> Query:
    text = clean(question).replace("\n", " ").strip()
    folded = " ".join(re.findall(r"[a-z0-9/]+", fold(text)))
    padded = f" {folded} "
    communes = [key for key in known_communes if key and f" {key} " in padded]
    # A commune the question names becomes a filter; its words would only add noise to
    # scoring (a report names its own commune in every other line).
    place = {w for key in communes for w in key.split()} | ({"xa"} if communes else set())
    kept = [t for t in terms(text) if not any(part in place for part in t.split("_"))]
    return Query(
        text=text,
        folded=folded,
        terms=kept,
        communes=communes,
        periods=[_canonical_period(p) for p in _PERIOD_RE.findall(folded)],
        wants_number=bool(_QUANTITY_RE.search(folded)),
        doc_numbers=[t[1:] for t in doc_number_tokens(text)],
    )
