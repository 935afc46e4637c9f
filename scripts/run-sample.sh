#!/usr/bin/env bash
# Install, then run the main job on the sample PDFs shipped in data/raw/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-env.sh
.venv/bin/minutes ingest data/raw/ --db data/warehouse/minutes.duckdb
