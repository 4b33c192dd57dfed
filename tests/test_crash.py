"""Ingestion killed with SIGKILL at several points: after a restart the store is consistent
(SQL and Chroma agree, no half document searchable) and ingesting again completes."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rag.assistant import Assistant
from rag.scope import Scope
from tests import backends

OPERATOR = Scope.operator()

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
SMALL = [  # about 30 passages: a few seconds of embedding, so the kills land mid-way
    "binh-lu_2025-09-23_thong-bao-hoi-nghi-bch-lan-2.md",
    "phu-trung_2025-09-04_tin-giao-ban-quy-III.txt",
    "xuan-hung_2025-09_thong-bao-ket-luan-giao-ban.txt",
]


@pytest.mark.parametrize("after_seconds", [2.5, 6.0])
def test_sigkill_during_ingest_leaves_a_consistent_store(tmp_path: Path, embedder, after_seconds: float) -> None:
    data, batch = tmp_path / "data", tmp_path / "batch"
    batch.mkdir()
    for name in SMALL:
        shutil.copy(CORPUS / name, batch / name)
    env = backends.env_for(data)
    command = [sys.executable, "-m", "trolyxa.cli", "ingest", str(batch)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(after_seconds)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)

    restarted = Assistant(backends.settings_for(data), embedder=embedder).start()  # repairs on start
    assert restarted.doctor()["problems"] == []
    ready = {d.id for d in restarted.documents(OPERATOR)}
    assert restarted.vectors.document_ids() == ready
    for passage in restarted.ask("Ban Xây dựng Đảng tháng 10 phải làm gì?", OPERATOR).passages:
        assert passage.document_id in ready  # nothing of a half-written document is found

    report = restarted.ingest([batch])
    assert not report.failed and len(report.added) + len(report.unchanged) == len(SMALL)
    assert len(restarted.documents(OPERATOR)) == len(SMALL) and restarted.doctor()["problems"] == []
