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
# Only the small database: the other derives a 64 MiB Argon2 key per run.
seed import_kdbx "$fixtures"/keepassxc_small.kdbx
# Built first and apart, so that a build that fails is not taken for a crash.
if ! cargo fuzz build --sanitizer none >build.log 2>&1; then
  tail -n 30 build.log
  echo "fuzz: the fuzz targets did not build (see fuzz/build.log)"
  exit 1
fi
for target in $(cargo fuzz list); do
  mkdir -p "corpus/$target"
  echo "fuzz: $target for ${secs}s"
  if ! cargo fuzz run --sanitizer none "$target" "corpus/$target" -- \
      -max_total_time="$secs" -max_len=8192 >"target-$target.log" 2>&1; then
    grep -E '^(==[0-9]+== ?ERROR|SUMMARY|thread .* panicked)' "target-$target.log" | head -n 5
    tail -n 30 "target-$target.log"
    # The input itself, so that a crash seen only on a CI machine can be replayed here:
    # base64 -d > crash && cargo fuzz run --sanitizer none TARGET crash
    for input in "artifacts/$target"/*; do
      [ -f "$input" ] && echo "fuzz: $input (base64): $(head -c 6000 "$input" | base64 -w0)"
    done
    echo "fuzz: $target failed or found a crash (see fuzz/artifacts/$target)"
    exit 1
  fi
  tail -n 2 "target-$target.log"
done
