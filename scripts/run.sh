#!/usr/bin/env bash
# Sets up, builds and starts Latchkey: the `latchkey` CLI and the desktop window.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --release -p latchkey-cli -p latchkey-app
if ! ./target/release/latchkey list >/dev/null 2>&1; then
  ./target/release/latchkey init
fi
echo "run: the CLI is ./target/release/latchkey (try: ./target/release/latchkey --help)"
exec ./target/release/latchkey-app
