#!/bin/sh
# Fetches axe-core (axe.min.js) for the accessibility checks of test_viewer.py into .cache/axe/axe.min.js, once.
# It comes inside the PyPI wheel of axe-selenium-python (a zip), fetched with pip: no npm needed.
set -eu
cd "$(dirname "$0")/../.."
out=.cache/axe
[ -s "$out/axe.min.js" ] && exit 0
mkdir -p "$out"
for pip in "python3 -m pip" "/usr/bin/python3 -m pip" pip3 pip; do
  if $pip download axe-selenium-python==2.1.6 --no-deps -d "$out" >/dev/null 2>&1; then break; fi
done
wheel=$(ls "$out"/axe_selenium_python-*.whl 2>/dev/null | head -n 1)
[ -n "$wheel" ] || { echo "fetch-axe: could not download axe-selenium-python" >&2; exit 1; }
python3 - "$wheel" "$out/axe.min.js" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel:
    data = wheel.read("axe_selenium_python/node_modules/axe-core/axe.min.js")
with open(sys.argv[2] + ".tmp", "wb") as f:
    f.write(data)
import os; os.replace(sys.argv[2] + ".tmp", sys.argv[2])
PY
