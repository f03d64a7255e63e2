//! The virtual security key's way into the session (`Session::ctap`): raw CTAP2 bytes in, a
//! status byte and CBOR out, through the real prompt queue, the real vault (key in the real Secret Service),
//! the activity log. webauthn-authenticator-rs, a CTAP2 client nobody here wrote, registers and
//! signs in over those bytes (with its pinUvAuthToken from built-in UV), and webauthn-rs, a
//! relying party nobody here wrote, judges what comes back. The OS check is the counting
//! stand-in of `common` (its polkit path is tested through the CLI).

mod common;
use common::ctap::{cbor, i, make_credential, t};
use common::{wait_prompt, Fixture};

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ciborium::Value;
use latchkey_session::{ActivityKind, CtapState, Door, PromptOperation, RequestInfo, Session};
use webauthn_authenticator_rs::ctap2::CtapAuthenticator;
use webauthn_authenticator_rs::error::{CtapError, WebauthnCError};
use webauthn_authenticator_rs::transport::Token;
use webauthn_authenticator_rs::types::{CableRequestType, CableState, EnrollSampleStatus};
use webauthn_authenticator_rs::ui::UiCallback;
use webauthn_authenticator_rs::AuthenticatorBackend;
use webauthn_rs::prelude::{Url, Uuid};
use webauthn_rs::WebauthnBuilder;
use webauthn_rs_proto::AuthenticatorTransport;

/// The program the door found holding the device node, as the prompt must show it.
const PROGRAM: &str = "ssh-keygen";

fn info(tag: &str) -> RequestInfo {
    RequestInfo {
        tag: Some(tag.to_owned()),
        client: Some(PROGRAM.to_owned()),
    }
}

/// The client's byte pipe to the session: what the HID door carries, one CTAP state for the
/// connection.
struct HidToken {
    session: Arc<Session>,
    state: Mutex<CtapState>,
    requests: Mutex<u64>,
}

impl std::fmt::Debug for HidToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HidToken")
    }
}

#[async_trait::async_trait]
impl Token for HidToken {
    type Id = ();

    fn get_transport(&self) -> AuthenticatorTransport {
        AuthenticatorTransport::Usb
    }

