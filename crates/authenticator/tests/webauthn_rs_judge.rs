//! webauthn-rs 0.6, a relying party nobody here wrote, judges what Latchkey's WebAuthn client
//! produces: the options JSON webauthn-rs emits goes in, the response JSON comes out, and
//! webauthn-rs's own `finish_*` decides. The store is the real encrypted vault with its key in
//! the real Secret Service. The OS gate is judged separately, with a real polkitd, through the
//! CLI (crates/cli/tests/os_gate.rs); here a stand-in person approves.

use std::sync::Mutex;

use latchkey_authenticator::client::{self, ClientError};
use latchkey_authenticator::{
    Approval, ApprovalRequest, Authenticator, Door, Refusal, UserInteraction, UserVerification,
};
use latchkey_vault::{KeyStore, OsKeychain, Vault};
use webauthn_rs::prelude::*;
use webauthn_rs::{Webauthn, WebauthnBuilder};

const ORIGIN: &str = "https://example.com";
const KEYCHAIN_SERVICE: &str = "dev.latchkey.test";

/// Stands in for the person at the prompt: approves (or denies), picks an account by user name.
#[derive(Default)]
struct Person {
    deny: bool,
    pick: Mutex<Option<String>>,
    seen_accounts: Mutex<Vec<Vec<String>>>,
    /// The user verification each prompt was asked for.
    seen_uv: Mutex<Vec<UserVerification>>,
}

impl UserInteraction for Person {
    fn approve(&self, request: &ApprovalRequest<'_>) -> Result<Approval, Refusal> {
        let names: Vec<String> = request
            .accounts
            .iter()
            .map(|a| a.label().to_owned())
            .collect();
        self.seen_accounts.lock().unwrap().push(names.clone());
        self.seen_uv.lock().unwrap().push(request.user_verification);
        if self.deny {
            return Err(Refusal::Denied);
        }
        let account = match self.pick.lock().unwrap().as_deref() {
            Some(want) => names.iter().position(|n| n == want),
            None => (!names.is_empty()).then_some(0),
        };
        Ok(Approval {
            account,
            user_verified: true,
        })
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    vault_id: String,
    auth: Authenticator<Vault, Person>,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = OsKeychain::with_service(KEYCHAIN_SERVICE).delete(&self.vault_id);
    }
}

fn fixture(person: Person) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let vault = Vault::init(dir.path(), &OsKeychain::with_service(KEYCHAIN_SERVICE))
        .expect("vault (is the Secret Service running? use scripts/test.sh)");
    Fixture {
        vault_id: vault.id().to_owned(),
        auth: Authenticator::new(vault, person),
        _dir: dir,
    }
}

fn relying_party() -> Webauthn {
    WebauthnBuilder::new("example.com", &Url::parse(ORIGIN).unwrap())
        .unwrap()
        .rp_name("Example")
        .build()
        .unwrap()
}

/// Registers through Latchkey's client; returns webauthn-rs's verdict and the raw response.
fn register(
    rp: &Webauthn,
    f: &mut Fixture,
    name: &str,
    algs: Option<&[(i64, COSEAlgorithm)]>,
) -> (Passkey, serde_json::Value) {
    let (ccr, state) = rp
        .start_passkey_registration(Uuid::new_v4(), name, &format!("{name} Example"), None)
        .unwrap();
    let mut options = serde_json::to_value(&ccr).unwrap();
    let mut state = serde_json::to_value(&state).unwrap();
    if let Some(algs) = algs {
        // webauthn-rs has no public knob for its algorithm list, so the test narrows both the
        // options and the RP's own state to the algorithm under test.
        options["publicKey"]["pubKeyCredParams"] = algs
            .iter()
            .map(|(a, _)| serde_json::json!({"type": "public-key", "alg": a}))
            .collect();
        state["rs"]["credential_algorithms"] = algs
            .iter()
            .map(|(_, c)| serde_json::to_value(c).unwrap())
            .collect();
    }
    let state: PasskeyRegistration = serde_json::from_value(state).unwrap();
    let response = client::create(&mut f.auth, ORIGIN, &options.to_string(), Door::Cli)
        .expect("Latchkey registers");
    let credential: RegisterPublicKeyCredential =
        serde_json::from_value(response.clone()).expect("RegistrationResponseJSON parses");
    let passkey = rp
        .finish_passkey_registration(&credential, &state)
        .expect("webauthn-rs accepts the registration");
    (passkey, response)
}

