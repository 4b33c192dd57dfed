"""How an official names a document and writes a date: "Thông báo số 55-TB/ĐU ngày 22/12/2025
của Ban Thường vụ Đảng ủy xã Công Hải, mục 3"; "16/9/2025", "12/2025" (the precision known).
Every interface writes them through these two functions."""

from __future__ import annotations

import re
from datetime import date

from rag.models import DocumentInfo, cite_section


def vietnamese_date(value: str | date | None) -> str | None:
    """ISO at the precision known -> as cadres write it: "2025-09-16" -> "16/9/2025",
    "2025-12" -> "12/2025", "2025" -> "2025"; anything else unchanged; None stays None."""
    if isinstance(value, date):
        value = value.isoformat()
    if not value:
        return None
    m = re.fullmatch(r"(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", value.strip())
    if not m:
        return value
    return "/".join([str(int(p)) for p in (m[3], m[2]) if p] + [m[1]])


def official_reference(doc: DocumentInfo | None, title: str, section: str) -> str:
    """The document by kind, number, date and issuer, then the section ("Báo cáo số 12-BC/ĐU
    ngày 30/9/2025 của Đảng ủy xã Đại Sơn, mục A.2.1"); its title when number and date are unknown."""
    where = cite_section(section)
    if doc is None or not (doc.number or doc.date):
        return f"{title}, {where}"
    parts = [doc.doc_type]
    if doc.number:
        parts.append(f"số {doc.number}")
    if doc.date:
        parts.append(f"{'ngày' if doc.date.count('-') == 2 else 'tháng'} {vietnamese_date(doc.date)}")
    if doc.issuer:
        parts.append(f"của {doc.issuer}")
    return " ".join(parts) + f", {where}"
