"""How an official names a document and a date: "Thông báo số 55-TB/ĐU ngày 22/12/2025 của Ban
Thường vụ Đảng ủy xã Công Hải, mục 3"; "16/9/2025", "12/2025" (the precision known)."""

from __future__ import annotations

from rag.models import DocumentInfo, cite_section


def vn_date(iso: str | None) -> str:
    """ "2025-09-16" -> "16/9/2025", "2025-12" -> "12/2025"; anything else as written."""
    if not iso:
        return ""
    pieces = iso.split("-")
    if not all(p.isdigit() for p in pieces):
        return iso
    return "/".join(str(int(p)) for p in reversed(pieces))


def official_reference(doc: DocumentInfo | None, title: str, section: str) -> str:
    """The document by kind, number, date and issuer, then the section; its title when the
    number and date are unknown."""
    where = cite_section(section)
    if doc is None or not (doc.number or doc.date):
        return f"{title}, {where}"
    parts = [doc.doc_type]
    if doc.number:
        parts.append(f"số {doc.number}")
    if doc.date:
        parts.append(f"ngày {vn_date(doc.date)}" if doc.date.count("-") == 2 else f"tháng {vn_date(doc.date)}")
    if doc.issuer:
        parts.append(f"của {doc.issuer}")
    return " ".join(parts) + f", {where}"
