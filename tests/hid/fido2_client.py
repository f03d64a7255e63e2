"""python-fido2 2.x against Latchkey's HID door in the guest, as a browser-like client would use a
USB security key: CtapHidDevice over /dev/hidraw, Fido2Client for the ceremonies, judged by
python-fido2's own Fido2Server (a relying party nobody here wrote).

usage: fido2_client.py approved          (`latchkey hid serve --yes` is running)
       fido2_client.py prompted FIFO     (`latchkey hid serve` without --yes; its stdin is FIFO)

Prints one PASS/FAIL line per check; the exit status is the number of failed checks (0: all
passed), so a failure here fails the guest run.
"""

import os
import sys
import threading
import traceback

from fido2.client import DefaultClientDataCollector, Fido2Client, UserInteraction
from fido2.ctap import STATUS, CtapError
from fido2.ctap2 import ClientPin, Ctap2, CredentialManagement
from fido2.hid import CAPABILITY, CTAPHID, CtapHidDevice
from fido2.server import Fido2Server
from fido2.utils import sha256
from fido2.webauthn import (
    PublicKeyCredentialDescriptor,
    PublicKeyCredentialRpEntity,
    PublicKeyCredentialType,
    PublicKeyCredentialUserEntity,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

RP_ID = "py.example"
ORIGIN = "https://py.example"
MAX_MESSAGE = 7609  # latchkey_ctaphid::MAX_MESSAGE: 57 + 128 * 59

failures = 0


def check(name, fn):
    """Runs one check; any exception or failed assert is a FAIL with its reason."""
    global failures
    try:
        detail = fn()
        print(f"PASS: python-fido2: {name}" + (f" ({detail})" if detail else ""), flush=True)
    except Exception as e:  # noqa: BLE001 - every failure counts, whatever its type
        failures += 1
        print(f"FAIL: python-fido2: {name}: {type(e).__name__}: {e}", flush=True)
        traceback.print_exc(file=sys.stdout)


def the_device():
    devices = list(CtapHidDevice.list_devices())
    assert len(devices) == 1, f"expected exactly one FIDO HID device, found {devices}"
    return devices[0]


def client_for(device):
    """A client that never has a PIN to give: UV must come from the key itself."""

    class NoPin(UserInteraction):
        def request_pin(self, permissions, rp_id):
            raise AssertionError("the client was asked for a PIN: getInfo must offer built-in UV")

    return Fido2Client(device, DefaultClientDataCollector(ORIGIN), user_interaction=NoPin())


def register(client, server, name, user_id):
    user = PublicKeyCredentialUserEntity(name=name, id=user_id, display_name=name.title())
    options, state = server.register_begin(
        user,
        resident_key_requirement=ResidentKeyRequirement.REQUIRED,
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    response = client.make_credential(options.public_key)
    auth_data = server.register_complete(state, response)
    assert auth_data.is_user_present(), "UP not set"
    assert auth_data.is_user_verified(), "UV not set: the OS check must have run"
    return auth_data.credential_data


def sign_in_all(client, server, credentials):
    """Discoverable sign-in (no allow list): every account of the RP, each judged by the server.
    Returns the user handles the key offered."""
    options, state = server.authenticate_begin(user_verification=UserVerificationRequirement.REQUIRED)
    selection = client.get_assertion(options.public_key)
    handles = []
    for i in range(len(selection.get_assertions())):
        response = selection.get_response(i)
        server.authenticate_complete(state, credentials, response)
        assert response.response.authenticator_data.is_user_verified(), "UV not set"
        handles.append(bytes(response.response.user_handle))
    return handles


def approved():
    device = the_device()
    ctap = Ctap2(device)
    info = ctap.get_info()

    def get_info():
        opts = info.options
        assert opts.get("uv") is True, f"uv: {opts}"
        assert opts.get("rk") is True, f"rk: {opts}"
        assert opts.get("credMgmt") is True, f"credMgmt: {opts}"
        assert opts.get("pinUvAuthToken") is True, f"pinUvAuthToken: {opts}"
        assert "clientPin" not in opts, f"clientPin must be absent (no PIN): {opts}"
        assert info.max_msg_size == MAX_MESSAGE, f"maxMsgSize {info.max_msg_size}"
        assert "usb" in info.transports, f"transports {info.transports}"
        assert any(v.startswith("FIDO_2_") for v in info.versions), info.versions
        return f"versions {info.versions}, options {dict(opts)}"

    check("getInfo: uv, rk, credMgmt, pinUvAuthToken, no clientPin, maxMsgSize, usb", get_info)
    def ping():
        # 800 bytes: an init packet and 13 continuation packets each way.
        data = os.urandom(800)
        assert device.ping(data) == data, "the echo differs"

    check("CTAPHID PING echoes a message of 14 packets", ping)

    def wink_and_msg():
        caps = CAPABILITY(device.capabilities)
        assert CAPABILITY.CBOR in caps and CAPABILITY.WINK in caps, f"capabilities {caps!r}"
        device.wink()
        # CTAP1/U2F: U2F_VERSION. A key without CTAP1 (NMSG) refuses it: CTAPHID_MSG itself
        # (ERR_INVALID_CMD) or the APDU (SW_INS_NOT_SUPPORTED 6D00); a key with CTAP1 answers
        # U2F_V2 and 9000. Never a signature, never silence.
        try:
            answer = device.call(CTAPHID.MSG, bytes.fromhex("0003000000"))
        except CtapError as e:
            assert CAPABILITY.NMSG in caps, f"MSG refused ({e}) though NMSG is not advertised"
            assert e.code == CtapError.ERR.INVALID_COMMAND, f"MSG refused with {e.code!r}"
            return f"capabilities {caps!r}; MSG refused with INVALID_COMMAND"
        if CAPABILITY.NMSG in caps:
            assert answer == b"\x6d\x00", f"no CTAP1, but U2F_VERSION answered {answer.hex()}"
        else:
            assert answer == b"U2F_V2\x90\x00", f"U2F_VERSION answered {answer.hex()}"
        return f"capabilities {caps!r}; U2F_VERSION answered {answer.hex()}"

    check("CTAPHID WINK answered; CTAPHID MSG (CTAP1) answered as the capabilities say", wink_and_msg)

    server = Fido2Server(PublicKeyCredentialRpEntity(id=RP_ID, name="Py Example"))
    client = client_for(device)
    creds = {}

    def register_and_sign_in():
        creds["alice"] = register(client, server, "alice", b"alice-id")
        handles = sign_in_all(client, server, [creds["alice"]])
        assert handles == [b"alice-id"], handles
        return f"credential {creds['alice'].credential_id.hex()[:16]}…"

    check("register + sign in, verified by Fido2Server (UV from the OS check)", register_and_sign_in)

    def several_accounts():
        creds["bob"] = register(client, server, "bob", b"bob-id")
        handles = sign_in_all(client, server, [creds["alice"], creds["bob"]])
        assert sorted(handles) == [b"alice-id", b"bob-id"], handles
        return "the key offers alice and bob"

    check("several accounts on one site: both offered and verified", several_accounts)

    def credential_management():
        token = ClientPin(ctap).get_uv_token(ClientPin.PERMISSION.CREDENTIAL_MGMT)
        credman = CredentialManagement(ctap, ClientPin(ctap).protocol, token)
        meta = credman.get_metadata()
        rps = credman.enumerate_rps()
        rp_ids = [rp[CredentialManagement.RESULT.RP]["id"] for rp in rps]
        assert RP_ID in rp_ids, rp_ids
        listed = credman.enumerate_creds(sha256(RP_ID.encode()))
        names = sorted(c[CredentialManagement.RESULT.USER]["name"] for c in listed)
        assert names == ["alice", "bob"], names
        bob = PublicKeyCredentialDescriptor(
            type=PublicKeyCredentialType.PUBLIC_KEY, id=creds["bob"].credential_id
        )
        credman.delete_cred(bob)
        after = credman.enumerate_creds(sha256(RP_ID.encode()))
        names = [c[CredentialManagement.RESULT.USER]["name"] for c in after]
        assert names == ["alice"], names
        handles = sign_in_all(client, server, [creds["alice"], creds["bob"]])
        assert handles == [b"alice-id"], f"bob still offered after delete: {handles}"
        return f"metadata {dict(meta)}, RPs {rp_ids}; bob deleted"

    check("credential management (UV token): list RPs and accounts, delete one", credential_management)


def prompted(fifo):
    """`latchkey hid serve` without --yes: its prompt reads answers from FIFO."""
    device = the_device()
    ctap = Ctap2(device)

    def answer_when_asked(answer, event=None):
        """on_keepalive: once the key says it waits for the person (UPNEEDED), answer the prompt
        (write `answer` to serve's stdin) or, with no answer, cancel through `event`. Without
        UPNEEDED within 30 s the same happens anyway (so the run ends) and `asked` stays empty."""
        asked = []
        lock = threading.Lock()
        acted = []

        def act():
            with lock:
                if acted:
                    return
                acted.append(True)
            if answer is not None:
                with open(fifo, "w") as f:
                    f.write(answer)
            else:
                event.set()

        def on_keepalive(status):
            if status == STATUS.UPNEEDED and not asked:
                asked.append(status)
                act()

        def done():
            """The request is over: a late timer must not answer the next prompt."""
            timer.cancel()
            with lock:
                acted.append(True)

        timer = threading.Timer(30, act)
        timer.daemon = True
        timer.start()
        return on_keepalive, asked, done

    def get_assertion(**kw):
        return ctap.get_assertion(RP_ID, os.urandom(32), options={"up": True}, **kw)

    def denied():
        on_keepalive, asked, done = answer_when_asked("n\n")
        try:
            get_assertion(on_keepalive=on_keepalive)
        except CtapError as e:
            assert asked, "no UPNEEDED keepalive before the answer"
            assert e.code == CtapError.ERR.OPERATION_DENIED, f"got {e.code!r}"
            return "0x27 OPERATION_DENIED"
        finally:
            done()
        raise AssertionError("a denied prompt still signed")

    check("denied at the prompt: the client gets CTAP2_ERR_OPERATION_DENIED", denied)

    def cancelled():
        event = threading.Event()
        on_keepalive, asked, done = answer_when_asked(None, event)
        try:
            get_assertion(event=event, on_keepalive=on_keepalive)
        except CtapError as e:
            assert asked, "no UPNEEDED keepalive before the cancel"
            assert e.code == CtapError.ERR.KEEPALIVE_CANCEL, f"got {e.code!r}"
            return "0x2D KEEPALIVE_CANCEL"
        finally:
            done()
        raise AssertionError("a cancelled request still signed")

    check("CTAPHID_CANCEL withdraws the prompt: the client gets KEEPALIVE_CANCEL", cancelled)

    def approved_after_cancel():
        # The cancelled prompt is gone: the next answer goes to the next request.
        on_keepalive, asked, done = answer_when_asked("y\n")
        try:
            response = get_assertion(on_keepalive=on_keepalive)
        finally:
            done()
        assert asked, "no UPNEEDED keepalive"
        assert response.auth_data.is_user_present()
        return "signed after y"

    check("after the cancel, the next prompt answered y signs", approved_after_cancel)


def main():
    if sys.argv[1:2] == ["approved"]:
        approved()
    elif sys.argv[1:2] == ["prompted"] and len(sys.argv) == 3:
        prompted(sys.argv[2])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return min(failures, 100)


if __name__ == "__main__":
    sys.exit(main())
