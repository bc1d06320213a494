#!/bin/sh
# Installs what the test suite needs: the package with its test extras, and
# Debian's Chromium with CJK fonts for the browser tests (Playwright drives
# /usr/bin/chromium; it never downloads a browser of its own).
set -e
cd "$(dirname "$0")/.."
python3 -m pip install --quiet -e '.[test]'
if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
  if [ "$(id -u)" = "0" ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
fi
