#!/usr/bin/env bash
# libfido2's tools (Debian fido2-tools) and OpenSSH against the key on HIDRAW, as the test user,
# with `latchkey hid serve --yes` behind it. One PASS/FAIL line per check; the exit status is the
# number of failed checks.   usage: clients.sh /dev/hidrawN
# HID_NEGATIVE_CONTROL=1 verifies the assertion with another credential's public key instead:
# that check must FAIL (tests/hid/suite.sh fail).
set -uo pipefail
DEV=$1
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
failures=0
pass() { echo "PASS: $*"; }
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
  if [ -s "$W/err" ]; then sed 's/^/    /' "$W/err"; fi
}
b64() { head -c "$1" /dev/urandom | base64 -w0; }

# --- libfido2: the key is listed and describes itself
if fido2-token -L >"$W/list" 2>"$W/err" && grep -q "^$DEV:" "$W/list"; then
  pass "fido2-token -L lists $DEV: $(grep "^$DEV:" "$W/list")"
else
  fail "fido2-token -L does not list $DEV: $(cat "$W/list")"
fi
if fido2-token -I "$DEV" >"$W/info" 2>"$W/err"; then
  opts=$(sed -n 's/^options: //p' "$W/info" | tr -d ' ')
  # Built-in UV and resident keys, no PIN (so clients never ask for one), credential management.
  if grep -q FIDO_2_ "$W/info" && [[ ",$opts," == *",uv,"* ]] &&
    [[ ",$opts," == *",rk,"* ]] && [[ ",$opts," == *",credMgmt,"* ]] &&
    [[ ",$opts," == *",pinUvAuthToken,"* ]] && [[ ",$opts," != *",clientPin,"* ]] &&
    grep -q '^maxmsgsiz: 7609$' "$W/info"; then
    pass "fido2-token -I: $(grep '^version strings' "$W/info"); options: $opts"
  else
    fail "fido2-token -I: unexpected: $(tr '\n' ';' <"$W/info")"
  fi
else
  fail "fido2-token -I $DEV failed"
fi

# --- libfido2: a resident credential with UV (through getPinUvAuthTokenUsingUvWithPermissions:
# the key has no PIN), its self attestation verified, then an assertion verified with its key.
make_cred() { # rp user -> $W/cred.$1 (fido2-cred -M output) and $W/pub.$1 (PEM public key)
  printf '%s\n%s\n%s\n%s\n' "$(b64 32)" "$1" "$2" "$(b64 16)" >"$W/param.$1"
  fido2-cred -M -r -v -q -i "$W/param.$1" -o "$W/cred.$1" "$DEV" es256 2>"$W/err" &&
    fido2-cred -V -v -i "$W/cred.$1" -o "$W/pub.$1" es256 2>>"$W/err"
}
if make_cred tools.example alice; then
  pass "fido2-cred -M -r -v made a resident credential; fido2-cred -V -v verified its attestation (fmt $(sed -n 3p "$W/cred.tools.example"))"
else
  fail "fido2-cred -M -r -v / -V on $DEV"
fi
key=$W/pub.tools.example
if [ -n "${HID_NEGATIVE_CONTROL:-}" ]; then
  make_cred other.example mallory || fail "fido2-cred for the negative control"
  key=$W/pub.other.example
fi
printf '%s\n%s\n' "$(b64 32)" tools.example >"$W/assert-param"
# `-t uv=true`, not -v: fido2-assert's -v reads a PIN; with uv=true and no PIN libfido2 gets the
# UV token from the key, as browsers do.
if fido2-assert -G -r -t uv=true -i "$W/assert-param" -o "$W/assertion" "$DEV" 2>"$W/err"; then
  n=$(($(wc -l <"$W/assertion") / 5))
  # -V input: client data hash, rp id, authenticator data, signature (lines 1-4 of -G output).
  if [ "$n" -eq 1 ] && head -4 "$W/assertion" | fido2-assert -V -v -p "$key" es256 2>"$W/err"; then
    pass "fido2-assert -G -r -t uv=true signed; fido2-assert -V -v -p verified it with the credential's public key"
  else
    fail "fido2-assert -V: $n assertion(s), the signature does not verify with $(basename "$key")"
  fi
else
  fail "fido2-assert -G -r -t uv=true on $DEV"
fi

# --- OpenSSH: a resident ecdsa-sk key made in Latchkey, then a file signed and verified with it.
if [ -z "${HID_NEGATIVE_CONTROL:-}" ]; then
  cd "$W" || exit 1
  if ssh-keygen -q -t ecdsa-sk -O resident -O application=ssh:latchkey -O device="$DEV" -N '' \
    -C latchkey-test@guest -f "$W/id_ecdsa_sk" </dev/null >"$W/err" 2>&1; then
    pass "ssh-keygen -t ecdsa-sk -O resident: $(cut -d' ' -f1,3 "$W/id_ecdsa_sk.pub")"
    echo "signed by Latchkey over HID $(date)" >"$W/message"
    echo "latchkey-test@guest $(cut -d' ' -f1,2 "$W/id_ecdsa_sk.pub")" >"$W/allowed_signers"
    if ssh-keygen -Y sign -f "$W/id_ecdsa_sk" -n file "$W/message" </dev/null >"$W/err" 2>&1 &&
      ssh-keygen -Y verify -f "$W/allowed_signers" -I latchkey-test@guest -n file \
        -s "$W/message.sig" <"$W/message" >"$W/err" 2>&1; then
      pass "ssh-keygen -Y sign, then -Y verify: $(cat "$W/err")"
    else
      fail "ssh-keygen -Y sign / -Y verify"
    fi
    echo "tampered" >>"$W/message"
    if ssh-keygen -Y verify -f "$W/allowed_signers" -I latchkey-test@guest -n file \
      -s "$W/message.sig" <"$W/message" >/dev/null 2>&1; then
      fail "ssh-keygen -Y verify accepted a changed file"
    else
      pass "ssh-keygen -Y verify refuses the signature for a changed file"
    fi
  else
    fail "ssh-keygen -t ecdsa-sk -O resident"
  fi
fi
exit "$failures"
