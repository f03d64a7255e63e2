#!/usr/bin/env bash
# DEV ONLY: print the browser console and final DOM size of a mock page.
page=$1; prof=$(mktemp -d)
timeout 60 /usr/bin/chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$prof" --enable-logging=stderr --v=0 \
  --virtual-time-budget="${2:-4000}" --dump-dom "http://localhost:4173/$page" 2>"$prof/err.log" > "$prof/dom.html"
grep -h "CONSOLE" "$prof/err.log" | sed 's/.*CONSOLE/CONSOLE/' | head -20
echo "DOM bytes: $(wc -c < "$prof/dom.html")"
rm -rf "$prof"
