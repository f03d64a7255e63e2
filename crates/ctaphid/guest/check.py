"""python-fido2 against the uhid_test_key example (see check.sh): INIT, WINK, getInfo,
round-trip times, long answers (outbound pacing), long requests (inbound), CANCEL with
KEEPALIVE "user presence needed", MSG's status word, an unknown command.
Long requests are reported, not failed: a single-CPU emulated guest loses reports when the
client writes more than the 32 events uhid queues before the reader runs."""
import os, threading, time, struct, statistics
from fido2.hid import CtapHidDevice, CTAPHID
from fido2.ctap2 import Ctap2
fail = 0
devs = list(CtapHidDevice.list_devices())
print("devices:", devs)
dev = devs[0]
print("capabilities", hex(dev.capabilities), "version", dev.device_version)
dev.wink(); print("wink ok")
info = Ctap2(dev).info
print("info:", info.versions, info.max_msg_size)
assert info.max_msg_size == 7609
ts = []
for _ in range(30):
    t = time.perf_counter(); Ctap2(dev).get_info(); ts.append((time.perf_counter() - t) * 1000)
print("getInfo round trip median %.2f ms" % statistics.median(ts))
ts = []
for _ in range(30):
    t = time.perf_counter(); dev.ping(b"x" * 50); ts.append((time.perf_counter() - t) * 1000)
print("ping (50 bytes) round trip median %.2f ms" % statistics.median(ts))
ts = []
for _ in range(30):
    t = time.perf_counter(); dev.call(CTAPHID.CBOR, b"\x42" + b"x" * 49); ts.append((time.perf_counter() - t) * 1000)
print("cbor echo (50 bytes) round trip median %.2f ms" % statistics.median(ts))
# Long answers from short requests: the outbound direction (hidraw keeps 64 reports per reader).
for n in [3000, 5000, 7608]:
    ok = 0
    for _ in range(5):
        t = time.perf_counter()
        r = dev.call(CTAPHID.CBOR, b"\x43" + struct.pack(">H", n))
        ok += r == b"\x00" + bytes(i & 0xff for i in range(n))
    print("answer of %d bytes: %d/5 ok, last %.0f ms" % (n + 1, ok, (time.perf_counter() - t) * 1000))
    fail |= ok != 5
# Long requests: the inbound direction (uhid keeps 32 events for us).
for n in [500, 1000, 1800, 2500]:
    ok = 0
    for _ in range(10):
        d = os.urandom(n)
        try:
            ok += dev.ping(d) == d
        except Exception as e:
            err = e
    print("ping of %d bytes: %d/10 ok" % (n, ok), flush=True)
# CANCEL: blocking command, cancel after 350 ms.
ev = threading.Event(); seen = []
threading.Timer(0.35, ev.set).start()
t = time.time()
resp = dev.call(CTAPHID.CBOR, b"\x41", ev, lambda s: seen.append(s))
print("cancel resp", resp.hex(), "keepalives", seen, "after %.0f ms" % ((time.time()-t)*1000))
fail |= resp != b"\x2d" or 2 not in seen
resp = dev.call(CTAPHID.MSG, bytes([0, 3, 0, 0, 0]))
print("msg", resp.hex()); fail |= resp != b"\x6d\x00"
try:
    dev.call(0x30, b"")
    print("unknown command answered?!"); fail = 1
except Exception as e:
    print("unknown cmd ->", repr(e))
print("python", "FAIL" if fail else "OK")
raise SystemExit(fail)
