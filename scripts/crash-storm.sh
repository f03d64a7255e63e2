#!/usr/bin/env bash
# The kill storm by hand: N SIGKILLs (default 5000) of the real `latchkey` CLI while it creates,
# signs in with, renames, deletes and lists passkeys; after every kill the vault must open with
# every acknowledged passkey, each signing in (webauthn-rs judges). No time limit.
# Usage: scripts/crash-storm.sh [N] [SEED]     (inside the private test services; root or sudo)
set -euo pipefail
cd "$(dirname "$0")/.."
KILLS="${1:-5000}"
export LATCHKEY_STORM_KILLS="$KILLS" LATCHKEY_STORM_SECONDS=0
if [ -n "${2:-}" ]; then export LATCHKEY_STORM_SEED="$2"; fi
exec scripts/test-env.sh cargo test -p latchkey-cli --test crash_storm -- --nocapture
