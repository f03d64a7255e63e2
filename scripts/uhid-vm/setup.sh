#!/bin/sh
# Prepares the Linux guest the HID tests boot (scripts/uhid-vm/run-vm.sh): installs QEMU and the
# guest's test tools, downloads Debian's kernel package and builds a small initramfs. Debian
# only, as root (or sudo), through the machine's own apt mirror. Idempotent and cached: a second
# run with everything in place touches no network and takes well under a second.
#   usage: scripts/uhid-vm/setup.sh         env: LATCHKEY_VM_CACHE (default ~/.cache/latchkey-uhid-vm)
#                                                LATCHKEY_VM_REFRESH=1 fetches the newest kernel again
#
# Why this way: these machines (and CI containers) have no /dev/uhid and cannot load kernel
# modules, but QEMU in software emulation boots Debian's own kernel in about 10 s, and that
# kernel has the uhid module. The guest shares the host's /usr and /etc, so only the kernel and
# a busybox initramfs are extra; nothing is installed from outside Debian's archive.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
B=${LATCHKEY_VM_CACHE:-${HOME:-/root}/.cache/latchkey-uhid-vm}
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
mkdir -p "$B"
exec 9>"$B/.lock"
flock 9   # two setups at once (parallel worktrees) would unpack over each other

# Host tools: QEMU, busybox for the initramfs, and what the guest tests run (the guest uses the
# host's /usr): libfido2's tools, OpenSSH's client (ssh-keygen -t ecdsa-sk), udev's rules and
# udevadm (the rules are checked with `udevadm test`; no udev daemon runs in the guest).
PKGS="qemu-system-x86 busybox-static fido2-tools openssh-client udev"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done

