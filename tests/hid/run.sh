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
  out=$(mktemp)
  VM_TIMEOUT=${VM_TIMEOUT:-180} scripts/uhid-vm/run-vm.sh sh tests/hid/guest.sh fail | tee "$out"
  rc=${PIPESTATUS[0]}
  fails=$(tr -d '\r' <"$out" | grep '^FAIL: ')
  rm -f "$out"
  # Only the planted failure, and the run's exit status says so.
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 255 ] && [ "$(echo "$fails" | wc -l)" -eq 1 ] &&
    [[ "$fails" == "FAIL: fido2-assert -V"* ]]; then
    echo "PASS: negative control: the planted failure failed the guest run (exit status $rc)"
  else
    echo "FAIL: negative control: want exactly the planted fido2-assert -V failure and a failing exit status, got exit status $rc and: ${fails:-no FAIL line}"
    exit 1
  fi
  echo "--- the tests"
fi
VM_TIMEOUT=${VM_TIMEOUT:-240} exec scripts/uhid-vm/run-vm.sh sh tests/hid/guest.sh test
