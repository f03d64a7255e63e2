#!/usr/bin/env bash
# Benchmarks Latchkey's ceremonies against peers in the same run and prints the ratios.
# The vault needs a Secret Service for its data key: this starts a private one.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${LATCHKEY_BENCH_SESSION:-}" ]; then
  bash scripts/setup.sh
  exec dbus-run-session -- env LATCHKEY_BENCH_SESSION=1 bash "$0" "$@"
fi
export XDG_DATA_HOME="$(mktemp -d)"
echo -n latchkey-bench | gnome-keyring-daemon --unlock --components=secrets >/dev/null
cargo bench -p latchkey-vault --bench vault_ops -- "$@"
cargo bench -p latchkey-authenticator --bench ceremonies -- "$@"
cargo bench -p latchkey-transfer --bench transfer