    async fn transmit_raw<U: UiCallback>(
        &mut self,
        cbor: &[u8],
        _ui: &U,
    ) -> Result<Vec<u8>, WebauthnCError> {
        let tag = {
            let mut n = self.requests.lock().unwrap();
            *n += 1;
            format!("hid-{n}")
        };
        let mut state = self.state.lock().unwrap();
        let response = self.session.ctap(cbor, &mut state, info(&tag), &|_| {});
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
        panic!("the client asked for a PIN: Latchkey has none, getInfo must not suggest one");
    }
    fn request_touch(&self) {}
    fn processing(&self) {}
    fn fingerprint_enrollment_feedback(&self, _: u32, _: Option<EnrollSampleStatus>) {}
    fn cable_qr_code(&self, _: CableRequestType, _: String) {}
    fn dismiss_qr_code(&self) {}
    fn cable_status_update(&self, _: CableState) {}
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

/// Stands in for the person at the prompt window: approves every prompt until told to stop,
/// and keeps what each prompt showed.
fn approve_all(
    session: Arc<Session>,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<Vec<latchkey_session::Prompt>> {
    std::thread::spawn(move || {
        let mut seen = Vec::new();
        while !stop.load(Ordering::SeqCst) {
            if let Some(p) = session.current_prompt() {
                session.answer_prompt(&p.id, true, None).unwrap();
                seen.push(p);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        seen
    })
}

fn unlocked() -> Fixture {
    let f = Fixture::new();
    f.session
        .unlock()
        .expect("unlock (is the Secret Service running? use scripts/test-env.sh)");
    // The 400 ms auto-lock of the default fixture is not what these tests are about.
    f.session
        .set_timeouts(Duration::from_secs(10), Duration::from_secs(6));
    f
}

#[test]
fn register_and_sign_in_over_raw_ctap_with_a_uv_token() {
    let f = unlocked();
    let checks_before = f.calls();
    let stop = Arc::new(AtomicBool::new(false));
    let person = approve_all(f.session.clone(), stop.clone());
    let token = HidToken {
        session: f.session.clone(),
        state: Mutex::new(CtapState::new()),
        requests: Mutex::new(0),
    };
    let ui = NoUi;
    let mut client = block_on(CtapAuthenticator::new(token, &ui)).expect("client reads getInfo");
    let rp = WebauthnBuilder::new("example.com", &Url::parse("https://example.com").unwrap())
        .unwrap()
        .build()
        .unwrap();
    let origin = Url::parse("https://example.com").unwrap();

    let (ccr, reg_state) = rp
        .start_passkey_registration(Uuid::new_v4(), "alice", "Alice", None)
        .unwrap();
    let reg = client
        .perform_register(origin.clone(), ccr.public_key, 30_000)
        .expect("makeCredential through the session");
    let passkey = rp
        .finish_passkey_registration(&reg, &reg_state)
        .expect("webauthn-rs accepts the registration");

    let (rcr, auth_state) = rp.start_passkey_authentication(&[passkey]).unwrap();
    let assertion = client
        .perform_auth(origin, rcr.public_key, 30_000)
        .expect("getAssertion through the session");
    let result = rp
        .finish_passkey_authentication(&assertion, &auth_state)
        .expect("webauthn-rs accepts the assertion");
    assert!(result.user_verified());

    stop.store(true, Ordering::SeqCst);
    let prompts = person.join().unwrap();
    let ops: Vec<_> = prompts.iter().map(|p| p.operation).collect();
    assert_eq!(
        ops,
        [PromptOperation::Create, PromptOperation::SignIn],
        "one prompt per ceremony (the UV token adds none)"
    );
    for p in &prompts {
        assert_eq!(p.door, "usb");
        assert_eq!(p.client.as_deref(), Some(PROGRAM));
        assert_eq!(p.rp_id, "example.com");
        assert_eq!(p.accounts.len(), 1);
    }
    assert_eq!(
        f.calls() - checks_before,
        2,
        "one OS check per ceremony, run at its prompt"
    );
    let log = f.session.activity(10).unwrap();
    let kinds: Vec<_> = log
        .iter()
        .filter(|e| e.door == "usb")
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, [ActivityKind::Approved, ActivityKind::Created]);
    assert_eq!(f.session.list().unwrap().len(), 1);
}

#[test]
fn denied_at_the_prompt_is_operation_denied_and_stores_nothing() {
    let f = unlocked();
    let session = f.session.clone();
    let waiting = std::thread::spawn(move || {
        session.ctap(
            &make_credential(),
            &mut CtapState::new(),
            info("hid-1"),
            &|_| {},
        )
    });
    let prompt = wait_prompt(&f.session);
    assert_eq!(prompt.operation, PromptOperation::Create);
    f.session.answer_prompt(&prompt.id, false, None).unwrap();
    assert_eq!(
        waiting.join().unwrap(),
        vec![0x27],
        "CTAP2_ERR_OPERATION_DENIED"
    );
    assert!(f.session.list().unwrap().is_empty());
    let log = f.session.activity(1).unwrap();
    assert_eq!(log[0].kind, ActivityKind::Denied);
    assert_eq!(log[0].door, "usb");
}

#[test]
fn cancel_withdraws_the_prompt_and_answers_keepalive_cancel() {
    let f = unlocked();
    let session = f.session.clone();
    let presence: Arc<Mutex<Vec<bool>>> = Arc::default();
    let seen = presence.clone();
    let waiting = std::thread::spawn(move || {
        session.ctap(
            &make_credential(),
            &mut CtapState::new(),
            info("hid-42"),
            &|needed| seen.lock().unwrap().push(needed),
        )
    });
    let prompt = wait_prompt(&f.session);
    assert_eq!(
        *presence.lock().unwrap(),
        [true],
        "user presence needed while it waits"
    );
    assert!(
        !f.session.cancel(Door::Browser, "hid-42"),
        "another door's cancel does not reach it"
    );
    assert!(f.session.cancel(Door::Hid, "hid-42"));
    assert_eq!(
        waiting.join().unwrap(),
        vec![0x2D],
        "CTAP2_ERR_KEEPALIVE_CANCEL"
    );
    assert_eq!(*presence.lock().unwrap(), [true, false]);
    assert!(
        f.session.current_prompt().is_none(),
        "the prompt {} left the window",
        prompt.id
    );
    assert!(f.session.list().unwrap().is_empty());
    assert_eq!(
        f.session.activity(1).unwrap()[0].kind,
        ActivityKind::Cancelled
    );
}

#[test]
fn locked_refuses_at_once_and_changes_nothing() {
    let f = unlocked();
    let before = f.session.activity(100).unwrap().len();
    f.session.lock();
    let checks = f.calls();
    let mut state = CtapState::new();
    let started = Instant::now();
    let answer = f
        .session
        .ctap(&make_credential(), &mut state, info("hid-1"), &|_| {
            panic!("no prompt while locked")
        });
    assert_eq!(answer, vec![0x27], "CTAP2_ERR_OPERATION_DENIED");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(f.session.current_prompt().is_none());
    // getInfo still answers, so a client sees the key and reports the refusal cleanly.
    let info_answer = f.session.ctap(&[0x04], &mut state, info("hid-2"), &|_| {});
    assert_eq!(info_answer[0], 0);
    assert_eq!(f.calls(), checks, "no OS check");
    f.session.unlock().unwrap();
    assert!(f.session.list().unwrap().is_empty());
    // Lock and unlock were logged; nothing else.
    let log = f.session.activity(100).unwrap();
    assert_eq!(log.len(), before + 2);
    assert!(log.iter().all(|e| e.door != "usb"));
}

/// Sends `request` on `state` while the person approves whatever prompt comes; the answer and
/// the prompts shown.
fn approved(
    f: &Fixture,
    request: &[u8],
    state: &mut CtapState,
) -> (Vec<u8>, Vec<latchkey_session::Prompt>) {
    let stop = Arc::new(AtomicBool::new(false));
    let person = approve_all(f.session.clone(), stop.clone());
    let answer = f.session.ctap(request, state, info("hid-cm"), &|_| {});
    stop.store(true, Ordering::SeqCst);
    (answer, person.join().unwrap())
}

#[test]
fn a_deletion_through_credential_management_is_logged() {
    use coset::{AsCborValue, CoseKey};
    use latchkey_authenticator::pin_uv_auth_protocol::{self, KeyAgreement};

    let f = unlocked();
    let mut state = CtapState::new();
    assert_eq!(approved(&f, &make_credential(), &mut state).0[0], 0);
    let id = f.session.list().unwrap()[0].id.clone();
    let raw_id = {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&id)
            .unwrap()
    };

    // getKeyAgreement, then a cm token through built-in UV (approved at its prompt).
    let ka = f.session.ctap(
        &cbor(0x06, &Value::Map(vec![(i(1), i(2)), (i(2), i(2))])),
        &mut state,
        info("hid-ka"),
        &|_| {},
    );
    assert_eq!(ka[0], 0);
    let ka: Value = ciborium::de::from_reader(&ka[1..]).unwrap();
    let key = ka.as_map().unwrap()[0].1.clone();
    let platform = KeyAgreement::generate();
    let shared = platform
        .shared_secret(2, &CoseKey::from_cbor_value(key).unwrap())
        .unwrap();
    let token_request = cbor(
        0x06,
        &Value::Map(vec![
            (i(1), i(2)),
            (i(2), i(6)),
            (i(3), platform.cose_public_key().to_cbor_value().unwrap()),
            (i(9), i(0x04)),
        ]),
    );
    let (answer, prompts) = approved(&f, &token_request, &mut state);
    assert_eq!(answer[0], 0);
    let ops: Vec<_> = prompts.iter().map(|p| p.operation).collect();
    assert_eq!(
        ops,
        [PromptOperation::Manage],
        "the person sees what the token is for"
    );
    let answer: Value = ciborium::de::from_reader(&answer[1..]).unwrap();
    let token = shared
        .decrypt(answer.as_map().unwrap()[0].1.as_bytes().unwrap())
        .unwrap();

    // deleteCredential (0x06): pinUvAuthParam = authenticate(token, 0x06 || subCommandParams).
    let sub = Value::Map(vec![(
        i(2),
        Value::Map(vec![
            (t("id"), Value::Bytes(raw_id)),
            (t("type"), t("public-key")),
        ]),
    )]);
    let mut message = vec![0x06];
    ciborium::ser::into_writer(&sub, &mut message).unwrap();
    let delete = cbor(
        0x0A,
        &Value::Map(vec![
            (i(1), i(6)),
            (i(2), sub),
            (i(3), i(2)),
            (
                i(4),
                Value::Bytes(pin_uv_auth_protocol::authenticate(2, &token, &message)),
            ),
        ]),
    );
    assert_eq!(
        f.session
            .ctap(&delete, &mut state, info("hid-del"), &|_| {}),
        [0]
    );
    assert!(f.session.list().unwrap().is_empty());
    let newest = &f.session.activity(1).unwrap()[0];
    assert_eq!(newest.kind, ActivityKind::Deleted);
    assert_eq!(newest.door, "usb");
    assert_eq!(newest.rp_id.as_deref(), Some("example.com"));
    assert_eq!(newest.account.as_deref(), Some("alice"));
}
