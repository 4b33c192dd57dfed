"""The deployment files are valid: docker-compose (Debian's package, no Docker engine needed)."""

from __future__ import annotations

import shutil
import subprocess
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
