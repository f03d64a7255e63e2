#!/usr/bin/env bash
# Benchmark (not a test): the time from a page's navigator.credentials.get() to the demo site's
# verified sign-in, through Latchkey (Chromium + the extension + the native host + the app, the
# approval clicked by tauri-driver as soon as the prompt takes input) and through Chromium's
# DevTools virtual authenticator on the same page. Prints median, p90 and the ratio.
# Usage: scripts/bench-browser.sh [RUNS]   (default 20; after scripts/setup.sh --test)
# Runs inside the test services (scripts/test-env.sh): a throw-away keyring, polkit, Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-20}"
if [ -z "${LATCHKEY_TEST_SESSION:-}" ]; then
  cargo build --quiet -p latchkey-cli -p latchkey-app -p latchkey-browser-host -p latchkey-demo-site
  if [ ! -f extension/dist/chromium/manifest.json ]; then
    npm --prefix extension run --silent build
  fi
  exec bash scripts/test-env.sh bash "$0" "$runs"
fi
export LATCHKEY_ALLOW_ROOT=1
exec node tests/browser/bench.js "$runs"
