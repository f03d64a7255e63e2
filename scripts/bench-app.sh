#!/usr/bin/env bash
# Prints the app's figures (cold start to first painted list, search latency per keystroke,
# idle RSS) with 10 000 passkeys beside the same with 10, in the real webview under Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
(cd ui && npm run --silent build)
cargo build -p latchkey-app
exec bash scripts/test-env.sh cargo run -q -p latchkey-e2e --example bench_app