/// Signs in with the allow-listed flow; returns webauthn-rs's verdict.
fn sign_in(rp: &Webauthn, f: &mut Fixture, passkey: &Passkey) -> AuthenticationResult {
    let (rcr, state) = rp
        .start_passkey_authentication(std::slice::from_ref(passkey))
        .unwrap();
    let response = client::get(
        &mut f.auth,
        ORIGIN,
        &serde_json::to_string(&rcr).unwrap(),
        Door::Cli,
    )
    .expect("Latchkey signs in");
    let credential: PublicKeyCredential =
        serde_json::from_value(response).expect("AuthenticationResponseJSON parses");
    rp.finish_passkey_authentication(&credential, &state)
        .expect("webauthn-rs accepts the assertion")
}

fn count(f: &Fixture) -> usize {
    f.auth.store().list().unwrap().len()
}

#[test]
fn es256_registration_and_two_sign_ins_move_the_counter() {
    let rp = relying_party();
    let mut f = fixture(Person::default());
    let (mut passkey, response) = register(&rp, &mut f, "alice", None);
    assert_eq!(
        response["response"]["publicKeyAlgorithm"], -7,
        "ES256 is preferred"
    );
    assert!(response["response"]["publicKey"].is_string());
    assert_eq!(response["clientExtensionResults"]["credProps"]["rk"], true);
    let first = sign_in(&rp, &mut f, &passkey);
    assert!(first.user_verified());
    assert_eq!(first.counter(), 1);
    passkey.update_credential(&first);
    let second = sign_in(&rp, &mut f, &passkey);
    assert_eq!(second.counter(), 2, "the counter moves on every sign-in");
    assert_eq!(passkey.update_credential(&second), Some(true));
}

// EdDSA: webauthn-rs 0.6 cannot judge it. Its COSE key code refuses every OKP key
// (webauthn-rs-core crypto.rs: `SshPublicKeyEDUnsupported`, "RustCrypto doesn't directly support
// ed25519"), so Ed25519 registrations and sign-ins are judged by python-fido2's Fido2Server in
// tests/judges/test_fido2_judge.py instead.

#[test]
fn rs256_registration_and_sign_in() {
    let rp = relying_party();
    let mut f = fixture(Person::default());
    let (passkey, response) = register(&rp, &mut f, "alice", Some(&[(-257, COSEAlgorithm::RS256)]));
    assert_eq!(response["response"]["publicKeyAlgorithm"], -257);
    assert!(response["response"]["publicKey"].is_string());
    sign_in(&rp, &mut f, &passkey);
}

#[test]
fn discoverable_sign_in_picks_the_right_one_of_two_accounts() {
    let rp = relying_party();
    let mut f = fixture(Person::default());
    let (alice, _) = register(&rp, &mut f, "alice", None);
    let (bob, _) = register(&rp, &mut f, "bob", None);
    for (who, passkey) in [("bob", &bob), ("alice", &alice)] {
        *f.auth.user().pick.lock().unwrap() = Some(who.to_owned());
        let (rcr, state) = rp.start_discoverable_authentication().unwrap();
        let options = serde_json::to_string(&rcr).unwrap();
        assert!(
            !options.contains("allowCredentials\":[{"),
            "no allow list: discoverable"
        );
        let response = client::get(&mut f.auth, ORIGIN, &options, Door::Cli).unwrap();
        let credential: PublicKeyCredential = serde_json::from_value(response).unwrap();
        // The RP learns who signs in from the user handle alone.
        let (_user, cred_id) = rp
            .identify_discoverable_authentication(&credential)
            .unwrap();
        assert_eq!(cred_id, passkey.cred_id().as_slice(), "{who}");
        let result = rp
            .finish_discoverable_authentication_v2(&credential, state, passkey)
            .expect("webauthn-rs accepts the discoverable assertion");
        assert!(result.user_verified());
    }
    let prompts = f.auth.user().seen_accounts.lock().unwrap().clone();
    let last = prompts.last().unwrap();
    assert_eq!(last.len(), 2, "the prompt offered both accounts: {last:?}");
}

#[test]
fn excluded_credential_is_refused_and_the_vault_is_unchanged() {
    let rp = relying_party();
    let mut f = fixture(Person::default());
    let (passkey, _) = register(&rp, &mut f, "alice", None);
    let (ccr, _) = rp
        .start_passkey_registration(
            Uuid::new_v4(),
            "alice",
            "Alice",
            Some(vec![passkey.cred_id().clone()]),
        )
        .unwrap();
    let err = client::create(
        &mut f.auth,
        ORIGIN,
        &serde_json::to_string(&ccr).unwrap(),
        Door::Cli,
    )
    .unwrap_err();
    assert!(matches!(err, ClientError::InvalidState(_)), "{err}");
    assert_eq!(count(&f), 1);
}

