#!/usr/bin/env bash
# Create .venv (if needed) and install Trợ lý Xã with the given extras, e.g. `scripts/setup.sh dev`.
# One line per step; pip's own chatter is kept quiet (-q), its errors are not.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
step() { printf '[cài đặt] %s\n' "$*"; }
if [ ! -x .venv/bin/python ]; then
    step "Tạo môi trường ảo .venv ($(python3 --version 2>&1))…"
    python3 -m venv .venv
else
    step "Dùng môi trường ảo có sẵn .venv ($(.venv/bin/python --version 2>&1))."
fi
step "Cập nhật pip…"
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
target="."
[ -n "$extras" ] && target=".[$extras]"
step "Cài Trợ lý Xã và các thư viện${extras:+ (thêm nhóm: $extras)}; lần đầu mất khoảng một phút…"
# setuptools notes that an editable install of a flat layout lets same-named folders shadow
# the package: true of every checkout, and nothing to act on.
PYTHONWARNINGS="ignore:Editable installation" \
    .venv/bin/python -m pip install -q --disable-pip-version-check -e "$target"
step "Xong: $(.venv/bin/trolyxa --help >/dev/null && echo 'lệnh .venv/bin/trolyxa đã sẵn sàng (trolyxa --help).')"
