"""Locks across processes and hosts: one writer at a time, one start-up at a time."""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine


@contextmanager
def exclusive(engine: Engine, lock_dir: Path, name: str, wait: bool = True) -> Iterator[bool]:
    """A lock across processes, yielding whether it was taken (always, when `wait`).
    On PostgreSQL an advisory lock, so processes on different hosts (bot replicas, an ingest
    job) exclude each other; it is released if the holder dies. Otherwise a file lock in the
    data directory, which covers every process that can open the same SQLite file."""
    if engine.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(f"trolyxa:{name}".encode()).digest()[:8], "big", signed=True)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            call = "pg_advisory_lock" if wait else "pg_try_advisory_lock"
            taken = connection.execute(text(f"SELECT {call}(:key)"), {"key": key}).scalar() is not False
            try:
                yield taken
            finally:
                if taken:
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
        return
    with open(lock_dir / f"{name}.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
