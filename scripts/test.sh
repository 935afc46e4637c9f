#!/usr/bin/env bash
# Install the project with its test extras (and Debian's chromium for the browser test), run the suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-env.sh test,distributed
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "warning: could not install chromium; the browser test will fail" >&2
  fi
fi
.venv/bin/python -m pytest -q "$@"
