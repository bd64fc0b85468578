#!/usr/bin/env bash
# Installs headless Chromium from the Debian package `chromium` (the dashboard's browser test
# loads every page in it). Needs root (or sudo); safe to run again. Exits non-zero when the
# browser cannot be installed, because CI must run the browser test.
set -u
PACKAGE="chromium"
if [ -x /usr/bin/chromium ] && dpkg -s "$PACKAGE" >/dev/null 2>&1; then
  echo "browser: already installed ($(/usr/bin/chromium --version 2>/dev/null || echo chromium))"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "browser: no apt-get here; install Chromium at /usr/bin/chromium yourself" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "browser: needs root or sudo to install $PACKAGE" >&2
    exit 1
  fi
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
if $SUDO apt-get install -y -qq --no-install-recommends $PACKAGE >/dev/null 2>&1 \
   || { $SUDO apt-get update -qq >/dev/null 2>&1 \
        && $SUDO apt-get install -y -qq --no-install-recommends $PACKAGE >/dev/null 2>&1; }; then
  echo "browser: installed $PACKAGE ($(/usr/bin/chromium --version 2>/dev/null || echo '?'))"
else
  echo "browser: could not install $PACKAGE (apt-get failed)" >&2
  exit 1
fi
exit 0
