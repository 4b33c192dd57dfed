"""Ingestion: files in, documents stored. Each file is loaded, cleaned, checked against what
is stored (the same text is "unchanged", a new text from the same source replaces the old),
prepared and written; one bad file never stops the batch."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from rag.errors import LoadError, TroLyXaError
from rag.ingest.load import SUPPORTED, LoadedFile, load
from rag.ingest.prepare import cleaned, prepare
from rag.models import IngestReport
from rag.search.embed import Embedder
from rag.store.documents import DocumentWriter
from rag.units import UnitRegistry

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]  # (file name, done, total)


class Ingestor:
    def __init__(
        self,
        writer: DocumentWriter,
        units: UnitRegistry,
        embedder: Embedder,
        lock: Callable[[], AbstractContextManager[Any]],
        max_file_bytes: int,
    ) -> None:
        self.writer = writer
        self.units = units
        self.embedder = embedder
        self.lock = lock  # the writer lock, held for a whole batch
        self.max_file_bytes = max_file_bytes

    def files(self, paths: list[Path], progress: Progress | None = None) -> IngestReport:
        """Add, replace or skip each file; one bad file never stops the batch."""
        found = list(_expand(paths))
        report = IngestReport()
        with self.lock():
            for done, (path, problem) in enumerate(found, start=1):
                if progress:
                    progress(path.name, done - 1, len(found))
                if problem:
                    report.failed.append((path.name, problem))
                    continue
                try:
                    outcome = self.one(load(path, self.max_file_bytes), _overrides(path))
                except TroLyXaError as exc:
                    report.failed.append((path.name, str(exc)))
                    continue
                getattr(report, outcome).append(path.name)
            if progress and found:
                progress("", len(found), len(found))
        return report

    def records(self, lines: list[str]) -> IngestReport:
        """Rebuild from an export (see rag.store.backup): each record is ingested again from
        its text and metadata, so passages, vectors and knowledge come from this installation."""
        report = IngestReport()
        with self.lock():
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                    loaded = LoadedFile(record["file_name"], record["text"], b"", ocr=bool(record.get("ocr")))
                    outcome = self.one(loaded, record.get("metadata") or {})
                except (ValueError, KeyError, TypeError) as exc:
                    report.failed.append((f"dòng {number}", f"Dòng {number} của tệp sao lưu bị hỏng ({exc})."))
                    continue
                except TroLyXaError as exc:
                    report.failed.append((record.get("file_name", f"dòng {number}"), str(exc)))
                    continue
                getattr(report, outcome).append(loaded.name)
        return report

    def one(self, loaded: LoadedFile, overrides: dict[str, Any]) -> str:
        """ "added", "replaced" or "unchanged". The caller holds the writer lock."""
        file = cleaned(loaded)
        stored, prior = self.writer.status(file.id, file.source)
        if stored:
            return "unchanged"
        doc = prepare(file, overrides, self.units, self.embedder)
        self.writer.write(doc, prior)
        for name in doc.new_units:
            self.units.add(name)
        return "replaced" if prior else "added"


def _overrides(path: Path) -> dict[str, Any]:
    """`NAME.meta.json` beside a document overrides what the parser infers."""
    beside = path.with_name(path.name + ".meta.json")
    if not beside.is_file():
        return {}
    try:
        data = json.loads(beside.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise LoadError(beside.name, f"tệp siêu dữ liệu không phải JSON hợp lệ ({exc}).") from exc
    if not isinstance(data, dict):
        raise LoadError(beside.name, "tệp siêu dữ liệu phải là một đối tượng JSON.")
    return data


def _expand(paths: list[Path]) -> Iterator[tuple[Path, str | None]]:
    """Files to ingest, with a Vietnamese reason for the ones that cannot be."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in SUPPORTED and not child.name.startswith("."):
                    yield child, None
        elif path.is_file():
            yield path, None
        else:
            yield path, f"Không tìm thấy tệp «{path}». Hãy kiểm tra lại đường dẫn."
