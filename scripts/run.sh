#!/usr/bin/env bash
# Sets up, builds and starts Latchkey: the `latchkey` CLI and the desktop window.
# Run it as your own user (it uses sudo where setup must). Latchkey refuses to run as root:
# polkit approves root without asking, so nothing would protect your passkeys. Started with
# sudo, this script sets up and builds as root and then starts the app as the user who ran sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

as_user=""
if [ "$(id -u)" -eq 0 ]; then
  if [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
    as_user="$SUDO_USER"
  elif [ "${LATCHKEY_ALLOW_ROOT:-}" != 1 ]; then
    echo "run: refusing to start Latchkey as root: polkit approves root without asking, so nothing would protect your passkeys. Run scripts/run.sh as your own user (or with sudo from your account: the app then runs as you). LATCHKEY_ALLOW_ROOT=1 overrides this for containers and CI, where root is the only user." >&2
    exit 2
  fi
fi

bash scripts/setup.sh
(cd ui && npm run --silent build)
cargo build --release -p latchkey-cli -p latchkey-app
echo "run: the CLI is ./target/release/latchkey (try: ./target/release/latchkey --help)"
echo "run: the window starts locked; Unlock asks for your password (and creates the vault the first time)"

if [ -z "$as_user" ]; then
  exec ./target/release/latchkey-app
fi

# Back to the invoking user, with what their desktop session needs: the display, their runtime
# dir (the app's socket lives there and must be theirs) and their session bus (the keychain).
uid="$(id -u "$as_user")"
if [ -z "${XDG_RUNTIME_DIR:-}" ] || [ "$(stat -c %u "$XDG_RUNTIME_DIR" 2>/dev/null)" != "$uid" ]; then
  if [ -d "/run/user/$uid" ]; then export XDG_RUNTIME_DIR="/run/user/$uid"; else unset XDG_RUNTIME_DIR; fi
fi
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] && [ -S "/run/user/$uid/bus" ]; then
  export DBUS_SESSION_BUS_ADDRESS="unix:path=/run/user/$uid/bus"
fi
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "run: built; sudo did not pass your display on, so start the app yourself as $as_user: ./target/release/latchkey-app (or run this script with sudo -E, or without sudo)" >&2
  exit 1
fi
echo "run: starting the app as $as_user (not as root)"
exec sudo -u "$as_user" -H \
  --preserve-env=DISPLAY,WAYLAND_DISPLAY,XAUTHORITY,XDG_RUNTIME_DIR,DBUS_SESSION_BUS_ADDRESS,LATCHKEY_DATA_DIR \
  ./target/release/latchkey-app
