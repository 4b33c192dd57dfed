"""Time to first answer, with and without a chat model: how long a user waits for the checked
extractive answer, and for the model's verified answer that replaces it.

    python -m bench.first_answer [--delay 3] [--timeout 5]

The samples are ingested into a temporary store; each question of the evaluation set is asked
through `Assistant.ask_stream`, as the bot and the console chat ask it, in three set-ups: no
model; a scripted OpenAI-compatible server on loopback that replies after `--delay` seconds
(tests/openai_server.py: a real HTTP conversation, the model itself scripted); and one that
never replies in time (`--timeout`). Prints p50/p95 of the first and of the last answer.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from rag.assistant import Assistant
from rag.config import Settings
from rag.evaluation.questions import OPERATOR, load_questions, percentile
from tests.openai_server import ScriptedLLM

ROOT = Path(__file__).resolve().parents[1]


def timings(assistant: Assistant, questions: list[str]) -> dict[str, Any]:
    first: list[float] = []
    last: list[float] = []
    refined = 0
    for question in questions:
        started = time.perf_counter()
        answers = 0
        for _ in assistant.ask_stream(question, OPERATOR):
            answers += 1
            if answers == 1:
                first.append(time.perf_counter() - started)
        last.append(time.perf_counter() - started)
        refined += answers > 1
    return {
        "questions": len(questions),
        "first_p50_s": round(statistics.median(first), 3),
        "first_p95_s": round(percentile(first, 95), 3),
        "last_p50_s": round(statistics.median(last), 3),
        "last_p95_s": round(percentile(last, 95), 3),
        "replaced_by_model": refined,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--delay", type=float, default=3.0, help="seconds the scripted model takes to reply")
    parser.add_argument("--timeout", type=float, default=5.0, help="the model's timeout (the hung model's cost)")
    parser.add_argument("--questions", type=int, default=20, help="questions of the evaluation set asked")
    args = parser.parse_args()
    questions = [q.question for q in load_questions(ROOT / "tests" / "eval" / "questions.jsonl")][: args.questions]
    with tempfile.TemporaryDirectory(prefix="trolyxa-first-") as data, ScriptedLLM() as llm:
        base = Settings(data_dir=Path(data), database_url=None, chroma_url=None)
        Assistant(base).start().ingest([ROOT / "corpus"])
        model = {"llm_base_url": llm.url, "llm_timeout": args.timeout, "llm_retries": 0}
        setups = [
            ("no model", base, None),
            (f"model replies after {args.delay:g} s", base.model_copy(update=model), f"!delay:{args.delay}:"),
            (f"model hangs (timeout {args.timeout:g} s)", base.model_copy(update=model), f"!sleep:{args.timeout * 3}"),
        ]
        print(f"{'set-up':34} {'first p50/p95 (s)':>18} {'last p50/p95 (s)':>18} {'replaced':>9}")
        for label, settings, script in setups:
            assistant = Assistant(settings).start()
            if script is not None:  # a reply that states no figure, cited: it verifies
                llm.reply = script + "Theo tài liệu [1]." if script.startswith("!delay") else script
            next(iter(assistant.ask_stream(questions[0], OPERATOR)))  # the embedder's first call is no user's wait
            row = timings(assistant, questions)
            print(
                f"{label:34} {row['first_p50_s']:>8.3f}/{row['first_p95_s']:<9.3f} "
                f"{row['last_p50_s']:>8.3f}/{row['last_p95_s']:<9.3f} {row['replaced_by_model']:>5}/{row['questions']}"
            )
            assistant.engine.dispose()


if __name__ == "__main__":
    main()
