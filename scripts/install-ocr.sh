#!/usr/bin/env bash
# OCR of scanned pages needs Debian's Tesseract with the Danish model and the orientation (OSD) model.
# Installs the missing packages when run as root on a machine with apt-get; otherwise says what is missing
# (the product still runs: pages without a text layer then stay empty and get a `no_text_layer` warning).
set -euo pipefail
missing=()
command -v tesseract >/dev/null 2>&1 || missing+=(tesseract-ocr)
langs=$(tesseract --list-langs 2>/dev/null || true)
grep -qx dan <<<"$langs" || missing+=(tesseract-ocr-dan)
grep -qx osd <<<"$langs" || missing+=(tesseract-ocr-osd)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null) \
    || echo "warning: could not install ${missing[*]}; scanned pages will not be OCR'd" >&2
else
  echo "warning: OCR needs the Debian packages ${missing[*]} (as root: apt-get install ${missing[*]});" \
       "scanned pages will not be OCR'd" >&2
fi
