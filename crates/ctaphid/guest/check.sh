#!/bin/sh
# The ctaphid transport against real clients in the Linux guest, without Latchkey's door:
# runs the uhid_test_key example, then fido2-token -L/-I and check.py (python-fido2 from the
# checkout's .venv). From the checkout root, on the host:
#   cargo build --release -p latchkey-ctaphid --example uhid_test_key
#   VM_ENV="CARGO_TARGET_DIR=$CARGO_TARGET_DIR" scripts/uhid-vm/run-vm.sh sh crates/ctaphid/guest/check.sh
# Exit status 0 when every check passed. Logs go to /vmwork.
set -u
KEY=${CARGO_TARGET_DIR:-$PWD/target}/release/examples/uhid_test_key
HERE=$(dirname "$0")
"$KEY" > /vmwork/key.out 2> /vmwork/key.err &
KPID=$!
i=0; while ! grep -q ready /vmwork/key.out 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
dev=$(sed -n 's/^ready: //p' /vmwork/key.out)
echo "key: ${dev:-no hidraw node}"
fail=0
fido2-token -L > /vmwork/L.txt 2>&1; cat /vmwork/L.txt
grep -q "^$dev:" /vmwork/L.txt || { echo "FAIL: fido2-token -L does not list $dev"; fail=1; }
fido2-token -I "$dev" > /vmwork/I.txt 2>&1; cat /vmwork/I.txt
grep -q FIDO_2_0 /vmwork/I.txt || { echo "FAIL: fido2-token -I"; fail=1; }
grep -q "maxmsgsiz: 7609" /vmwork/I.txt || { echo "FAIL: maxmsgsiz is not 7609"; fail=1; }
PYTHONPATH=$PWD/.venv/lib/python3.11/site-packages python3 "$HERE/check.py" || fail=1
kill $KPID 2>/dev/null; sleep 0.3
[ -e "$dev" ] && { echo "FAIL: $dev still exists after the key stopped"; fail=1; }
echo "fail=$fail"
exit $fail
