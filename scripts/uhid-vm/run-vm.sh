#!/bin/sh
# Boots the Linux guest (built by scripts/uhid-vm/setup.sh) under QEMU and runs one command in it
# as root, from the checkout's root. The guest sees the host's /usr and /etc (read-only, with a
# throw-away overlay), this checkout and the cargo target dir at their host paths (read-only),
# and a scratch dir at /vmwork (read-write). It has /dev/uhid; it has no network, no udev.
#   usage: scripts/uhid-vm/run-vm.sh COMMAND [ARGS...]   e.g. run-vm.sh sh tests/hid/guest.sh,
#          run-vm.sh sh -c 'ls -l /dev/uhid; exit 3'   (the arguments arrive unchanged)
#   env:   CARGO_TARGET_DIR (default ./target), VM_MEM (default 512M), VM_TIMEOUT seconds
#          (default 300), VM_SCRATCH (a dir to keep the guest's files in; default a temporary
#          one, removed afterwards), VM_ENV ("NAME=value ..." passed to COMMAND),
#          LATCHKEY_VM_CACHE (where setup.sh put the kernel)
# Exit status: COMMAND's in the guest; 255 when the guest never reported one (boot failure,
# timeout).
set -u
CHECKOUT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${LATCHKEY_VM_CACHE:-${HOME:-/root}/.cache/latchkey-uhid-vm}
[ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARGS...]" >&2; exit 2; }
if [ ! -f "$CACHE/vmlinuz" ] || [ ! -f "$CACHE/initramfs.cpio.gz" ] || ! command -v qemu-system-x86_64 >/dev/null; then
  echo "run-vm: the guest is not set up; run scripts/uhid-vm/setup.sh (or scripts/setup.sh --test) first" >&2
  exit 255
fi
TARGET=${CARGO_TARGET_DIR:-$CHECKOUT/target}
mkdir -p "$TARGET"
TARGET=$(cd "$TARGET" && pwd)
case "$CHECKOUT$TARGET${VM_ENV:-}" in
  *\'*|*'"'*|*\\*) echo "run-vm: quotes or backslashes in the paths or VM_ENV are not supported" >&2; exit 2 ;;
esac
case "$CHECKOUT$TARGET" in
  *' '*) echo "run-vm: the checkout and target paths must not contain spaces" >&2; exit 2 ;;
esac
if [ -n "${VM_SCRATCH:-}" ]; then
  mkdir -p "$VM_SCRATCH" && SCRATCH=$(cd "$VM_SCRATCH" && pwd)
else
  SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/latchkey-vm.XXXXXX")
  trap 'rm -rf "$SCRATCH"' EXIT
fi
chmod 0777 "$SCRATCH"   # the guest's unprivileged test user writes its logs there
rm -f "$SCRATCH/.guest-rc"
# The command, each argument single-quoted, as a script the guest runs (so any argument survives).
for a in "$@"; do
  printf "'%s' " "$(printf '%s' "$a" | sed "s/'/'\\\\''/g")"
done > "$SCRATCH/.vm-command"
echo >> "$SCRATCH/.vm-command"
# The guest's init reads this (busybox sh); paths without quotes (checked above).
{
  echo "VM_CHECKOUT='$CHECKOUT'"
  # A target dir inside the checkout is already shared with it.
  case "$TARGET/" in "$CHECKOUT"/*) echo "VM_TARGET=''" ;; *) echo "VM_TARGET='$TARGET'" ;; esac
  echo "VM_SCRIPT='sh /vmwork/.vm-command'"
  echo "VM_ENV='${VM_ENV:-}'"
} > "$SCRATCH/vm.conf"
share() { # tag, host path, read-only?
  echo "-fsdev local,id=fs$1,path=$2,security_model=none${3:+,readonly=on} -device virtio-9p-pci,fsdev=fs$1,mount_tag=$1"
}
TARGET_SHARE=""
case "$TARGET/" in "$CHECKOUT"/*) ;; *) TARGET_SHARE=$(share target "$TARGET" ro) ;; esac
# TCG (software emulation): a /dev/kvm here may be a paravirtual one that boots no ordinary kernel.
# shellcheck disable=SC2046
timeout "${VM_TIMEOUT:-300}" qemu-system-x86_64 -accel tcg,thread=single -cpu max \
  -m "${VM_MEM:-512M}" -smp 1 -nodefaults -no-user-config -nographic -serial stdio -no-reboot \
  -kernel "$CACHE/vmlinuz" -initrd "$CACHE/initramfs.cpio.gz" \
  -append "console=ttyS0 quiet loglevel=3 panic=-1 rdinit=/init" \
  $(share hostusr /usr ro) $(share hostetc /etc ro) $(share checkout "$CHECKOUT" ro) $TARGET_SHARE \
  $(share work "$SCRATCH") </dev/null
qrc=$?
grc=$(cat "$SCRATCH/.guest-rc" 2>/dev/null || echo 255)
[ "$qrc" -eq 0 ] || echo "run-vm: qemu exited with $qrc (124: timed out after ${VM_TIMEOUT:-300} s)" >&2
exit "$grc"
