"""Commune identity: how a commune named in a document, a question or an approval is matched."""

from __future__ import annotations

from rag.text import fold


def commune_key(name: str | None) -> str:
    """Folded commune name for filtering: "Kè Sắt", "Kê Sắt", "Kẽ Sắt" -> "ke sat"."""
    return " ".join(fold(name or "").split())
