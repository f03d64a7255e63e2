#!/usr/bin/env bash
# Sets up and runs Latchkey's whole test suite on a fresh Debian/Ubuntu machine (root or sudo).
# Services are private to this run: a D-Bus session bus with a throw-away gnome-keyring (a
# developer's real keyring is never touched), a system bus with polkitd and the test rules, Xvfb.
set -uo pipefail
cd "$(dirname "$0")/.."

if [ -z "${LATCHKEY_TEST_SESSION:-}" ]; then
  bash scripts/setup.sh --test || exit 1
  exec bash scripts/test-env.sh bash "$0" "$@"
fi

# --- stages ----------------------------------------------------------------------------------
# Each stage's output is also kept, so that the end of the run repeats what a failed stage said:
# CI shows only the last lines of a run, and later stages would push it out of them.
passed=0; failed=0; failures=(); failure_logs=()
stage_logs="$(mktemp -d)"
trap 'rm -rf "$stage_logs"' EXIT
stage() {
  local name="$1"; shift
  echo "=== $name"
  local start=$SECONDS log="$stage_logs/$((passed + failed)).log" out tee_pid rc _
  # Through a descriptor, not a pipe: a process a stage leaves behind holding our stdout would
  # keep a pipe's `tee`, and so the stage, waiting for ever. tee gets up to 2 s to finish.
  exec {out}> >(tee "$log")
  tee_pid=$!
  "$@" >&"$out" 2>&1
  rc=$?
  exec {out}>&-
  for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$tee_pid" 2>/dev/null || break; sleep 0.2; done
  if [ "$rc" -eq 0 ]; then
    passed=$((passed + 1)); echo "=== $name: ok ($((SECONDS - start)) s)"
  else
    failed=$((failed + 1)); failures+=("$name"); failure_logs+=("$log")
    echo "=== $name: FAILED ($((SECONDS - start)) s)"
  fi
}

stage "format" cargo fmt --all --check
stage "ui: types, unit tests, build" bash -c 'cd ui && npm run --silent check && npm test --silent && npm run --silent build'
if [ -f extension/package.json ]; then
  stage "extension: types, unit tests, build" \
    bash -c 'cd extension && npm run --silent check && npm test --silent && npm run --silent build'
fi
stage "build" cargo build --workspace --all-targets --locked
stage "clippy" cargo clippy --workspace --all-targets --locked -- -D warnings
stage "cargo test" cargo test --workspace --locked
if [ -f tests/judges/test_fido2_judge.py ]; then
  stage "python fido2 judge" env LATCHKEY_BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug/latchkey" .venv/bin/python -m pytest -q tests/judges
fi
# Latchkey as a USB security key for other programs (libfido2's tools, python-fido2, OpenSSH),
# in a Linux guest: these machines have no /dev/uhid. Uses the debug `latchkey` built above; a
# negative control first proves that a failing check in the guest fails this stage.
if [ -x tests/hid/run.sh ]; then
  stage "virtual security key (Linux guest)" tests/hid/run.sh --with-negative-control
fi
if [ -x scripts/fuzz.sh ]; then
  stage "fuzz (short)" scripts/fuzz.sh 20
fi
stage "end to end: the app in WebKitGTK (tauri-driver)" \
  cargo test --locked -p latchkey-e2e -- --ignored --test-threads=1
if [ -f tests/browser/package.json ]; then
  stage "end to end: Chromium and Firefox with the extension" npm --prefix tests/browser test --silent
fi

echo
for i in "${!failures[@]}"; do
  echo "--- the last 40 lines of the failed stage \"${failures[$i]}\":"
  tail -n 40 "${failure_logs[$i]}"
done
if [ "$failed" -gt 0 ]; then echo "failed stages: ${failures[*]}"; fi
echo "stages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
