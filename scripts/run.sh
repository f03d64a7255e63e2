#!/usr/bin/env bash
# Sets up, builds and starts Latchkey: the `latchkey` CLI and the desktop window.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
(cd ui && npm run --silent build)
cargo build --release -p latchkey-cli -p latchkey-app
echo "run: the CLI is ./target/release/latchkey (try: ./target/release/latchkey --help)"
echo "run: the window starts locked; Unlock asks for your password (and creates the vault the first time)"
exec ./target/release/latchkey-app
