#!/usr/bin/env bash
# Makes `xdg-open 'latchkey://open?url=…'` start (or reach the running) Latchkey app at APP:
# installs packaging/linux/latchkey.desktop into the user's applications folder with Exec set to
# APP's absolute path, refreshes the desktop database, and makes it the default handler of
# x-scheme-handler/latchkey. Run as the user who runs the app (the registration is per user).
# The app does the same at start through tauri-plugin-deep-link (register_all), for its own
# executable; this script covers a built app before it was first started.
set -euo pipefail
app="${1:?usage: register-scheme.sh /absolute/path/to/latchkey-app}"
app="$(readlink -f "$app")"
[ -x "$app" ] || { echo "register-scheme: $app is not an executable" >&2; exit 2; }
here="$(cd "$(dirname "$0")" && pwd)"
apps="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
mkdir -p "$apps"
# A plain path stays unquoted: xdg-open's own launcher (xdg-utils 1.1, used outside a full
# desktop) takes Exec's first word literally and cannot run a quoted one. A path that needs
# quoting gets it, per the Desktop Entry spec (desktops with their own launcher handle it).
if printf '%s' "$app" | grep -Eq '^[A-Za-z0-9/._+-]+$'; then
  exec_line="Exec=$app %u"
else
  exec_line="Exec=\"$(printf '%s' "$app" | sed -e 's/[\\"`$]/\\&/g')\" %u"
  echo "register-scheme: $app needs quoting; xdg-open without a desktop environment may not start it" >&2
fi
LINE="$exec_line" awk '/^Exec=/ { print ENVIRON["LINE"]; next } { print }' "$here/latchkey.desktop" > "$apps/latchkey.desktop.tmp"
mv "$apps/latchkey.desktop.tmp" "$apps/latchkey.desktop"
if command -v desktop-file-validate >/dev/null; then
  desktop-file-validate "$apps/latchkey.desktop"
fi
if command -v update-desktop-database >/dev/null; then
  update-desktop-database "$apps" || true
fi
xdg-mime default latchkey.desktop x-scheme-handler/latchkey
got="$(xdg-mime query default x-scheme-handler/latchkey)"
if [ "$got" != latchkey.desktop ]; then
  echo "register-scheme: xdg-mime names '$got' for latchkey:// links, not latchkey.desktop" >&2
  exit 1
fi
echo "register-scheme: latchkey:// links now open $app"
