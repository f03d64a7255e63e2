#!/usr/bin/env bash
# DEV ONLY: screenshot a page of the mock preview server with headless Chromium.
# usage: dev/shot.sh NAME 'index.html?theme=dark' [WIDTH HEIGHT] [BUDGET_MS]
set -euo pipefail
name=$1; page=$2; w=${3:-1000}; h=${4:-660}; budget=${5:-4000}
out="$(dirname "$0")/../shots/$name.png"
prof=$(mktemp -d)
/usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$prof" --hide-scrollbars --force-device-scale-factor=1 --force-prefers-reduced-motion \
  --virtual-time-budget="$budget" --window-size="$w,$h" --screenshot="$out" \
  "http://localhost:4173/$page" >/dev/null 2>"$prof/err.log" || { cat "$prof/err.log"; exit 1; }
rm -rf "$prof"
echo "$out"
