#!/usr/bin/env bash
# The HID door's cost beside the CLI: in one Linux guest run (scripts/uhid-vm), the median of N
# `fido2-assert -G` round trips through `latchkey hid serve --yes` beside the median of N
# `latchkey webauthn get --yes` sign-ins of the same resident passkey, and their ratio.
# Both use the same `latchkey`: the debug build in $CARGO_TARGET_DIR (else target/), or with
# PROFILE=release the release build. As root, after scripts/setup.sh --test.
#   usage: scripts/bench-hid.sh [N]   (default 20)
set -uo pipefail
cd "$(dirname "$0")/.."
N=${1:-20}
case "$N" in '' | *[!0-9]*) echo "usage: $0 [N]" >&2; exit 2 ;; esac
BIN=${CARGO_TARGET_DIR:-$PWD/target}/${PROFILE:-debug}/latchkey
[ -x "$BIN" ] || { echo "bench-hid: no $BIN: build it first (cargo build -p latchkey-cli)" >&2; exit 1; }
VM_ENV="LATCHKEY_BIN=$BIN" VM_TIMEOUT=${VM_TIMEOUT:-$((120 + N * 20))} exec scripts/uhid-vm/run-vm.sh sh tests/hid/guest.sh bench "$N"
