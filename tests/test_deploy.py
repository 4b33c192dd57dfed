"""The deployment files work: docker-compose.yml is valid (Debian's docker-compose, no Docker
engine needed) and the image's install steps install a working assistant."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose not installed (.ci/run installs it)")
def test_compose_file_is_valid_with_and_without_the_llm_profile(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text((ROOT / ".env.example").read_text(encoding="utf-8"), encoding="utf-8")
    for extra in ([], ["--profile", "llm"]):
        result = subprocess.run(
            ["docker-compose", "--project-directory", str(ROOT), "--env-file", str(env), *extra, "config"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=ROOT,
        )
        assert result.returncode == 0, result.stderr
        ollama = result.stdout.split("\n  ollama:", 1)[1].split("\n  postgres:", 1)[0]
        assert "profiles:\n    - llm" in ollama  # only started with --profile llm
        assert result.stdout.count('ANONYMIZED_TELEMETRY: "False"') == 2  # the bot and the Chroma server


def test_the_image_install_steps_work_from_what_the_image_copies(tmp_path: Path) -> None:
    """The Dockerfile's COPY and pip steps, run here in a fresh virtual environment (there is no
    Docker engine): the installed package, not the checkout, migrates a new store, ingests and
    answers offline."""
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    context = tmp_path / "app"
    context.mkdir()
    for line in re.findall(r"^COPY (.+)$", dockerfile, flags=re.MULTILINE):
        *sources, target = line.split()
        for name in sources:
            path = ROOT / name
            destination = context / target / path.name if target.endswith("/") else context / target
            if path.is_dir():
                shutil.copytree(path, destination, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
            else:
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(path, destination)
    [install] = re.findall(r"^RUN (pip install .+)$", dockerfile, flags=re.MULTILINE)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {**os.environ, "PATH": f"{venv / 'bin'}:{os.environ['PATH']}", "TROLYXA_DATA_DIR": str(tmp_path / "data")}
    env.pop("VIRTUAL_ENV", None)
    for key in ("TROLYXA_DATABASE_URL", "TROLYXA_CHROMA_URL"):
        env.pop(key, None)
    built = subprocess.run(["sh", "-c", install], cwd=context, env=env, capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stderr[-3000:]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = lambda *args: subprocess.run(  # noqa: E731
        [str(venv / "bin" / "trolyxa"), *args], cwd=elsewhere, env=env, capture_output=True, text=True, check=False
    )
    ingested = run("ingest", str(context / "corpus"))
    assert ingested.returncode == 0, ingested.stdout + ingested.stderr
    answered = run("ask", "Chỉ thị 51-CT/TW nói gì?", "--json")
    assert "đổi thẻ đảng viên" in answered.stdout, answered.stderr
    assert "Lược đồ CSDL: 0006" in run("doctor").stdout