#[test]
fn rejections_leave_the_vault_unchanged() {
    let rp = relying_party();
    let mut f = fixture(Person::default());
    register(&rp, &mut f, "alice", None);
    let (ccr, _) = rp
        .start_passkey_registration(Uuid::new_v4(), "carol", "Carol", None)
        .unwrap();
    let good = serde_json::to_value(&ccr).unwrap();
    let mut unsupported = good.clone();
    unsupported["publicKey"]["pubKeyCredParams"] = serde_json::json!([{"type": "public-key", "alg": -35}, {"type": "public-key", "alg": -999}]);
    let cases: Vec<(&str, String, &str)> = vec![
        (ORIGIN, unsupported.to_string(), "NotSupportedError"),
        (
            "https://evil-example.com",
            good.to_string(),
            "SecurityError",
        ),
        ("http://example.com", good.to_string(), "SecurityError"),
        ("https://example.org", good.to_string(), "SecurityError"),
        (ORIGIN, "{\"publicKey\":".into(), "TypeError"),
        (ORIGIN, "[]".into(), "TypeError"),
    ];
    for (origin, options, want) in &cases {
        let err = client::create(&mut f.auth, origin, options, Door::Cli).unwrap_err();
        assert_eq!(err.dom_name(), *want, "{origin}: {err}");
        assert_eq!(count(&f), 1, "{origin}: the vault is unchanged");
    }
    // A "no" at the prompt signs nothing and stores nothing.
    let mut denied = fixture(Person {
        deny: true,
        ..Default::default()
    });
    let err = client::create(&mut denied.auth, ORIGIN, &good.to_string(), Door::Cli).unwrap_err();
    assert_eq!(err.dom_name(), "NotAllowedError", "{err}");
    assert_eq!(count(&denied), 0);
}

#[test]
fn prf_outputs_are_stable_per_salt_and_differ_across_salts() {
    let mut f = fixture(Person::default());
    let create = serde_json::json!({
        "challenge": "AAAAAAAAAAAAAAAAAAAAAA",
        "rp": {"id": "example.com", "name": "Example"},
        "user": {"id": "AQID", "name": "alice", "displayName": "Alice"},
        "pubKeyCredParams": [{"type": "public-key", "alg": -7}],
        "extensions": {"prf": {"eval": {"first": "c2FsdC1vbmU"}}}
    });
    let reg = client::create(&mut f.auth, ORIGIN, &create.to_string(), Door::Cli).unwrap();
    let prf = &reg["clientExtensionResults"]["prf"];
    assert_eq!(prf["enabled"], true);
    let at_create = prf["results"]["first"].as_str().unwrap().to_owned();
    let id = reg["id"].as_str().unwrap().to_owned();
    let get = |f: &mut Fixture, ext: serde_json::Value| {
        let options = serde_json::json!({
            "challenge": "QkJCQkJCQkJCQkJCQkJCQg",
            "rpId": "example.com",
            "allowCredentials": [{"type": "public-key", "id": id}],
            "extensions": {"prf": ext}
        });
        client::get(&mut f.auth, ORIGIN, &options.to_string(), Door::Cli).unwrap()
            ["clientExtensionResults"]["prf"]["results"]
            .clone()
    };
    let again = get(
        &mut f,
        serde_json::json!({"eval": {"first": "c2FsdC1vbmU", "second": "dHdv"}}),
    );
    assert_eq!(again["first"], at_create.as_str(), "same salt, same secret");
    assert_ne!(again["second"], again["first"]);
    let by_cred = get(
        &mut f,
        serde_json::json!({"eval": {"first": "b3RoZXI"}, "evalByCredential": {id.clone(): {"first": "dHdv"}}}),
    );
    assert_eq!(
        by_cred["first"], again["second"],
        "evalByCredential wins for its credential"
    );
    assert_eq!(URL_SAFE_LEN, at_create.len());
}

/// 32 bytes in unpadded base64url.
const URL_SAFE_LEN: usize = 43;

fn client_data(response: &serde_json::Value) -> serde_json::Value {
    use base64::Engine as _;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(response["response"]["clientDataJSON"].as_str().unwrap())
        .unwrap();
    serde_json::from_slice(&raw).unwrap()
}

