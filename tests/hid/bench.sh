#!/usr/bin/env bash
# The benchmark's timed loops, as the test user in the guest (tests/hid/suite.sh bench runs them
# in one guest run: the HID loop while `latchkey hid serve --yes` runs, the CLI loop after it
# stopped, since both open the same vault). One sign-in = one ceremony with user verification of
# the same resident passkey: through the HID door `fido2-assert -G -r -t uv=true` (libfido2 gets a UV
# token, then the assertion), through the CLI `latchkey webauthn get --yes` (a process start, the
# vault opened, the OS check, the assertion). Each prints one duration in ms per line.
#   usage: bench.sh setup HIDRAW | hid HIDRAW N | cli N | report HID_FILE CLI_FILE
set -uo pipefail
RP=bench.example
ms() { echo $(($(date +%s%N) / 1000000)); }
case "$1" in
  setup)
    printf '%s\n%s\n%s\n%s\n' "$(head -c 32 /dev/urandom | base64 -w0)" $RP bench \
      "$(head -c 16 /dev/urandom | base64 -w0)" |
      fido2-cred -M -r -v -q -o /dev/null "$2" es256 || { echo "bench: fido2-cred -M failed" >&2; exit 1; }
    ;;
  hid)
    param=$(mktemp)
    printf '%s\n%s\n' "$(head -c 32 /dev/urandom | base64 -w0)" $RP >"$param"
    for _ in $(seq "$3"); do
      t=$(ms)
      fido2-assert -G -r -t uv=true -i "$param" "$2" >/dev/null || { echo "bench: fido2-assert -G failed" >&2; exit 1; }
      echo $(($(ms) - t))
    done
    rm -f "$param"
    ;;
  cli)
    options="{\"challenge\":\"YmVuY2gtY2hhbGxlbmdlLWJlbmNoLWNoYWxsZW5nZQ\",\"rpId\":\"$RP\",\"userVerification\":\"required\"}"
    for _ in $(seq "$2"); do
      t=$(ms)
      echo "$options" | "$BIN" webauthn get --origin https://$RP --yes >/dev/null 2>/tmp/bench-cli.err ||
        { echo "bench: latchkey webauthn get failed: $(cat /tmp/bench-cli.err)" >&2; exit 1; }
      echo $(($(ms) - t))
    done
    ;;
  report)
    median() { sort -n "$1" | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
    h=$(median "$2") c=$(median "$3")
    echo "bench: $(wc -l <"$2") sign-ins each, one guest run (QEMU software emulation: absolute times are slow, compare the ratio)"
    echo "bench: HID door, fido2-assert -G -r -t uv=true round trip: median $h ms"
    echo "bench: CLI, latchkey webauthn get --yes:           median $c ms"
    echo "bench: ratio HID/CLI: $(awk -v h="$h" -v c="$c" 'BEGIN {printf "%.2f", h / c}')"
    ;;
  *) echo "usage: bench.sh setup HIDRAW | hid HIDRAW N | cli N | report HID CLI" >&2; exit 2 ;;
esac
