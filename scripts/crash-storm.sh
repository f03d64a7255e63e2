#!/usr/bin/env bash
# The kill storm by hand, with no time limit: N SIGKILLs (default 5000) while passkeys are
# created, used for sign-in, renamed, deleted and listed; after every kill the vault must open
# with every acknowledged passkey, each signing in (webauthn-rs judges).
#   cli: the `latchkey` CLI itself is killed (default)
#   app: the app's session and socket are killed under the CLI's requests and while unlocking
# Usage: scripts/crash-storm.sh [N] [cli|app] [SEED]   (inside the private test services; root)
set -euo pipefail
cd "$(dirname "$0")/.."
KILLS="${1:-5000}"
TARGET="${2:-cli}"
case "$TARGET" in
  cli) PREFIX=LATCHKEY_STORM TEST=crash_storm ;;
  app) PREFIX=LATCHKEY_APP_STORM TEST=app_crash_storm ;;
  *) echo "crash-storm: the target is cli or app, not $TARGET" >&2; exit 2 ;;
esac
export "${PREFIX}_KILLS=$KILLS" "${PREFIX}_SECONDS=0"
if [ -n "${3:-}" ]; then export LATCHKEY_STORM_SEED="$3"; fi
exec scripts/test-env.sh cargo test -p latchkey-cli --test "$TEST" -- --nocapture
