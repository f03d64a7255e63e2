#!/usr/bin/env bash
# Host side of the virtual security key tests: boots the Linux guest (scripts/uhid-vm/run-vm.sh)
# and runs tests/hid/suite.sh in it against the already built debug `latchkey`
# ($CARGO_TARGET_DIR/debug/latchkey, else target/debug/latchkey).
#   usage: tests/hid/run.sh            the tests (exit status 0 only when every check passed)
#          tests/hid/run.sh --with-negative-control
#                                      first proves that a failing guest check fails the run
#                                      (a guest run whose check cannot pass must exit non-zero),
#                                      then the tests
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=${CARGO_TARGET_DIR:-$PWD/target}/debug/latchkey
if [ ! -x "$BIN" ]; then
  echo "hid tests: no $BIN: build it first (cargo build -p latchkey-cli)" >&2
  exit 1
fi
if [ "${1:-}" = "--with-negative-control" ]; then
  echo "--- negative control: a guest check that cannot pass"
  VM_TIMEOUT=${VM_TIMEOUT:-180} scripts/uhid-vm/run-vm.sh sh tests/hid/guest.sh fail
  rc=$?
  if [ "$rc" -eq 0 ] || [ "$rc" -eq 255 ]; then
    echo "FAIL: negative control: the failing guest check gave exit status $rc (want a failure from the check itself)"
    exit 1
  fi
  echo "PASS: negative control: the failing guest check failed the run (exit status $rc)"
  echo "--- the tests"
fi
VM_TIMEOUT=${VM_TIMEOUT:-240} exec scripts/uhid-vm/run-vm.sh sh tests/hid/guest.sh test
