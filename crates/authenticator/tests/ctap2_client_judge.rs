//! webauthn-authenticator-rs, a CTAP2 client nobody here wrote, drives Latchkey over raw CTAP2
//! bytes (a custom `Token`), and webauthn-rs, a relying party nobody here wrote, checks what comes
//! back. The store is the real encrypted vault with its key in the real Secret Service.

use std::sync::Mutex;

use latchkey_authenticator::{
    Approval, ApprovalRequest, Authenticator, Caller, Door, Refusal, UserInteraction,
};
use latchkey_vault::{KeyStore, OsKeychain, Vault};
use webauthn_authenticator_rs::ctap2::CtapAuthenticator;
use webauthn_authenticator_rs::error::{CtapError, WebauthnCError};
use webauthn_authenticator_rs::transport::Token;
use webauthn_authenticator_rs::types::{CableRequestType, CableState, EnrollSampleStatus};
use webauthn_authenticator_rs::ui::UiCallback;
use webauthn_authenticator_rs::AuthenticatorBackend;
use webauthn_rs::prelude::{Url, Uuid};
use webauthn_rs::{Webauthn, WebauthnBuilder};
use webauthn_rs_proto::AuthenticatorTransport;

/// Stands in for the person: approves and reports a passed OS verification. Counts prompts.
#[derive(Default)]
struct Person {
    prompts: Mutex<Vec<String>>,
}

impl UserInteraction for Person {
    fn approve(&self, request: &ApprovalRequest<'_>) -> Result<Approval, Refusal> {
        self.prompts
            .lock()
            .unwrap()
            .push(format!("{:?} {}", request.operation, request.rp_id));
        Ok(Approval {
            account: (!request.accounts.is_empty()).then_some(0),
            user_verified: true,
        })
    }
}

/// The byte pipe: CTAP2 request in, status + CBOR out, exactly what a HID or bridge transport
/// would carry.
struct LatchkeyToken {
    auth: Mutex<Authenticator<Vault, Person>>,
}

impl std::fmt::Debug for LatchkeyToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LatchkeyToken")
    }
}

#[async_trait::async_trait]
impl Token for LatchkeyToken {
    type Id = ();

    fn get_transport(&self) -> AuthenticatorTransport {
        AuthenticatorTransport::Internal
    }

    async fn transmit_raw<U: UiCallback>(
        &mut self,
        cbor: &[u8],
        _ui: &U,
    ) -> Result<Vec<u8>, WebauthnCError> {
        let response = self
            .auth
            .lock()
            .unwrap()
            .handle_request(cbor, &Caller::new(Door::Hid, None));
        match response.split_first() {
            Some((0, body)) => Ok(body.to_vec()),
            Some((status, _)) => Err(WebauthnCError::Ctap(CtapError::from(*status))),
            None => Err(WebauthnCError::Internal),
        }
    }

    async fn cancel(&mut self) -> Result<(), WebauthnCError> {
        Ok(())
    }
    async fn init(&mut self) -> Result<(), WebauthnCError> {
        Ok(())
    }
    async fn close(&mut self) -> Result<(), WebauthnCError> {
        Ok(())
    }
}

#[derive(Debug)]
struct NoUi;

impl UiCallback for NoUi {
    fn request_pin(&self) -> Option<String> {
        None // Latchkey has no PIN: a client that asks for one has taken a wrong path.
    }
    fn request_touch(&self) {}
    fn processing(&self) {}
    fn fingerprint_enrollment_feedback(&self, _: u32, _: Option<EnrollSampleStatus>) {}
    fn cable_qr_code(&self, _: CableRequestType, _: String) {}
    fn dismiss_qr_code(&self) {}
    fn cable_status_update(&self, _: CableState) {}
}

struct Fixture {
    _dir: tempfile::TempDir,
    vault_id: String,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = OsKeychain::with_service("dev.latchkey.test").delete(&self.vault_id);
    }
}

