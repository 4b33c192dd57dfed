"""Where a test's stores live. The suite runs twice in CI with the same tests:

- `pytest` (default): SQLite and embedded Chroma inside each test's data directory;
- `pytest --servers`: a real PostgreSQL (Debian's binaries) and a real Chroma server
  (`chroma run` from the chromadb package), started on loopback by bench/servers.py, each
  data directory mapped to its own database and collection.

Tests name their stores by data directory only: `settings_for(data_dir, ...)`, `env_for(data_dir)`
for subprocesses, `copy(source_dir, target_dir)` for a private copy of an ingested store.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from contextlib import suppress
from pathlib import Path
from typing import Any

from rag.config import Settings


def _name(data_dir: Path) -> str:
    return "t" + hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:16]


class Embedded:
    """SQLite + embedded Chroma: everything lives in the data directory."""

    def settings_for(self, data_dir: Path, **extra: Any) -> Settings:
        return Settings(data_dir=data_dir, **extra)

    def env_for(self, data_dir: Path) -> dict[str, str]:
        return {**os.environ, "TROLYXA_DATA_DIR": str(data_dir)}

    def snapshot(self, data_dir: Path) -> None:
        """Nothing to do: copying the directory copies the stores."""

    def copy(self, source: Path, target: Path) -> None:
        shutil.copytree(source, target)


class Servers(Embedded):
    """PostgreSQL + Chroma server: one database and one collection per data directory."""

    def __init__(self, postgres_url: str, chroma_url: str) -> None:
        self.postgres_url = postgres_url  # without a database name
        self.chroma_url = chroma_url

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.postgres_url.replace("+psycopg", "") + "/postgres", autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def _ensure_database(self, name: str, template: str | None = None) -> None:
        import psycopg

        with suppress(psycopg.errors.DuplicateDatabase):
            self._admin(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))

    def _store(self, data_dir: Path) -> dict[str, Any]:
        name = _name(data_dir)
        return {
            "database_url": f"{self.postgres_url}/{name}",
            "chroma_url": self.chroma_url,
            "chroma_collection": name,
        }

    def settings_for(self, data_dir: Path, **extra: Any) -> Settings:
        self._ensure_database(_name(data_dir))
        return Settings(data_dir=data_dir, **{**self._store(data_dir), **extra})

    def env_for(self, data_dir: Path) -> dict[str, str]:
        self._ensure_database(_name(data_dir))
        store = {f"TROLYXA_{key.upper()}": value for key, value in self._store(data_dir).items()}
        return {**super().env_for(data_dir), **store}

    def snapshot(self, data_dir: Path) -> None:
        """A template database nobody connects to, so copies can be made while tests read the original."""
        name = _name(data_dir)
        self._ensure_database(f"{name}_snapshot", template=name)

    def copy(self, source: Path, target: Path) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        shutil.copytree(source, target)
        self._ensure_database(_name(target), template=f"{_name(source)}_snapshot")
        host, port = self.chroma_url.rsplit(":", 1)
        client = chromadb.HttpClient(
            host=host.removeprefix("http://"), port=int(port), settings=ChromaSettings(anonymized_telemetry=False)
        )
        original = client.get_collection(_name(source))
        records = original.get(include=["embeddings", "metadatas"])
        duplicate = client.create_collection(
            _name(target), metadata=original.metadata, configuration={"hnsw": {"space": "cosine"}}
        )
        if records["ids"]:
            duplicate.add(ids=records["ids"], embeddings=records["embeddings"], metadatas=records["metadatas"])


current: Embedded = Embedded()


def settings_for(data_dir: Path, **extra: Any) -> Settings:
    return current.settings_for(data_dir, **extra)


def env_for(data_dir: Path) -> dict[str, str]:
    return current.env_for(data_dir)


def copy(source: Path, target: Path) -> None:
    current.copy(source, target)


def cli(
    data: Path, *args: str, stdin: str | None = None, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """`trolyxa ARGS` in its own process, over the stores of `data`."""
    return subprocess.run(
        [sys.executable, "-m", "trolyxa.cli", *args],
        capture_output=True,
        text=True,
        env={**env_for(data), **(env or {})},
        input=stdin,
        timeout=timeout,
        check=False,
    )
