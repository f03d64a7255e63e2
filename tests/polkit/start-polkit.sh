#!/usr/bin/env bash
# Starts what the OS-verification tests need on a machine without systemd (CI containers): a
# system D-Bus and a real polkitd, with Latchkey's action and the test rules installed.
# Idempotent: reuses a running system bus / polkitd. Needs root.
set -euo pipefail
cd "$(dirname "$0")/../.."

# Installed only when changed: every install makes a running polkitd reload its rules, and while
# it does, a check from a test run in parallel falls through to the default (no agent).
install_if_changed() {
  cmp -s "$1" "$2" || install -D -m 0644 "$1" "$2"
}
install_if_changed packaging/linux/dev.latchkey.verify.policy \
  /usr/share/polkit-1/actions/dev.latchkey.verify.policy
install_if_changed tests/polkit/50-latchkey-test.rules /etc/polkit-1/rules.d/50-latchkey-test.rules

bus_up() {
  dbus-send --system --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.GetId \
    >/dev/null 2>&1
}
polkit_up() {
  dbus-send --system --print-reply --dest=org.freedesktop.PolicyKit1 \
    /org/freedesktop/PolicyKit1/Authority org.freedesktop.DBus.Peer.Ping >/dev/null 2>&1
}

if ! bus_up; then
  mkdir -p /run/dbus
  rm -f /run/dbus/pid /run/dbus/system_bus_socket
  dbus-daemon --system --fork
  for _ in $(seq 50); do bus_up && break; sleep 0.1; done
fi
bus_up || { echo "start-polkit: the system D-Bus did not start" >&2; exit 1; }

POLKITD=""
for p in /usr/lib/polkit-1/polkitd /usr/libexec/polkitd /usr/lib/policykit-1/polkitd; do
  if [ -x "$p" ]; then POLKITD="$p"; break; fi
done
[ -n "$POLKITD" ] || { echo "start-polkit: polkitd not found; install the polkitd package" >&2; exit 1; }

if polkit_up; then
  # A running polkitd picks up new rules and actions on its own (inotify); give it a moment.
  sleep 1
else
  # polkitd drops privileges to the polkitd user when it exists; it needs to read the rules.
  "$POLKITD" --no-debug >/tmp/latchkey-polkitd.log 2>&1 &
  for _ in $(seq 100); do polkit_up && break; sleep 0.1; done
fi
polkit_up || { echo "start-polkit: polkitd did not come up (see /tmp/latchkey-polkitd.log)" >&2; exit 1; }

# polkit answers yes to uid 0 without asking, so the tests run the gate as these users (see
# 50-latchkey-test.rules): one allowed, one refused, one left to the default with no agent.
for u in latchkey-test latchkey-deny latchkey-ask; do
  id "$u" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$u"
done
echo "start-polkit: polkitd is up ($POLKITD)"
