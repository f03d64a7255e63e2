#!/usr/bin/env bash
# Prints the app's figures (launch to the lock screen, unlock to the first painted list, search
# latency per keystroke, idle PSS of the app and of each WebKit process, request → approval
# prompt painted, first and second) with 10 000 passkeys beside the same with 10, in the real
# webview under Xvfb; then the memory of the app started plainly (no WebDriver), unlocked
# through its socket, beside the same with WebKit's defaults.
#   scripts/bench-app.sh            debug build (quick to build; the figures issue 11 sets are
#   scripts/bench-app.sh --release  for a release build: use this one for them)
set -euo pipefail
cd "$(dirname "$0")/.."
profile=debug
release=()
if [[ "${1:-}" == "--release" ]]; then
    profile=release
    release=(--release)
fi
bash scripts/setup.sh --test
(cd ui && npm run --silent build)
cargo build "${release[@]}" -p latchkey-app -p latchkey-cli
# The example itself only drives the app; it is built in the debug profile either way.
LATCHKEY_BENCH_PROFILE=$profile exec bash scripts/test-env.sh cargo run -q -p latchkey-e2e --example bench_app
