#!/usr/bin/env bash
# Latchkey as a USB security key, tested from the clients' side inside the Linux guest (root,
# within the test services; see tests/hid/guest.sh). `latchkey hid serve` runs as the
# unprivileged user latchkey-test (polkit's test rules allow that user's OS check) and creates
# the virtual key on /dev/uhid; libfido2's tools, python-fido2 and OpenSSH, also as that user, use
# it through /dev/hidrawN as they would use a real key. No udev runs in the guest, so this script
# hands /dev/uhid and the key's hidraw node to the user itself (chown), as the udev rule does on
# a desktop.
#   usage: suite.sh test          the tests: PASS/FAIL lines, exit status = number of failures
#          suite.sh bench N       N fido2-assert -G round trips beside N CLI sign-ins
#          suite.sh fail          negative control: one check that must fail (exit 1)
set -uo pipefail
cd "$(dirname "$0")/../.."
HID=tests/hid
USER_NAME=latchkey-test
BIN=${LATCHKEY_BIN:-${CARGO_TARGET_DIR:-$PWD/target}/debug/latchkey}
LOGS=/vmwork
U_HOME=/tmp/hid-home
export LATCHKEY_DATA_DIR=$U_HOME/vault

failures=0
rm -f "$LOGS"/serve-*.log   # a kept scratch dir (VM_SCRATCH) may hold an earlier run's
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# Runs a command as the test user with the run's session bus (without root's XDG_RUNTIME_DIR,
# as after `su`), its own HOME and the vault dir. An array, so that `"${AS_USER[@]}" cmd &` puts
# the command itself in the background (its pid is $!), not a shell around it.
AS_USER=(setpriv --reuid="$USER_NAME" --regid="$USER_NAME" --clear-groups --
  env -u XDG_RUNTIME_DIR -u LATCHKEY_ALLOW_ROOT HOME="$U_HOME")
as_user() { "${AS_USER[@]}" "$@"; }

# Waits up to $2 tenths of a second for the command in $1 to succeed.
wait_for() {
  local i=0
  until eval "$1"; do
    i=$((i + 1))
    [ "$i" -lt "$2" ] || return 1
    sleep 0.1
  done
}

