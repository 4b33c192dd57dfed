#!/usr/bin/env bash
# Set up, ingest the sample corpus into the embedded stores (./data) and open the console chat.
# With TELEGRAM_BOT_TOKEN set, the Telegram bot is started instead of the console chat.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export ANONYMIZED_TELEMETRY=False
.venv/bin/trolyxa ingest corpus/
if [ -n "${TELEGRAM_BOT_TOKEN:-}" ]; then
    exec .venv/bin/trolyxa bot
fi
exec .venv/bin/trolyxa chat
