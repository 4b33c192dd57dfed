"""Evaluation on real documents nobody on the team wrote: the 45 e-office texts of one
commune's Party committee (`../shared/realdocs/cong-hai/` beside the checkout; never copied
into the repository), with the team's questions in `tests/eval/conghai.jsonl`.

The documents are ingested into a store of their own, in a temporary directory, with the
configured embedder; the questions' documents are split in two halves ("tune", "test"), and
the report gives each half apart: rules and thresholds are tuned on one, reported on the other.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from rag.assistant import Assistant
from rag.config import Settings
from rag.evaluation.questions import run_evaluation

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = ROOT / "tests" / "eval" / "conghai.jsonl"
FOLDER = ROOT.parent / "shared" / "realdocs" / "cong-hai"


def run_real_evaluation(settings: Settings, folder: Path = FOLDER, questions: Path = QUESTIONS) -> dict[str, Any]:
    """Ingest `folder` afresh and score the questions on it."""
    with tempfile.TemporaryDirectory(prefix="trolyxa-real-") as data:
        own = settings.model_copy(update={"data_dir": Path(data), "database_url": None, "chroma_url": None})
        assistant = Assistant(own).start()
        started = time.perf_counter()
        report = assistant.ingest([folder])
        seconds = time.perf_counter() - started
        result = run_evaluation(assistant, questions, baseline=False, spaceless=True)
        assistant.engine.dispose()
    result["ingest"] = {"documents": len(report.added), "failed": report.failed, "seconds": round(seconds, 1)}
    result["table"] = (
        f"Real documents: {folder} ({len(report.added)} ingested in {seconds:.0f} s, {len(report.failed)} failed)\n"
        + result["table"]
    )
    return result
