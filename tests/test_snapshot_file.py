"""The search snapshot kept on disk: a process that starts again reads it instead of
tokenising every passage, and the store stays the truth: what changed while the process was
down is reconciled, and a damaged file or one written by other code is ignored."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from rag.assistant import Assistant
from rag.scope import Scope
from rag.search import index as search_index
from rag.search.corpus import IndexedPassage
from tests import backends

OPERATOR = Scope.operator()
QUESTION = "Hội CCB dư nợ ủy thác bao nhiêu?"
SNAPSHOT = "search-snapshot.pickle"


def _started(data: Path, embedder) -> Assistant:
    return Assistant(backends.settings_for(data), embedder=embedder).start()


def _read_documents(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many documents each snapshot load read (and tokenised) from the store."""
    counts: list[int] = []
    real = search_index.Snapshots._rows

    def counted(self: search_index.Snapshots, document_ids: set[str]) -> list[IndexedPassage]:
        counts.append(len(document_ids))
        return real(self, document_ids)

    monkeypatch.setattr(search_index.Snapshots, "_rows", counted)
    return counts


def _written(assistant: Assistant, data: Path) -> None:
    assistant.ask(QUESTION, OPERATOR)  # the first question builds the snapshot and saves it
    assistant.corpora.saved()
    assert (data / SNAPSHOT).exists()


def test_a_restart_reads_the_snapshot_instead_of_tokenising(corpus_copy: Path, embedder, monkeypatch) -> None:
    first = _started(corpus_copy, embedder)
    expected = first.ask(QUESTION, OPERATOR)
    _written(first, corpus_copy)
    first.engine.dispose()
    reads = _read_documents(monkeypatch)
    again = _started(corpus_copy, embedder).ask(QUESTION, OPERATOR)
    assert reads == [0]  # nothing was read passage by passage
    assert again.answer == expected.answer and again.citations == expected.citations


def test_what_changed_while_down_is_reconciled(corpus_copy: Path, embedder, monkeypatch, tmp_path: Path) -> None:
    first = _started(corpus_copy, embedder)
    _written(first, corpus_copy)
    first.engine.dispose()
    other = _started(corpus_copy, embedder)  # another process, while this one is down
    other.corpora.file = None  # type: ignore[attr-defined]  # it does not save: the file on disk stays the old one
    report_card = next(d for d in other.documents(OPERATOR) if "Đại Sơn" in (d.commune or ""))
    other.delete(report_card.id)
    notice = tmp_path / "an-binh_2025-11-12_thong-bao.txt"
    notice.write_text("THÔNG BÁO\n\nVề sân bóng\n\nSân bóng xã An Bình được nâng cấp với 350 triệu đồng.\n", "utf-8")
    assert other.ingest([notice]).added
    other.engine.dispose()
    reads = _read_documents(monkeypatch)
    again = _started(corpus_copy, embedder)
    found = again.ask("Sân bóng xã An Bình được nâng cấp với bao nhiêu tiền?", OPERATOR)
    assert "350 triệu đồng" in found.answer
    assert reads == [1]  # only the document added while it was down
    gone = again.ask("Tình hình xã Đại Sơn thế nào?", OPERATOR)
    assert all(c.commune != "Đại Sơn" for c in gone.citations)


@pytest.mark.parametrize("damage", ["truncated", "foreign"])
def test_a_damaged_or_foreign_snapshot_is_rebuilt(
    corpus_copy: Path, embedder, monkeypatch, caplog, damage: str
) -> None:
    first = _started(corpus_copy, embedder)
    expected = first.ask(QUESTION, OPERATOR)
    _written(first, corpus_copy)
    first.engine.dispose()
    path = corpus_copy / SNAPSHOT
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    else:  # written by other code: another tokeniser, another unit registry
        monkeypatch.setattr(search_index, "_fingerprint", lambda units: "other code")
    reads = _read_documents(monkeypatch)
    with caplog.at_level(logging.WARNING, logger="rag.search.index"):
        again = _started(corpus_copy, embedder).ask(QUESTION, OPERATOR)
    assert reads and reads[0] == 5  # every document read again
    assert again.answer == expected.answer
    assert (damage == "truncated") == any("unreadable" in r.getMessage() for r in caplog.records)