# A private apt configuration: the machine's own Debian mirror plus its -backports suite, without
# touching /etc/apt. On bookworm, qemu-system-x86 must come from bookworm-backports when the
# machine's qemu-utils is the backport (bookworm's own qemu-system-common conflicts with it).
. /etc/os-release
CODENAME=${VERSION_CODENAME:-bookworm}
APT=$B/apt
mkdir -p "$APT/lists/partial" "$APT/archives/partial"
# (debian.sources only: other .sources files are other vendors' repositories.)
MIRROR=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | grep -v security | head -1 || true)
SECMIRROR=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | grep security | head -1 || true)
[ -n "$MIRROR" ] || MIRROR=$(awk '$1=="deb" && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
[ -n "$SECMIRROR" ] || SECMIRROR=$(awk '$1=="deb" && $2 ~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
[ -n "$MIRROR" ] || MIRROR=http://deb.debian.org/debian
{
  echo "deb $MIRROR $CODENAME main"
  echo "deb $MIRROR $CODENAME-updates main"
  [ -z "$SECMIRROR" ] || echo "deb $SECMIRROR $CODENAME-security main"
  [ "$CODENAME" != bookworm ] || echo "deb $MIRROR $CODENAME-backports main"
} > "$APT/sources.list"
TARGET_RELEASE=""
[ "$CODENAME" != bookworm ] || TARGET_RELEASE="-t bookworm-backports"
APTO="-o Dir::Etc::sourcelist=$APT/sources.list -o Dir::Etc::sourceparts=- -o Dir::State::lists=$APT/lists -o Dir::Cache::archives=$APT/archives -o APT::Sandbox::User=root"
updated=""
apt_update() {
  [ -n "$updated" ] && return 0
  $SUDO apt-get $APTO update -qq
  updated=1
}
export DEBIAN_FRONTEND=noninteractive
if [ -n "$missing" ]; then
  echo "uhid-vm setup: installing$missing"
  apt_update
  # shellcheck disable=SC2086
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get $APTO install -y -qq --no-install-recommends --no-remove \
    $TARGET_RELEASE $missing >/dev/null
  $SUDO apt-get $APTO clean
fi

# The kernel: whatever linux-image-amd64 points to, downloaded and partly unpacked (not
# installed). Pinning a version would break: Debian drops old kernel packages from the archive.
if [ ! -f "$B/vmlinuz" ] || [ -n "${LATCHKEY_VM_REFRESH:-}" ]; then
  apt_update
  KPKG=$(apt-cache $APTO depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
  [ -n "$KPKG" ] || { echo "uhid-vm setup: linux-image-amd64 not found in $MIRROR" >&2; exit 1; }
  KVER=${KPKG#linux-image-}
  if [ ! -f "$B/vmlinuz-$KVER" ]; then
    echo "uhid-vm setup: kernel $KPKG"
    (cd "$B" && rm -f linux-image-*.deb && apt-get $APTO download -qq "$KPKG")
    rm -rf "$B/k" && mkdir -p "$B/k"
    dpkg-deb --fsys-tarfile "$B/${KPKG}"_*.deb | tar -x -C "$B/k" --wildcards \
      './boot/vmlinuz-*' './lib/modules/*/modules.*' \
      './lib/modules/*/kernel/drivers/hid/*' './lib/modules/*/kernel/drivers/virtio/*' \
      './lib/modules/*/kernel/net/9p/*' './lib/modules/*/kernel/fs/9p/*' \
      './lib/modules/*/kernel/fs/netfs/*' './lib/modules/*/kernel/fs/fscache/*' \
      './lib/modules/*/kernel/fs/overlayfs/*'
    busybox depmod -b "$B/k" "$KVER"
    mv "$B/k/boot/vmlinuz-$KVER" "$B/vmlinuz-$KVER" && rm -rf "$B/k/boot"
    rm -f "$B/${KPKG}"_*.deb
  fi
  echo "$KVER" > "$B/kernel-version"
  ln -sf "vmlinuz-$KVER" "$B/vmlinuz"
  rm -f "$B/initramfs.stamp"
fi

# The package lists were only needed for this run (each update fetches them again).
[ -z "$updated" ] || rm -rf "$APT/lists" "$APT/archives"

# The initramfs: busybox, the modules the guest loads (with their dependencies) and init. Rebuilt
# when init or this script changes.
KVER=$(cat "$B/kernel-version")
STAMP=$(cat "$HERE/init" "$0" /bin/busybox | md5sum | cut -d' ' -f1)
if [ "$(cat "$B/initramfs.stamp" 2>/dev/null)" != "$STAMP" ] || [ ! -f "$B/initramfs.cpio.gz" ]; then
  R=$B/initrd; M=$B/k/lib/modules/$KVER
  rm -rf "$R" && mkdir -p "$R/bin" "$R/proc" "$R/sys" "$R/dev" "$R/lib/modules/$KVER"
  cp /bin/busybox "$R/bin/" && cp "$HERE/init" "$R/init" && chmod +x "$R/init"
  for m in virtio_pci 9pnet_virtio 9p uhid hid-generic overlay; do
    line=$(grep -E "/$m\.ko(\.[a-z]+)?:" "$M/modules.dep") || { echo "uhid-vm setup: module $m not found (built in?)"; continue; }
    for f in ${line%%:*} ${line#*:}; do
      mkdir -p "$R/lib/modules/$KVER/${f%/*}" && cp "$M/$f" "$R/lib/modules/$KVER/$f"
    done
  done
  cp "$M/modules.dep" "$M/modules.builtin" "$M/modules.order" "$M/modules.alias" "$R/lib/modules/$KVER/"
  (cd "$R" && find . | busybox cpio -o -H newc 2>/dev/null) | gzip -1 > "$B/initramfs.cpio.gz.tmp"
  mv "$B/initramfs.cpio.gz.tmp" "$B/initramfs.cpio.gz"
  rm -rf "$R"
  echo "$STAMP" > "$B/initramfs.stamp"
  echo "uhid-vm setup: guest kernel $KVER, initramfs $(wc -c < "$B/initramfs.cpio.gz") bytes in $B"
fi
