#!/usr/bin/env bash
# Tries all of Latchkey on one machine: starts the Latchkey app (or leaves the running one be),
# the demo relying party on http://localhost:8787 and Chromium with the Latchkey extension
# loaded, in a profile of its own (the browser host is installed for that profile only).
# Ctrl-C (or closing the browser) stops the demo site and the browser; the app keeps running.
# Build first with scripts/run.sh (or: cargo build -p latchkey-cli -p latchkey-app
# -p latchkey-browser-host -p latchkey-demo-site, and npm --prefix extension run build).
# Run it as your own user: Latchkey refuses root (polkit approves root without asking).
# Environment: DEMO_PORT (default 8787), LATCHKEY_DATA_DIR (the vault), CARGO_TARGET_DIR,
# LATCHKEY_EXTENSION_DIR (another unpacked Chromium build of the extension), CHROMIUM (the browser).
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

if [ "$(id -u)" -eq 0 ] && [ "${LATCHKEY_ALLOW_ROOT:-}" != 1 ]; then
  echo "demo: refusing to start Latchkey as root: polkit approves root without asking, so nothing would protect your passkeys. Run scripts/demo.sh as your own user. LATCHKEY_ALLOW_ROOT=1 overrides this for containers and CI, where root is the only user." >&2
  exit 2
fi
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "demo: no display (DISPLAY / WAYLAND_DISPLAY); run it in your desktop session" >&2
  exit 2
fi

# The binaries: a release build if it is complete, else a debug one.
target="${CARGO_TARGET_DIR:-target}"
bin=""
for profile in release debug; do
  d="$target/$profile"
  if [ -x "$d/latchkey" ] && [ -x "$d/latchkey-app" ] && [ -x "$d/latchkey-browser-host" ] \
    && [ -x "$d/latchkey-demo-site" ]; then
    bin="$(cd "$d" && pwd)"
    break
  fi
done
if [ -z "$bin" ]; then
  echo "demo: build Latchkey first: scripts/run.sh, or cargo build -p latchkey-cli -p latchkey-app -p latchkey-browser-host -p latchkey-demo-site (looked in $target/release and $target/debug)" >&2
  exit 1
fi

extension="${LATCHKEY_EXTENSION_DIR:-$repo/extension/dist/chromium}"
if [ ! -f "$extension/manifest.json" ] && [ -z "${LATCHKEY_EXTENSION_DIR:-}" ] \
  && [ -f extension/package.json ]; then
  echo "demo: building the extension"
  [ -d extension/node_modules ] || (cd extension && npm ci --no-audit --no-fund --loglevel=error)
  npm --prefix extension run --silent build
fi
if [ ! -f "$extension/manifest.json" ]; then
  echo "demo: the extension is not built ($extension/manifest.json is missing): npm --prefix extension ci && npm --prefix extension run build" >&2
  exit 1
fi
extension="$(cd "$extension" && pwd)"
if [ ! -d examples/demo-site/node_modules/@simplewebauthn ]; then
  echo "demo: the demo site's front-end package is missing: (cd examples/demo-site && npm ci)" >&2
  exit 1
fi

browser="${CHROMIUM:-}"
if [ -z "$browser" ]; then
  for b in chromium google-chrome google-chrome-stable chromium-browser; do
    if command -v "$b" >/dev/null; then browser="$(command -v "$b")"; break; fi
  done
fi
if [ -z "$browser" ]; then
  echo "demo: no Chromium found: sudo apt-get install chromium (or set CHROMIUM=/path/to/chrome)" >&2
  exit 1
fi

# The demo's browser profile, logs and mails name sites and accounts: they live beside the vault,
# never inside its data dir (which holds nothing readable).
demo_dir="${XDG_STATE_HOME:-$HOME/.local/state}/latchkey-demo"
profile="$demo_dir/chromium-profile"
logs="$demo_dir/logs"
mkdir -p "$profile" "$logs"
chmod 0700 "$demo_dir" "$profile"
port="${DEMO_PORT:-8787}"
site_url="http://localhost:$port"

site_pid=""
browser_pid=""
stop() {
  trap - INT TERM EXIT
  if [ -n "$browser_pid" ] && kill -0 "$browser_pid" 2>/dev/null; then
    kill "$browser_pid" 2>/dev/null || true
    wait "$browser_pid" 2>/dev/null || true
  fi
  if [ -n "$site_pid" ] && kill -0 "$site_pid" 2>/dev/null; then
    kill "$site_pid" 2>/dev/null || true
    wait "$site_pid" 2>/dev/null || true
  fi
  echo "demo: stopped the demo site and the browser (the Latchkey app keeps running)"
}
trap stop INT TERM EXIT

# The app: a second start only brings the running one to the front (single instance). Detached,
# so it outlives this script.
setsid "$bin/latchkey-app" </dev/null >>"$logs/app.log" 2>&1 &
echo "demo: started the Latchkey app ($bin/latchkey-app; a running one is reused), log $logs/app.log"

# The demo site; a port that is already taken is reported, not shared.
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "demo: something already listens on port $port; stop it or pick another: DEMO_PORT=8788 scripts/demo.sh" >&2
  exit 1
fi
outbox="$demo_dir/outbox"
"$bin/latchkey-demo-site" --port "$port" --outbox "$outbox" </dev/null >"$logs/demo-site.log" 2>&1 &
site_pid=$!
for _ in $(seq 50); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  if ! kill -0 "$site_pid" 2>/dev/null; then
    echo "demo: the demo site stopped at once:" >&2
    tail -n 5 "$logs/demo-site.log" >&2
    exit 1
  fi
  sleep 0.2
done
echo "demo: started the demo site on $site_url (pid $site_pid), log $logs/demo-site.log"
echo "demo: the site's sign-in mails land in $outbox as .eml files"

# The host manifest in this profile only; the person's own browser profiles are not touched.
"$bin/latchkey" browser install --browser chromium --user-data-dir "$profile" >/dev/null
echo "demo: installed the browser host for the profile $profile"

args=(
  --user-data-dir="$profile"
  --load-extension="$extension"
  --disable-extensions-except="$extension"
  # Branded Chrome 137+ ignores --load-extension unless this is off; Chromium obeys it anyway.
  --disable-features=DisableLoadExtensionCommandLineSwitch
  --no-first-run
  --no-default-browser-check
)
# Chromium's sandbox cannot run as root (containers, CI).
if [ "$(id -u)" -eq 0 ]; then args+=(--no-sandbox); fi
"$browser" "${args[@]}" "$site_url" </dev/null >"$logs/browser.log" 2>&1 &
browser_pid=$!
echo "demo: started $browser (pid $browser_pid) with the extension from $extension, log $logs/browser.log"
echo "demo: sign up and sign in at $site_url; Latchkey's prompt asks you to approve. Ctrl-C to stop."
wait "$browser_pid" || true
browser_pid=""
