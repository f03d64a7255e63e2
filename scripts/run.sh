#!/usr/bin/env bash
# Sets up, builds and starts Latchkey: the `latchkey` CLI and the desktop window; builds the
# browser extension, installs the browser host for the browsers found here and says how to load
# the extension.
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
cargo build --release -p latchkey-cli -p latchkey-app -p latchkey-browser-host -p latchkey-demo-site
bin="${CARGO_TARGET_DIR:-target}/release"
echo "run: the CLI is $bin/latchkey (try: $bin/latchkey --help)"

# The browser extension (its sources come with the browser integration; setup.sh installs its
# npm packages).
if [ -f extension/package.json ]; then
  if [ ! -d extension/node_modules ]; then
    (cd extension && npm ci --no-audit --no-fund --loglevel=error)
  fi
  npm --prefix extension run --silent build
fi

# The native messaging host manifest, for the browsers that have been used by the person who
# will run the app (as root only where root is that person).
if [ -n "$as_user" ]; then
  sudo -u "$as_user" -H "$bin/latchkey" browser install || true
else
  "$bin/latchkey" browser install || true
fi
# Sign-in links handed over as latchkey://open?url=… (xdg-open, a mail client) reach this app:
# a .desktop file for it with MimeType=x-scheme-handler/latchkey, made the default handler. The
# app registers itself again at every start (the path may have moved).
if [ "$(uname -s)" = Linux ] && command -v xdg-mime >/dev/null; then
  app_path="$(readlink -f "$bin/latchkey-app")"
  if [ -n "$as_user" ]; then
    sudo -u "$as_user" -H bash packaging/linux/register-scheme.sh "$app_path" || true
  else
    bash packaging/linux/register-scheme.sh "$app_path" || true
  fi
fi

if [ -d extension/dist/chromium ]; then
  cat <<EOF_HOWTO
run: to use Latchkey in your browser, load the extension once (it stays loaded in Chromium):
run:   Chromium, Chrome, Brave, Edge, Vivaldi: open chrome://extensions, switch on Developer mode,
run:     press "Load unpacked" and pick $(pwd)/extension/dist/chromium
run:   Firefox: open about:debugging, "This Firefox", "Load Temporary Add-on…" and pick
run:     $(pwd)/extension/dist/firefox/manifest.json (until Firefox restarts)
run:   A browser not set up above: $bin/latchkey browser install --browser NAME
run:   (chromium, chrome, brave, edge, vivaldi, firefox), then restart that browser.
run: to try it all at once: scripts/demo.sh (the app, a demo site and Chromium with the extension)
EOF_HOWTO
fi
echo "run: the window starts locked; Unlock asks for your password (and creates the vault the first time)"

if [ -z "$as_user" ]; then
  exec "$bin/latchkey-app"
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
  echo "run: built; sudo did not pass your display on, so start the app yourself as $as_user: $bin/latchkey-app (or run this script with sudo -E, or without sudo)" >&2
  exit 1
fi
echo "run: starting the app as $as_user (not as root)"
exec sudo -u "$as_user" -H \
  --preserve-env=DISPLAY,WAYLAND_DISPLAY,XAUTHORITY,XDG_RUNTIME_DIR,DBUS_SESSION_BUS_ADDRESS,LATCHKEY_DATA_DIR \
  "$bin/latchkey-app"
