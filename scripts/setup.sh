#!/usr/bin/env bash
# Installs what Latchkey needs to build, run and test on Debian/Ubuntu. Idempotent: a second run
# only checks. Usage: scripts/setup.sh [--test]   (--test adds the test-only tools)
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

PKGS=(build-essential pkg-config curl libssl-dev libdbus-1-dev
      libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev
      dbus dbus-x11 gnome-keyring libsecret-tools polkitd python3 python3-venv)
if [ "${1:-}" = "--test" ]; then
  # x11-utils (xwininfo) and x11-apps + imagemagick (a capture of the whole X screen): the
  # first-start test checks which windows are mapped, which WebDriver cannot see.
  PKGS+=(xvfb webkit2gtk-driver x11-utils x11-apps imagemagick)
  # The browser end-to-end tests drive Debian's own browsers (never a downloaded one).
  PKGS+=(chromium firefox-esr)
  # The sign-in link test hands links around as a desktop does: xdg-open/xdg-mime (xdg-utils)
  # and update-desktop-database (desktop-file-utils) for its private latchkey:// and http(s)
  # handlers (tests/browser/lib/xdg.js).
  PKGS+=(xdg-utils desktop-file-utils)
fi

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Node.js builds the web UI (Vite needs 20.19 or newer).
if ! command -v node >/dev/null; then
  echo "setup: installing nodejs"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
  echo "setup: Node.js $(node --version) is too old for the UI build; install Node.js 20.19+ (e.g. from NodeSource) and run this again" >&2
  exit 1
fi
if ! cmp -s ui/package-lock.json ui/node_modules/.latchkey-installed 2>/dev/null; then
  echo "setup: installing the UI's npm packages"
  (cd ui && npm ci --no-audit --no-fund --loglevel=error) || exit 1
  cp ui/package-lock.json ui/node_modules/.latchkey-installed
fi
# The demo relying party's front end (@simplewebauthn/browser), for running it and its tests.
if ! cmp -s examples/demo-site/package-lock.json examples/demo-site/node_modules/.latchkey-installed 2>/dev/null; then
  echo "setup: installing the demo site's npm packages"
  (cd examples/demo-site && npm ci --no-audit --no-fund --loglevel=error) || exit 1
  cp examples/demo-site/package-lock.json examples/demo-site/node_modules/.latchkey-installed
fi

# The browser extension (TypeScript, built into extension/dist/{chromium,firefox}).
if [ -f extension/package.json ] && ! cmp -s extension/package-lock.json extension/node_modules/.latchkey-installed 2>/dev/null; then
  echo "setup: installing the extension's npm packages"
  (cd extension && npm ci --no-audit --no-fund --loglevel=error) || exit 1
  cp extension/package-lock.json extension/node_modules/.latchkey-installed
fi

if ! command -v cargo >/dev/null; then
  echo "setup: Rust is missing; install it with rustup (https://rustup.rs) and run this again" >&2
  exit 1
fi

# polkit action for the OS verification gate (Linux): the person's own password/fingerprint.
if [ -f packaging/linux/dev.latchkey.verify.policy ]; then
  if ! cmp -s packaging/linux/dev.latchkey.verify.policy /usr/share/polkit-1/actions/dev.latchkey.verify.policy; then
    $SUDO install -D -m 0644 packaging/linux/dev.latchkey.verify.policy /usr/share/polkit-1/actions/dev.latchkey.verify.policy
  fi
fi

# The virtual security key (Linux): /dev/uhid for the person at the seat, and the uhid module
# loaded at boot. These change how the machine treats devices for every user, hence sudo (as
# for the packages above). See the README's "A security key for every program" for what access
# to /dev/uhid allows.
if [ "$(uname -s)" = Linux ]; then
  changed=""
  if ! cmp -s packaging/linux/70-latchkey-uhid.rules /etc/udev/rules.d/70-latchkey-uhid.rules; then
    $SUDO install -D -m 0644 packaging/linux/70-latchkey-uhid.rules /etc/udev/rules.d/70-latchkey-uhid.rules
    changed=1
  fi
  if ! cmp -s packaging/linux/latchkey-uhid.conf /etc/modules-load.d/latchkey.conf; then
    $SUDO install -D -m 0644 packaging/linux/latchkey-uhid.conf /etc/modules-load.d/latchkey.conf
    changed=1
  fi
  if [ -n "$changed" ]; then
    echo "setup: installed the udev rule and modules-load entry for /dev/uhid (virtual security key)"
    # Now rather than at the next boot; a container may allow neither (then: at boot).
    $SUDO modprobe uhid 2>/dev/null || true
    if command -v udevadm >/dev/null && [ -e /dev/uhid ]; then
      $SUDO udevadm control --reload 2>/dev/null || true
      $SUDO udevadm trigger --subsystem-match=misc --sysname-match=uhid 2>/dev/null || true
    fi
  fi
fi

if [ "${1:-}" = "--test" ]; then
  # Python judges (python-fido2) in a project-local venv.
  if [ -f tests/judges/requirements.txt ]; then
    if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
    stamp=.venv/.requirements-installed
    if ! cmp -s tests/judges/requirements.txt "$stamp" 2>/dev/null; then
      .venv/bin/pip install -q -r tests/judges/requirements.txt
      cp tests/judges/requirements.txt "$stamp"
    fi
  fi
  if [ -d fuzz ] && ! cargo fuzz --version >/dev/null 2>&1; then
    echo "setup: installing cargo-fuzz"
    cargo install cargo-fuzz --locked --quiet
  fi
  if [ -d tests/e2e ] && ! command -v tauri-driver >/dev/null; then
    echo "setup: installing tauri-driver"
    cargo install tauri-driver --version '^2' --locked --quiet
  fi
  # Firefox's WebDriver, for the browser end-to-end tests.
  if [ -d tests/browser ] && ! command -v geckodriver >/dev/null; then
    echo "setup: installing geckodriver"
    cargo install geckodriver --locked --quiet
  fi
  # playwright-core drives Chromium over CDP (it downloads no browser).
  if [ -f tests/browser/package.json ] && ! cmp -s tests/browser/package-lock.json tests/browser/node_modules/.latchkey-installed 2>/dev/null; then
    echo "setup: installing the browser tests' npm packages"
    (cd tests/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error) || exit 1
    cp tests/browser/package-lock.json tests/browser/node_modules/.latchkey-installed
  fi
fi

# The virtual security key tests (tests/hid) boot a Linux guest that has /dev/uhid: QEMU, the
# tools the guest runs (fido2-tools, openssh-client, from the host's /usr), and Debian's kernel
# with a small initramfs, cached in ~/.cache/latchkey-uhid-vm (a second run only checks).
if [ "${1:-}" = "--test" ]; then
  $SUDO env LATCHKEY_VM_CACHE="${LATCHKEY_VM_CACHE:-$HOME/.cache/latchkey-uhid-vm}" sh scripts/uhid-vm/setup.sh
fi
