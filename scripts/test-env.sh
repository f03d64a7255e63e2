#!/usr/bin/env bash
# Runs a command inside the test run's private services: a D-Bus session bus (open to the local
# test users, see tests/dbus/session.conf) with a throw-away, unlocked gnome-keyring (a
# developer's real keyring is never touched), a system bus with a real polkitd and the test
# rules, and Xvfb. Usage: scripts/test-env.sh COMMAND [ARGS...]   (root or sudo; after setup)
# Example: scripts/test-env.sh cargo test -p latchkey-cli
set -uo pipefail
cd "$(dirname "$0")/.."

if [ -z "${LATCHKEY_TEST_SESSION:-}" ]; then
  exec dbus-run-session --config-file=tests/dbus/session.conf -- \
    env LATCHKEY_TEST_SESSION=1 bash "$0" "$@"
fi

KEYRING_HOME="$(mktemp -d)"
chmod 0755 "$KEYRING_HOME"
export XDG_DATA_HOME="$KEYRING_HOME"
echo -n latchkey-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO bash tests/polkit/start-polkit.sh >/dev/null || {
  echo "test-env: could not start polkitd" >&2
  exit 1
}
if [ -z "${DISPLAY:-}" ] && command -v Xvfb >/dev/null; then
  Xvfb :99 -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
  export DISPLAY=:99
fi
# The run's own private runtime dir (0700, like the one pam_systemd makes): the app's socket lives
# only in such a dir, never in a shared one.
XDG_RUNTIME_DIR="$(mktemp -d)"
export XDG_RUNTIME_DIR
# CI runs as root; polkit approves root without asking, so Latchkey refuses root unless told
# (its root test unsets this again). The gate itself is tested as the unprivileged test users.
export LATCHKEY_ALLOW_ROOT=1
"$@"
