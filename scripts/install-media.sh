#!/usr/bin/env bash
# Installs ffprobe (Debian package ffmpeg) to inspect rendered videos. MangaFlow itself needs
# no system packages for video: ffmpeg ships in the imageio-ffmpeg wheel, the offline narrator
# in espeakng-loader, and `mangaflow video probe` reads files with PyAV. Needs root (or sudo);
# safe to run again.
set -u
if command -v ffprobe >/dev/null 2>&1; then
  echo "ffprobe: already installed"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ffprobe: no apt-get here; install ffmpeg yourself, or use \`mangaflow video probe\`" >&2
  exit 0
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
if $SUDO apt-get install -y -qq --no-install-recommends ffmpeg >/dev/null 2>&1 \
   || { $SUDO apt-get update -qq >/dev/null 2>&1 && $SUDO apt-get install -y -qq --no-install-recommends ffmpeg >/dev/null 2>&1; }; then
  echo "ffprobe: installed (Debian ffmpeg)"
else
  echo "ffprobe: could not install Debian ffmpeg; the tests probe with PyAV instead" >&2
fi
exit 0
