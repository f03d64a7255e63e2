#!/usr/bin/env bash
# Runs every cargo-fuzz target for N seconds each (default 60). Works on a stable toolchain:
# RUSTC_BOOTSTRAP lets cargo-fuzz pass its instrumentation flags; no sanitizer is used so no
# nightly-only runtime is needed. For long runs: scripts/fuzz.sh 3600
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs="${1:-60}"
export RUSTC_BOOTSTRAP=1
# The import parsers start from real files of their formats (the transfer test fixtures).
seed() { mkdir -p "corpus/$1"; cp -n "${@:2}" "corpus/$1/" || true; }
fixtures=../crates/transfer/tests/fixtures
seed import_cxf "$fixtures"/cxf_*.json
seed import_bitwarden "$fixtures"/bitwarden*.json
seed import_keepassxc "$fixtures"/*.passkey
seed import_kdbx "$fixtures"/*.kdbx
for target in $(cargo fuzz list); do
  mkdir -p "corpus/$target"
  echo "fuzz: $target for ${secs}s"
  if ! cargo fuzz run --sanitizer none "$target" "corpus/$target" -- \
      -max_total_time="$secs" -max_len=8192 >"target-$target.log" 2>&1; then
    tail -n 30 "target-$target.log"
    echo "fuzz: $target failed or found a crash (see fuzz/artifacts/$target)"
    exit 1
  fi
  tail -n 2 "target-$target.log"
done
