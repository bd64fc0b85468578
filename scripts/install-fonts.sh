#!/usr/bin/env bash
# Installs the lettering fonts from Debian packages: fonts-comic-neue (balloon lettering) and
# fonts-ipafont-gothic (Japanese). Needs root (or sudo); safe to run again.
set -u
PACKAGES="fonts-comic-neue fonts-ipafont-gothic"
if dpkg -s $PACKAGES >/dev/null 2>&1; then
  echo "lettering fonts: already installed"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "lettering fonts: no apt-get here; install Comic Neue and a Japanese font yourself" >&2
  exit 0
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
if $SUDO apt-get install -y -qq $PACKAGES >/dev/null 2>&1 \
   || { $SUDO apt-get update -qq >/dev/null 2>&1 && $SUDO apt-get install -y -qq $PACKAGES >/dev/null 2>&1; }; then
  echo "lettering fonts: installed $PACKAGES"
else
  echo "lettering fonts: could not install $PACKAGES; lettering falls back to DejaVu" >&2
fi
exit 0
