"""python-fido2's Fido2Server, a relying party nobody here wrote, judges registrations and
sign-ins that the `latchkey` CLI produces: the server's options go to `latchkey webauthn
create|get` on stdin, the CLI's JSON answer goes back to the server, which decides.

Runs through scripts/test.sh (real Secret Service, real polkitd; as root polkit says yes)."""

import base64
import json
import os
import subprocess
import tempfile

import pytest
from fido2.server import Fido2Server
from fido2.webauthn import (
    AuthenticationResponse,
    PublicKeyCredentialParameters,
    PublicKeyCredentialRpEntity,
    PublicKeyCredentialType,
    PublicKeyCredentialUserEntity,
    RegistrationResponse,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

BIN = os.environ.get("LATCHKEY_BIN", "target/debug/latchkey")
ORIGIN = "https://example.com"
RP = PublicKeyCredentialRpEntity(id="example.com", name="Example")


def latchkey(data_dir, *args, stdin=""):
    return subprocess.run(
        [BIN, "--data-dir", data_dir, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,  # no terminal: every question is answered by flags
    )


@pytest.fixture
def vault():
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = os.path.join(tmp, "vault")
        r = latchkey(data_dir, "init")
        assert r.returncode == 0, r.stderr
        yield data_dir
        # Remove the vault's data key from the keychain again.
        with open(os.path.join(data_dir, "vault.json")) as f:
            vault_id = json.load(f)["vault_id"]
        subprocess.run(
            ["secret-tool", "clear", "service", "dev.latchkey.vault", "username", vault_id],
            capture_output=True,
        )


def register(data_dir, server, name, user_id, *, extra_args=()):
    user = PublicKeyCredentialUserEntity(name=name, id=user_id, display_name=name.title())
    options, state = server.register_begin(
        user,
        resident_key_requirement=ResidentKeyRequirement.REQUIRED,
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    r = latchkey(
        data_dir,
        "webauthn",
        "create",
        "--origin",
        ORIGIN,
        "--yes",
        *extra_args,
        stdin=json.dumps(dict(options)),
    )
    assert r.returncode == 0, r.stderr
    response = json.loads(r.stdout)
    auth_data = server.register_complete(state, RegistrationResponse.from_dict(response))
    assert auth_data.is_user_verified()
    assert auth_data.credential_data is not None
    return auth_data.credential_data, response


def sign_in(data_dir, server, credentials, *, allow=True, account=None):
    options, state = server.authenticate_begin(
        credentials if allow else None,
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    args = ["webauthn", "get", "--origin", ORIGIN, "--yes"]
    if account:
        args += ["--account", account]
    r = latchkey(data_dir, *args, stdin=json.dumps(dict(options)))
    assert r.returncode == 0, r.stderr
    response = AuthenticationResponse.from_dict(json.loads(r.stdout))
    used = server.authenticate_complete(state, credentials, response)
    return used, response


def test_es256_register_and_two_sign_ins_move_the_counter(vault):
    server = Fido2Server(RP)
    cred, reg = register(vault, server, "alice", b"user-alice")
    assert reg["response"]["publicKeyAlgorithm"] == -7
    counters = []
    for _ in range(2):
        used, response = sign_in(vault, server, [cred])
        assert used.credential_id == cred.credential_id
        counters.append(response.response.authenticator_data.counter)
    assert counters == [1, 2]


def test_eddsa_register_and_sign_in(vault):
    server = Fido2Server(RP)
    server.allowed_algorithms = [
        PublicKeyCredentialParameters(type=PublicKeyCredentialType.PUBLIC_KEY, alg=-8)
    ]
    cred, reg = register(vault, server, "alice", b"user-alice")
    assert reg["response"]["publicKeyAlgorithm"] == -8
    sign_in(vault, server, [cred])


def test_discoverable_sign_in_with_two_accounts(vault):
    server = Fido2Server(RP)
    alice, _ = register(vault, server, "alice", b"user-alice")
    bob, _ = register(vault, server, "bob", b"user-bob")
    used, response = sign_in(vault, server, [alice, bob], allow=False, account="bob")
    assert used.credential_id == bob.credential_id
    assert response.response.user_handle == b"user-bob"
    used, response = sign_in(vault, server, [alice, bob], allow=False, account="alice")
    assert used.credential_id == alice.credential_id


def test_excluded_credential_is_refused(vault):
    server = Fido2Server(RP)
    cred, _ = register(vault, server, "alice", b"user-alice")
    user = PublicKeyCredentialUserEntity(name="alice", id=b"user-alice", display_name="Alice")
    options, _ = server.register_begin(user, credentials=[cred])
    r = latchkey(
        vault, "webauthn", "create", "--origin", ORIGIN, "--yes", stdin=json.dumps(dict(options))
    )
    assert r.returncode == 4, r.stderr
    assert "InvalidStateError" in r.stderr
    listed = json.loads(latchkey(vault, "list", "--json").stdout)
    assert len(listed) == 1


def test_a_tampered_assertion_is_refused_by_the_server(vault):
    """The judge can say no: flip one signature byte and Fido2Server must reject it."""
    server = Fido2Server(RP)
    cred, _ = register(vault, server, "alice", b"user-alice")
    options, state = server.authenticate_begin([cred])
    r = latchkey(
        vault, "webauthn", "get", "--origin", ORIGIN, "--yes", stdin=json.dumps(dict(options))
    )
    assert r.returncode == 0, r.stderr
    response = json.loads(r.stdout)
    sig = bytearray(AuthenticationResponse.from_dict(response).response.signature)
    sig[-1] ^= 1
    response["response"]["signature"] = base64.urlsafe_b64encode(bytes(sig)).rstrip(b"=").decode()
    with pytest.raises(ValueError):
        server.authenticate_complete(state, [cred], AuthenticationResponse.from_dict(response))