fn token() -> (Fixture, LatchkeyToken) {
    let dir = tempfile::tempdir().unwrap();
    let vault = Vault::init(dir.path(), &OsKeychain::with_service("dev.latchkey.test"))
        .expect("vault (is the Secret Service running?)");
    let vault_id = vault.id().to_owned();
    let auth = Authenticator::new(vault, Person::default());
    (
        Fixture {
            _dir: dir,
            vault_id,
        },
        LatchkeyToken {
            auth: Mutex::new(auth),
        },
    )
}

fn relying_party() -> Webauthn {
    WebauthnBuilder::new("example.com", &Url::parse("https://example.com").unwrap())
        .unwrap()
        .build()
        .unwrap()
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

#[test]
fn get_info_as_the_client_reads_it() {
    let (_f, token) = token();
    let ui = NoUi;
    let client = block_on(CtapAuthenticator::new(token, &ui)).expect("client accepts getInfo");
    let CtapAuthenticator::Fido21(client) = client else {
        panic!("the client did not see a CTAP 2.1 authenticator");
    };
    let info = client.get_info();
    assert!(info.versions.contains("FIDO_2_1"));
    assert_eq!(info.get_option("uv"), Some(true));
    assert_eq!(info.get_option("pinUvAuthToken"), Some(true));
    assert_eq!(info.get_option("rk"), Some(true));
    assert_eq!(info.get_option("clientPin"), None, "Latchkey has no PIN");
    assert!(info.pin_protocols.as_ref().unwrap().contains(&2));
}

#[test]
fn register_and_sign_in_through_a_real_ctap2_client() {
    let (_f, token) = token();
    let ui = NoUi;
    let mut client = block_on(CtapAuthenticator::new(token, &ui)).expect("client");
    let rp = relying_party();
    let origin = Url::parse("https://example.com").unwrap();

    let (ccr, reg_state) = rp
        .start_passkey_registration(Uuid::new_v4(), "alice", "Alice", None)
        .unwrap();
    // The client obtains a pinUvAuthToken through built-in UV, then sends makeCredential.
    let reg = client
        .perform_register(origin.clone(), ccr.public_key, 30_000)
        .expect("makeCredential");
    let mut passkey = rp
        .finish_passkey_registration(&reg, &reg_state)
        .expect("webauthn-rs accepts the registration");

    let mut last_counter = 0;
    for _ in 0..2 {
        let (rcr, auth_state) = rp.start_passkey_authentication(&[passkey.clone()]).unwrap();
        let assertion = client
            .perform_auth(origin.clone(), rcr.public_key, 30_000)
            .expect("getAssertion");
        let result = rp
            .finish_passkey_authentication(&assertion, &auth_state)
            .expect("webauthn-rs accepts the assertion");
        assert!(result.user_verified());
        assert!(
            result.counter() > last_counter,
            "the signature counter must move"
        );
        last_counter = result.counter();
        passkey.update_credential(&result);
    }
}

#[test]
fn a_second_registration_is_excluded() {
    let (_f, token) = token();
    let ui = NoUi;
    let mut client = block_on(CtapAuthenticator::new(token, &ui)).expect("client");
    let rp = relying_party();
    let origin = Url::parse("https://example.com").unwrap();
    let user = Uuid::new_v4();
    let (ccr, state) = rp
        .start_passkey_registration(user, "alice", "Alice", None)
        .unwrap();
    let reg = client
        .perform_register(origin.clone(), ccr.public_key, 30_000)
        .unwrap();
    let passkey = rp.finish_passkey_registration(&reg, &state).unwrap();
    let (ccr, _) = rp
        .start_passkey_registration(
            user,
            "alice",
            "Alice",
            Some(vec![passkey.cred_id().clone()]),
        )
        .unwrap();
    let err = client
        .perform_register(origin, ccr.public_key, 30_000)
        .unwrap_err();
    assert!(
        matches!(
            err,
            WebauthnCError::Ctap(CtapError::Ctap2CredentialExcluded)
        ),
        "expected CredentialExcluded, got {err:?}"
    );
}