# python-fido2 2.x from the project's venv. The venv's interpreter is a link to the python it
# was made with: /usr/bin/python3 on a Debian machine (the guest has the host's /usr), but a
# python outside /usr (pyenv under /root) is not in the guest; then the guest's own python of
# the same version runs the venv's packages.
python_for_tests() {
  if as_user .venv/bin/python -c 'import fido2' 2>/dev/null; then
    PY=$PWD/.venv/bin/python
    return
  fi
  local site
  site=$(echo "$PWD"/.venv/lib/python3.*/site-packages)
  local want=${site#"$PWD"/.venv/lib/python}
  want=${want%%/*}
  if [ -d "$site" ] && [ "$(/usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')" = "$want" ]; then
    export PYTHONPATH=$site
    PY=/usr/bin/python3
    return
  fi
  echo "suite: no python with fido2 2.x: run scripts/setup.sh --test (it makes .venv)" >&2
  return 1
}

# Starts `latchkey hid serve ARGS` as the test user (stdin from $SERVE_IN), waits for its
# `ready` line and the key's hidraw node, and hands that node to the user (no udev here).
SERVE_PID=""
HIDRAW=""
start_serve() {
  local log=$LOGS/serve-$1.log
  shift
  : >"$log"
  chmod 0666 "$log"
  local before
  before=$(ls /sys/class/hidraw/)
  "${AS_USER[@]}" "$BIN" hid serve "$@" <"${SERVE_IN:-/dev/null}" >"$log" 2>&1 &
  SERVE_PID=$!
  if ! wait_for "grep -q '^ready' '$log' || ! kill -0 $SERVE_PID 2>/dev/null" 300 ||
    ! grep -q '^ready' "$log"; then
    echo "--- $log"; cat "$log"
    return 1
  fi
  HIDRAW=$(sed -n 's/^ready: *\(\/dev\/hidraw[0-9]*\).*/\1/p' "$log" | head -1)
  if [ -z "$HIDRAW" ]; then
    # `ready` without the node: the hidraw node that appeared since serve started.
    local new=""
    wait_for 'new=$(ls /sys/class/hidraw/ | grep -vxF "$before"); [ -n "$new" ]' 50
    HIDRAW=/dev/$(echo "$new" | head -1)
  fi
  wait_for "[ -c '$HIDRAW' ]" 50 || { echo "suite: $HIDRAW did not appear"; return 1; }
  chown "$USER_NAME" "$HIDRAW"
  echo "suite: latchkey hid serve $* is up on $HIDRAW"
}

# SIGTERM ends serve, and the device goes away with it.
stop_serve() {
  local name=$1
  kill -TERM "$SERVE_PID" 2>/dev/null
  if wait_for "! kill -0 $SERVE_PID 2>/dev/null" 100; then
    wait "$SERVE_PID" 2>/dev/null
    if wait_for "[ ! -e '$HIDRAW' ]" 30; then
      pass "serve ($name): stops on SIGTERM and the device goes away"
    else
      fail "serve ($name): $HIDRAW still there after serve stopped"
    fi
  else
    fail "serve ($name): still running 10 s after SIGTERM"
    kill -KILL "$SERVE_PID" 2>/dev/null
  fi
}

setup_user() {
  chmod 0666 /dev/uhid   # the udev rule's job on a desktop (uaccess for the session's user)
  mkdir -p "$U_HOME" && chown "$USER_NAME" "$U_HOME" && chmod 0700 "$U_HOME"
  if [ ! -x "$BIN" ]; then
    echo "suite: no $BIN: build it first (cargo build -p latchkey-cli)"
    return 1
  fi
  local out
  if ! out=$(as_user "$BIN" init 2>&1 </dev/null); then
    echo "suite: latchkey init failed: $out"
    return 1
  fi
}

# `latchkey hid status` on a real /dev/uhid: root-only (as without the udev rule) says why and
# what to do; once the user may open it, ready.
status_checks() {
  local out rc
  chmod 0600 /dev/uhid
  out=$(as_user "$BIN" hid status --json 2>&1); rc=$?
  if [ "$rc" -ne 0 ] && [[ "$out" == *'"ready":false'* && "$out" == *permission* ]]; then
    pass "hid status: /dev/uhid root-only -> not ready, says why: $out"
  else
    fail "hid status with a root-only /dev/uhid: exit status $rc: $out"
  fi
  chmod 0666 /dev/uhid
  out=$(as_user "$BIN" hid status --json 2>&1); rc=$?
  if [ "$rc" -eq 0 ] && [[ "$out" == *'"ready":true'* ]]; then
    pass "hid status: /dev/uhid open to the user -> ready"
  else
    fail "hid status with /dev/uhid open to the user: exit status $rc: $out"
  fi
}

# The udev side, simulated (`udevadm test`: no udev daemon runs in the guest) on the real
# devices: the repository's rule tags /dev/uhid for the seat's user (uaccess), and the key's
# hidraw node is recognised as a security token by systemd's own rules (60-fido-id.rules reads
# the FIDO usage page from its report descriptor; 70-uaccess.rules then tags it).
udev_checks() {
  local out
  # The guest's /etc is a throw-away overlay: the checkout's rule, whatever the host has.
  install -D -m 0644 packaging/linux/70-latchkey-uhid.rules /etc/udev/rules.d/70-latchkey-uhid.rules
  out=$(udevadm test /sys/devices/virtual/misc/uhid 2>&1)
  if echo "$out" | grep -q '^TAGS=.*:uaccess:'; then
    pass "udev: packaging/linux/70-latchkey-uhid.rules gives /dev/uhid to the seat's user (uaccess)"
  else
    fail "udev: /dev/uhid gets no uaccess tag: $(echo "$out" | grep -E '^(TAGS|DEVNAME)=' | tr '\n' ' ')"
  fi
  # systemd's fido_id as 60-fido-id.rules runs it (from the event's environment; under
  # `udevadm test` it finds none), then the rule that tags security tokens.
  local node=${HIDRAW#/dev/} devpath
  devpath=$(cd "/sys/class/hidraw/$node" && pwd -P) && devpath=${devpath#/sys}
  out=$(env -i DEVPATH="$devpath" SUBSYSTEM=hidraw ACTION=add SEQNUM=1 DEVNAME="$HIDRAW" \
    /usr/lib/udev/fido_id 2>&1)
  if echo "$out" | grep -qx 'ID_SECURITY_TOKEN=1' &&
    grep -qs 'ENV{ID_SECURITY_TOKEN}==.*TAG+="uaccess"' /usr/lib/udev/rules.d/70-uaccess.rules; then
    pass "udev: systemd's fido_id takes $HIDRAW for a security token (ID_SECURITY_TOKEN=1 -> uaccess)"
  else
    fail "udev: systemd's fido_id on $HIDRAW ($devpath): $(echo "${out:-no output}" | tr '\n' ' ')"
  fi
}

run_tests() {
  setup_user || return 1
  status_checks
  python_for_tests || return 1

  # 1. --yes: every prompt approved (the OS check still runs: polkit allows latchkey-test).
  start_serve approved --yes || { fail "latchkey hid serve --yes did not come up"; return; }
  as_user bash $HID/clients.sh "$HIDRAW"
  failures=$((failures + $?))
  as_user "$PY" $HID/fido2_client.py approved
  failures=$((failures + $?))
  udev_checks
  stop_serve approved

  # 2. No --yes: the prompt reads its answers from a pipe the python test writes to.
  local fifo=$U_HOME/answers
  rm -f "$fifo" && mkfifo -m 0600 "$fifo" && chown "$USER_NAME" "$fifo"
  exec 7<>"$fifo"   # held open, so serve never sees the end of its input between answers
  SERVE_IN=$fifo start_serve prompted || { fail "latchkey hid serve did not come up"; return; }
  as_user "$PY" $HID/fido2_client.py prompted "$fifo"
  failures=$((failures + $?))
  stop_serve prompted
  exec 7>&-
  # The prompt names the program holding the key's hidraw node, the door, the site and the account.
  local log=$LOGS/serve-prompted.log
  if grep -q 'python3 asks through the security key: sign in to py.example' "$log" &&
    grep -q '^ *1\. alice' "$log"; then
    pass "the prompt says who asks (python3), through which door, for which site and account"
  else
    fail "the prompt does not name python3, the security key, py.example and alice (see $log)"
  fi
  if grep -q 'withdrawn' "$log"; then
    pass "serve's terminal says the cancelled prompt was withdrawn"
  else
    fail "serve's terminal does not say the cancelled prompt was withdrawn (see $log)"
  fi
}

# The negative control: a check that cannot pass (a signature verified with another site's
# key) must print FAIL and make the run fail; run through the same path as the real checks.
negative_control() {
  setup_user || return 1
  start_serve approved --yes || { fail "latchkey hid serve --yes did not come up"; return; }
  as_user env HID_NEGATIVE_CONTROL=1 bash $HID/clients.sh "$HIDRAW"
  failures=$((failures + $?))
  stop_serve approved
}

case "${1:-test}" in
  test) run_tests ;;
  fail) negative_control ;;
  bench)
    n=${2:-20}
    setup_user || exit 1
    start_serve bench --yes || exit 1
    as_user bash $HID/bench.sh setup "$HIDRAW" &&
      as_user bash $HID/bench.sh hid "$HIDRAW" "$n" >/tmp/bench-hid.txt
    failures=$?
    stop_serve bench >/dev/null
    if [ "$failures" -eq 0 ]; then
      as_user env BIN="$BIN" bash $HID/bench.sh cli "$n" >/tmp/bench-cli.txt &&
        bash $HID/bench.sh report /tmp/bench-hid.txt /tmp/bench-cli.txt
      failures=$?
    fi
    ;;
  *) echo "usage: suite.sh test|fail|bench N" >&2; exit 2 ;;
esac
if [ "$failures" -gt 0 ]; then
  for f in "$LOGS"/serve-*.log; do [ -f "$f" ] && { echo "--- $f"; tail -40 "$f"; }; done
fi
echo "suite: ${1:-test}: $failures failed"
[ "$failures" -eq 0 ]
