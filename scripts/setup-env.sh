#!/usr/bin/env bash
# Create .venv with Python 3.11 and install the project (plus extras given as $1, e.g. "test").
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-ocr.sh   # Tesseract + Danish and OSD models (Debian packages) for scanned pages
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
if [ -n "${1:-}" ]; then
  .venv/bin/python -m pip install --quiet -e ".[$1]"
else
  .venv/bin/python -m pip install --quiet -e .
fi
# The spaCy pipeline is assembled from installed packages and saved under models/.
[ -f models/minutes_da/config.cfg ] || .venv/bin/minutes build-model
