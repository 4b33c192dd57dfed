"""Ingestion: files in, documents stored. Each file is loaded, cleaned, checked against what
is stored (the same text is "unchanged", a new text from the same source replaces the old),
prepared and written; one bad file never stops the batch.

Embedding is most of the cost, so it never waits for the rest: a document's passages go to the
embedder, and while they are embedded the next file is loaded, parsed and extracted and its
passages queued behind them; then the first is written. Vectors come from `VectorSource`: a
passage whose embedded text the store already has a vector for (an unchanged paragraph of a
replaced document, a section repeated across communes) is not embedded again."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.errors import LoadError, TroLyXaError
from rag.ingest.load import SUPPORTED, LoadedFile, load
from rag.ingest.prepare import Analysis, CleanedFile, analyse, cleaned, with_vectors
from rag.models import IngestReport
from rag.search.embed import Embedder, Request, VectorSource
from rag.store.documents import DocumentWriter
from rag.units import UnitRegistry

log = logging.getLogger(__name__)
DOUBTFUL_MARK = (
    "«{name}» có chữ «{level}» ở phần đầu nhưng không rõ là dấu độ mật: đã coi là tài liệu {level} (chỉ quản trị "
    'viên xem được). Nếu không phải, hãy ghi {{"classification": null}} vào tệp «{name}.meta.json» rồi nạp lại.'
)
Progress = Callable[[str, int, int], None]  # (file name, done, total)
Source = Callable[[], tuple[LoadedFile, dict[str, Any]]]  # a file read, with its metadata overrides
Corrupt = Callable[[Exception], tuple[str, str]]  # a malformed record's (name, reason)


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
        with self.lock():
            run = Run(self)
            with run:
                for done, (path, problem, source) in enumerate(found, start=1):
                    if progress:
                        progress(path.name, done - 1, len(found))
                    if problem:
                        run.fail(path.name, problem)
                    else:
                        read = lambda path=path: (load(path, self.max_file_bytes), _overrides(path))  # noqa: E731
                        run.add(path.name, read, source=source)
            if progress and found:
                progress("", len(found), len(found))
        return run.report()

    def records(self, lines: list[str]) -> IngestReport:
        """Rebuild from an export (see rag.store.backup): each record is ingested again from
        its text and metadata, so passages, vectors and knowledge come from this installation
        (vectors this installation already keeps for the same text are reused)."""
        with self.lock():
            run = Run(self)
            with run:
                for number, line in enumerate(lines, start=1):
                    if line.strip():
                        run.add(f"dòng {number}", lambda line=line: _record(line), _corrupt(number))
        return run.report()


@dataclass(frozen=True)
class _Flight:
    """A document whose passages are being embedded, waiting to be written."""

    index: int
    name: str
    file: CleanedFile
    prior: str | None
    analysis: Analysis
    request: Request

    def touches(self, file: CleanedFile) -> bool:
        """Whether what `file` is depends on this document being written first: the same text,
        the same source, or the text of the version this one replaces."""
        return file.id in (self.file.id, self.prior) or file.source == self.file.source


class Run:
    """One batch under the writer lock. Documents are written in the order given; at most one
    waits for its vectors while the next is analysed."""

    def __init__(self, ingestor: Ingestor) -> None:
        self.ingestor = ingestor
        self.writer = ingestor.writer
        self.vectors = VectorSource(ingestor.embedder, ingestor.writer.cached_vectors)
        self.units = ingestor.units.copy()  # this batch's units: the registry's, then those found in it
        self._outcomes: list[tuple[int, str, str, str]] = []  # (index, outcome, name, reason)
        self._notes: list[tuple[str, str]] = []
        self._count = 0
        self._flight: _Flight | None = None

    def __enter__(self) -> Run:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is None or issubclass(kind, Exception):  # an interrupt does not wait for the embedder
            self._land()

    def fail(self, name: str, reason: str) -> None:
        self._outcomes.append((self._next(), "failed", name, reason))

    def add(self, name: str, read: Source, corrupt: Corrupt | None = None, source: str | None = None) -> None:
        """Read, check and analyse one document and start its embedding; write the previous one.
        `source`: the file's path under the folder ingested (see DocumentWriter.prior)."""
        index = self._next()
        try:
            loaded, overrides = read()
            name = loaded.name
            file = cleaned(loaded, source)
            if self._flight is not None and self._flight.touches(file):
                self._land()  # decide once the one in flight is written
            if self.writer.stored(file.id):
                self._outcomes.append((index, "unchanged", name, ""))
                return
            analysis = analyse(file, overrides, self.units)
            # Queued before the look-ups below (the first document's also loads the gazetteer):
            # its vectors do not depend on which version it replaces. Should they fail, the
            # vectors are still right for this run's cache; nothing else holds them.
            request = self.vectors.request(analysis.vector_texts())
            prior = self.writer.prior(file.source, analysis.commune())
            if prior and self._flight is not None and prior == self._flight.prior:
                self._land()  # both would replace one version: the first does, then look again
                prior = self.writer.prior(file.source, analysis.commune())
        except TroLyXaError as exc:
            self._outcomes.append((index, "failed", name, str(exc)))
            return
        except (ValueError, KeyError, TypeError) as exc:
            if corrupt is None:
                raise
            self._outcomes.append((index, "failed", *corrupt(exc)))
            return
        for unit in analysis.new_units:
            self.units.add(unit)
        self._land()
        self._flight = _Flight(index, name, file, prior, analysis, request)

    def _land(self) -> None:
        """Write the document in flight once its vectors are there."""
        flight, self._flight = self._flight, None
        if flight is None:
            return
        try:
            vectors = flight.request.result()
            doc = with_vectors(flight.analysis, flight.request.keys, vectors, self.vectors.embedder.name)
            self.writer.write(doc, flight.prior)
        except TroLyXaError as exc:
            self._outcomes.append((flight.index, "failed", flight.name, str(exc)))
            return
        finally:
            self.vectors.release(flight.request)
        for unit in doc.new_units:
            self.ingestor.units.add(unit)
        self._outcomes.append((flight.index, "replaced" if flight.prior else "added", flight.name, ""))
        if doc.metadata.classification and not doc.metadata.classification_certain:
            self._notes.append((flight.name, DOUBTFUL_MARK.format(name=flight.name, level=doc.metadata.classification)))

    def _next(self) -> int:
        self._count += 1
        return self._count

    def report(self) -> IngestReport:
        report = IngestReport(notes=self._notes)
        for _, outcome, name, reason in sorted(self._outcomes):
            if outcome == "failed":
                report.failed.append((name, reason))
            else:
                getattr(report, outcome).append(name)
        if self.vectors.embedded or self.vectors.reused:
            log.info("embedded %d passages, reused %d vectors", self.vectors.embedded, self.vectors.reused)
        return report


def _record(line: str) -> tuple[LoadedFile, dict[str, Any]]:
    record = json.loads(line)
    loaded = LoadedFile(record["file_name"], record["text"], b"", ocr=bool(record.get("ocr")))
    return loaded, record.get("metadata") or {}


def _corrupt(number: int) -> Corrupt:
    def describe(exc: Exception) -> tuple[str, str]:
        return f"dòng {number}", f"Dòng {number} của tệp sao lưu bị hỏng ({exc})."

    return describe


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


def _expand(paths: list[Path]) -> Iterator[tuple[Path, str | None, str]]:
    """Files to ingest, with a Vietnamese reason for the ones that cannot be, and each one's
    source: its path under the folder given ("xuan-hung/thong-bao.docx"), or its name."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in SUPPORTED and not child.name.startswith("."):
                    yield child, None, child.relative_to(path).as_posix()
        elif path.is_file():
            yield path, None, path.name
        else:
            yield path, f"Không tìm thấy tệp «{path}». Hãy kiểm tra lại đường dẫn.", path.name