#[test]
fn client_data_carries_the_serialized_origin() {
    let rp = relying_party();
    let mut f = fixture(Person::default());
    let (ccr, state) = rp
        .start_passkey_registration(Uuid::new_v4(), "alice", "Alice", None)
        .unwrap();
    let options = serde_json::to_string(&ccr).unwrap();
    // A caller's spelling of the origin: upper case, the default port, a trailing slash.
    let response = client::create(&mut f.auth, "https://EXAMPLE.com:443/", &options, Door::Cli)
        .expect("Latchkey registers");
    assert_eq!(client_data(&response)["origin"], "https://example.com");
    let credential: RegisterPublicKeyCredential = serde_json::from_value(response).unwrap();
    let passkey = rp
        .finish_passkey_registration(&credential, &state)
        .expect("webauthn-rs (expecting https://example.com) accepts the registration");
    // The same for a sign-in, and the prompt shows the serialized form too.
    let (rcr, state) = rp
        .start_passkey_authentication(std::slice::from_ref(&passkey))
        .unwrap();
    let response = client::get(
        &mut f.auth,
        "https://Example.COM/",
        &serde_json::to_string(&rcr).unwrap(),
        Door::Cli,
    )
    .unwrap();
    assert_eq!(client_data(&response)["origin"], "https://example.com");
    let credential: PublicKeyCredential = serde_json::from_value(response).unwrap();
    rp.finish_passkey_authentication(&credential, &state)
        .expect("webauthn-rs accepts the assertion");
    // Not a pure origin: refused as a browser would.
    for bad in [
        "https://example.com/login",
        "https://example.com/?q=1",
        "https://example.com/#top",
        "https://alice@example.com",
    ] {
        let err = client::create(&mut f.auth, bad, &options, Door::Cli).unwrap_err();
        assert_eq!(err.dom_name(), "SecurityError", "{bad}: {err}");
    }
}

#[test]
fn cred_protect_3_passkey_signs_in_when_uv_is_only_preferred() {
    let rp = relying_party();
    let mut f = fixture(Person::default());
    let (ccr, state) = rp
        .start_passkey_registration(Uuid::new_v4(), "alice", "Alice", None)
        .unwrap();
    let mut options = serde_json::to_value(&ccr).unwrap();
    options["publicKey"]["extensions"]["credentialProtectionPolicy"] =
        "userVerificationRequired".into();
    options["publicKey"]["extensions"]["enforceCredentialProtectionPolicy"] = true.into();
    let response = client::create(&mut f.auth, ORIGIN, &options.to_string(), Door::Cli).unwrap();
    let credential: RegisterPublicKeyCredential = serde_json::from_value(response).unwrap();
    let passkey = rp
        .finish_passkey_registration(&credential, &state)
        .expect("webauthn-rs accepts the registration");
    let stored = f.auth.store().list().unwrap();
    assert_eq!(stored[0].cred_protect, 3, "stored at level 3");
    // Discoverable (no allow list) and allow-listed, both with userVerification "preferred".
    let (rcr, state) = rp.start_discoverable_authentication().unwrap();
    let mut request = serde_json::to_value(&rcr).unwrap();
    request["publicKey"]["userVerification"] = "preferred".into();
    let response = client::get(&mut f.auth, ORIGIN, &request.to_string(), Door::Cli)
        .expect("the level-3 passkey is found after the OS check Latchkey always runs");
    let credential: PublicKeyCredential = serde_json::from_value(response).unwrap();
    let result = rp
        .finish_discoverable_authentication_v2(&credential, state, &passkey)
        .expect("webauthn-rs accepts the assertion");
    assert!(result.user_verified(), "UV flag set");
    let (rcr, state) = rp
        .start_passkey_authentication(std::slice::from_ref(&passkey))
        .unwrap();
    let mut request = serde_json::to_value(&rcr).unwrap();
    request["publicKey"]["userVerification"] = "preferred".into();
    let response = client::get(&mut f.auth, ORIGIN, &request.to_string(), Door::Cli).unwrap();
    let credential: PublicKeyCredential = serde_json::from_value(response).unwrap();
    let result = rp
        .finish_passkey_authentication(&credential, &state)
        .expect("webauthn-rs accepts the assertion");
    assert!(result.user_verified());
    // The door was told UV is required, so it runs the OS check for this ceremony.
    let asked = f.auth.user().seen_uv.lock().unwrap().clone();
    assert_eq!(
        &asked[1..],
        &[UserVerification::Required, UserVerification::Required]
    );
}

#[test]
fn no_passkey_is_answered_only_after_a_prompt() {
    let rp = relying_party();
    let mut f = fixture(Person::default());
    let (rcr, _) = rp.start_discoverable_authentication().unwrap();
    let err = client::get(
        &mut f.auth,
        ORIGIN,
        &serde_json::to_string(&rcr).unwrap(),
        Door::Cli,
    )
    .unwrap_err();
    assert_eq!(err.dom_name(), "NotAllowedError", "{err}");
    assert!(
        err.to_string().contains("no passkey for example.com"),
        "{err}"
    );
    let prompts = f.auth.user().seen_accounts.lock().unwrap().clone();
    assert_eq!(
        prompts,
        vec![Vec::<String>::new()],
        "asked once, with no accounts"
    );
    // A "no" at that prompt changes nothing: still "no passkey".
    let mut denied = fixture(Person {
        deny: true,
        ..Default::default()
    });
    let err = client::get(
        &mut denied.auth,
        ORIGIN,
        &serde_json::to_string(&rcr).unwrap(),
        Door::Cli,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("no passkey for example.com"),
        "{err}"
    );
}
