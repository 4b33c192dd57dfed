"""Backups: every readable document, its metadata and extracted knowledge, one JSON object a
line; enough to move or rebuild an installation (`Ingestor.records` reads it back)."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from rag.scope import Scope
from rag.store.documents import DOCUMENT_FIELDS
from rag.store.knowledge import readable
from rag.store.schema import Document


def export(sessions: sessionmaker[Session], scope: Scope, target: Path) -> int:
    count = 0
    with sessions() as session, target.open("w", encoding="utf-8") as out:
        for doc in session.scalars(readable(select(Document), scope).order_by(Document.ingested_at)):
            record = {
                "file_name": doc.file_name,
                "text": doc.text,
                "ocr": doc.ocr,
                "metadata": {field: getattr(doc, field) for field in DOCUMENT_FIELDS},
                "tasks": [
                    {"unit": t.unit, "text": t.text, "period": t.period, "deadline": t.deadline, "role": t.role}
                    for t in doc.tasks
                ],
                "directives": [
                    {
                        "code": m.code,
                        "kind": m.kind,
                        "date": m.date,
                        "issuing_body": m.issuing_body,
                        "subject": m.subject,
                    }
                    for m in doc.mentions
                ],
                "figures": [
                    {"value": f.value, "total": f.total, "unit": f.unit, "label": f.label, "period": f.period}
                    for f in doc.figures
                ],
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count
