//! The CTAP state a client's requests share survives from one `Authenticator` to the next
//! (`take_state` / `with_state`), as the virtual HID key needs: the session builds an
//! authenticator per request, while a CTAP client spreads one ceremony over several. Raw CTAP2
//! CBOR in, status + CBOR out; the platform half of PIN/UV auth protocol 2 is the crate's
//! public `KeyAgreement` (its agreement with the spec is unit-tested in the module).

use std::sync::Mutex;

use ciborium::Value;
use coset::{AsCborValue, CoseKey};
use latchkey_authenticator::auth_data::{flags, AuthenticatorData};
use latchkey_authenticator::pin_uv_auth_protocol::{self, KeyAgreement};
use latchkey_authenticator::{
    Approval, ApprovalRequest, Authenticator, AuthenticatorConfig, Caller, CtapState, Door,
    MemoryStore, Operation, Refusal, UserInteraction, UserVerification,
};

/// The person: approves (reporting the OS check as done when `uv`), and notes each prompt.
struct Person {
    uv: bool,
    asked: Mutex<Vec<(Operation, String, UserVerification)>>,
}

impl Person {
    fn new(uv: bool) -> Self {
        Person {
            uv,
            asked: Mutex::new(Vec::new()),
        }
    }
}

impl UserInteraction for Person {
    fn approve(&self, r: &ApprovalRequest<'_>) -> Result<Approval, Refusal> {
        self.asked
            .lock()
            .unwrap()
            .push((r.operation, r.rp_id.to_owned(), r.user_verification));
        Ok(Approval {
            account: None,
            user_verified: self.uv,
        })
    }
}

fn t(s: &str) -> Value {
    Value::Text(s.into())
}
fn i(n: i64) -> Value {
    Value::Integer(n.into())
}
fn enc(cmd: u8, v: &Value) -> Vec<u8> {
    let mut out = vec![cmd];
    ciborium::ser::into_writer(v, &mut out).unwrap();
    out
}
fn ok(b: &[u8]) -> Value {
    assert_eq!(b[0], 0, "status {:#04x}", b[0]);
    ciborium::de::from_reader(&b[1..]).unwrap()
}
fn get(v: &Value, k: i64) -> Option<&Value> {
    v.as_map()?
        .iter()
        .find(|(kk, _)| *kk == i(k))
        .map(|(_, v)| v)
}

const RP: &str = "example.com";
const CDH: [u8; 32] = [9; 32];

fn make_cred_for(rp: &str, user: &[u8], token: Option<&[u8]>) -> Vec<u8> {
    let mut m = vec![
        (i(1), Value::Bytes(CDH.to_vec())),
        (i(2), Value::Map(vec![(t("id"), t(rp))])),
        (
            i(3),
            Value::Map(vec![
                (t("id"), Value::Bytes(user.to_vec())),
                (t("name"), t(&String::from_utf8_lossy(user))),
            ]),
        ),
        (
            i(4),
            Value::Array(vec![Value::Map(vec![
                (t("alg"), i(-7)),
                (t("type"), t("public-key")),
            ])]),
        ),
    ];
    if let Some(token) = token {
        m.push((
            i(8),
            Value::Bytes(pin_uv_auth_protocol::authenticate(2, token, &CDH)),
        ));
        m.push((i(9), i(2)));
    }
    enc(0x01, &Value::Map(m))
}

fn make_cred(user: &[u8], token: Option<&[u8]>) -> Vec<u8> {
    make_cred_for(RP, user, token)
}

/// A client's state across requests: one authenticator per request over the same store and
/// person, each continuing the state the previous one handed back.
struct Client<'a> {
    store: &'a MemoryStore,
    person: &'a Person,
    state: Option<CtapState>,
}

impl<'a> Client<'a> {
    /// A client with no CTAP state yet, as after a new connection.
    fn new(store: &'a MemoryStore, person: &'a Person) -> Self {
        Client {
            store,
            person,
            state: None,
        }
    }

    fn send(&mut self, request: &[u8]) -> Vec<u8> {
        let mut auth =
            Authenticator::with_config(self.store, self.person, AuthenticatorConfig::usb(7609))
                .with_state(self.state.take().unwrap_or_default());
        let out = auth.handle_request(request, &Caller::new(Door::Hid, None));
        self.state = Some(auth.take_state());
        out
    }

    /// getKeyAgreement, then getPinUvAuthTokenUsingUvWithPermissions: the decrypted token.
    fn token(&mut self, permissions: u8, rp_id: Option<&str>) -> Result<Vec<u8>, u8> {
        let ka = ok(&self.send(&enc(0x06, &Value::Map(vec![(i(1), i(2)), (i(2), i(2))]))));
        let key = CoseKey::from_cbor_value(get(&ka, 1).unwrap().clone()).unwrap();
        let platform = KeyAgreement::generate();
        let shared = platform.shared_secret(2, &key).unwrap();
        let mut m = vec![
            (i(1), i(2)),
            (i(2), i(6)),
            (i(3), platform.cose_public_key().to_cbor_value().unwrap()),
            (i(9), i(i64::from(permissions))),
        ];
        if let Some(rp) = rp_id {
            m.push((i(0x0A), t(rp)));
        }
        let out = self.send(&enc(0x06, &Value::Map(m)));
        if out[0] != 0 {
            return Err(out[0]);
        }
        let answer = ok(&out);
        let encrypted = get(&answer, 2).unwrap().as_bytes().unwrap();
        Ok(shared.decrypt(encrypted).unwrap().to_vec())
    }
}

#[test]
fn a_uv_token_from_one_request_authorizes_make_credential_in_the_next() {
    let store = MemoryStore::default();
    let person = Person::new(true);
    let mut client = Client::new(&store, &person);
    let token = client.token(0x01, Some(RP)).expect("token");
    assert!(
        person.asked.lock().unwrap().is_empty(),
        "a token for makeCredential is issued without a prompt: its use asks"
    );
    let answer = ok(&client.send(&make_cred(b"alice", Some(&token))));
    let auth_data = AuthenticatorData::parse(get(&answer, 2).unwrap().as_bytes().unwrap()).unwrap();
    assert_ne!(
        auth_data.flags & flags::UV,
        0,
        "verified, by the OS check at the prompt"
    );
    assert_eq!(
        *person.asked.lock().unwrap(),
        vec![(
            Operation::MakeCredential,
            RP.to_owned(),
            UserVerification::Required
        )],
        "one prompt, and it must run the OS check for this very request"
    );

    // The same token on an authenticator that did not get the state: the client's token is
    // unknown there.
    let mut stranger = Authenticator::new(&store, &person);
    let out = stranger.handle_request(&make_cred(b"bob", Some(&token)), &Caller::default());
    assert_eq!(out, vec![0x33], "PIN_AUTH_INVALID without the state");
    assert_eq!(store_count(&store), 1);
}

#[test]
fn a_token_use_without_the_os_check_is_refused_and_stores_nothing() {
    let store = MemoryStore::default();
    let person = Person::new(false);
    let mut client = Client::new(&store, &person);
    let token = client.token(0x01, Some(RP)).unwrap();
    assert_eq!(client.send(&make_cred(b"alice", Some(&token))), vec![0x27]);
    assert_eq!(store_count(&store), 0);
}

#[test]
fn a_token_is_bound_to_its_rp_and_a_new_one_replaces_it() {
    let store = MemoryStore::default();
    let person = Person::new(true);
    let mut client = Client::new(&store, &person);
    let first = client.token(0x01, Some("other.example")).unwrap();
    assert_eq!(client.send(&make_cred(b"alice", Some(&first))), vec![0x33]);
    let second = client.token(0x01, Some(RP)).unwrap();
    assert_eq!(client.send(&make_cred(b"alice", Some(&first))), vec![0x33]);
    ok(&client.send(&make_cred(b"alice", Some(&second))));
}

#[test]
fn get_next_assertion_continues_on_the_next_authenticator() {
    let store = MemoryStore::default();
    let person = Person::new(true);
    let mut client = Client::new(&store, &person);
    for user in [b"a", b"b", b"c"] {
        ok(&client.send(&make_cred(user, None)));
    }
    let ga = enc(
        0x02,
        &Value::Map(vec![(i(1), t(RP)), (i(2), Value::Bytes(CDH.to_vec()))]),
    );
    let first = ok(&client.send(&ga));
    assert_eq!(get(&first, 5), Some(&i(3)));
    let mut ids = vec![get(&first, 1).cloned().unwrap()];
    for _ in 0..2 {
        ids.push(get(&ok(&client.send(&[0x08])), 1).cloned().unwrap());
    }
    ids.sort_by_key(|v| format!("{v:?}"));
    ids.dedup();
    assert_eq!(ids.len(), 3, "each account once");
    assert_eq!(client.send(&[0x08]), vec![0x30], "nothing left");
}

#[test]
fn a_credential_management_token_is_approved_at_issue_and_enumeration_continues() {
    let store = MemoryStore::default();
    let person = Person::new(true);
    let mut client = Client::new(&store, &person);
    for (rp, user) in [
        ("a.example", b"x"),
        ("b.example", b"y"),
        ("c.example", b"z"),
    ] {
        ok(&client.send(&make_cred_for(rp, user, None)));
    }
    person.asked.lock().unwrap().clear();
    let token = client.token(0x04, None).unwrap();
    assert_eq!(
        *person.asked.lock().unwrap(),
        vec![(
            Operation::CredentialManagement,
            String::new(),
            UserVerification::Required
        )],
        "a cm token is used without further prompts, so it is approved when issued"
    );
    // enumerateRPsBegin (0x02): pinUvAuthParam = authenticate(token, 0x02).
    let begin = enc(
        0x0A,
        &Value::Map(vec![
            (i(1), i(2)),
            (i(3), i(2)),
            (
                i(4),
                Value::Bytes(pin_uv_auth_protocol::authenticate(2, &token, &[0x02])),
            ),
        ]),
    );
    let first = ok(&client.send(&begin));
    assert_eq!(get(&first, 5), Some(&i(3)), "totalRPs");
    let next = enc(0x0A, &Value::Map(vec![(i(1), i(3))]));
    let rp_id = |answer: &Value| {
        let rp = get(answer, 3).and_then(|v| v.as_map()).unwrap();
        let id = rp.iter().find(|(k, _)| *k == t("id")).unwrap();
        id.1.as_text().unwrap().to_owned()
    };
    let mut seen = vec![rp_id(&first)];
    for _ in 0..2 {
        seen.push(rp_id(&ok(&client.send(&next))));
    }
    seen.sort();
    assert_eq!(seen, ["a.example", "b.example", "c.example"]);
    assert_eq!(client.send(&next), vec![0x30], "the enumeration is over");
}

#[test]
fn get_info_over_usb_is_a_roaming_key_without_a_pin() {
    let store = MemoryStore::default();
    let person = Person::new(true);
    let option = |info: &Value, name: &str| {
        get(info, 4).and_then(|o| o.as_map()).and_then(|m| {
            m.iter()
                .find(|(k, _)| *k == t(name))
                .map(|(_, v)| v.clone())
        })
    };
    let mut usb = Authenticator::with_config(&store, &person, AuthenticatorConfig::usb(7609));
    let info = ok(&usb.handle_request(&[0x04], &Caller::default()));
    assert_eq!(option(&info, "plat"), Some(Value::Bool(false)));
    for on in ["uv", "pinUvAuthToken", "rk", "credMgmt", "up"] {
        assert_eq!(option(&info, on), Some(Value::Bool(true)), "{on}");
    }
    assert_eq!(
        option(&info, "clientPin"),
        None,
        "no PIN: clients must not ask for one"
    );
    assert_eq!(get(&info, 5), Some(&i(7609)), "maxMsgSize");
    assert_eq!(get(&info, 9), Some(&Value::Array(vec![t("usb")])));

    let mut platform = Authenticator::new(&store, &person);
    let info = ok(&platform.handle_request(&[0x04], &Caller::default()));
    assert_eq!(option(&info, "plat"), Some(Value::Bool(true)));
    assert_eq!(get(&info, 9), Some(&Value::Array(vec![t("internal")])));
}

fn store_count(store: &MemoryStore) -> usize {
    use latchkey_authenticator::CredentialStore;
    store.list().unwrap().len()
}

#[test]
fn a_silent_get_assertion_answers_no_credentials_without_asking_or_signing() {
    let store = MemoryStore::default();
    let person = Person::new(true);
    let mut client = Client::new(&store, &person);
    ok(&client.send(&make_cred(b"alice", None)));
    let token = client.token(0x02, Some(RP)).unwrap();
    person.asked.lock().unwrap().clear();
    let silent = enc(
        0x02,
        &Value::Map(vec![
            (i(1), t(RP)),
            (i(2), Value::Bytes(CDH.to_vec())),
            (i(5), Value::Map(vec![(t("up"), Value::Bool(false))])),
            (
                i(6),
                Value::Bytes(pin_uv_auth_protocol::authenticate(2, &token, &CDH)),
            ),
            (i(7), i(2)),
        ]),
    );
    assert_eq!(client.send(&silent), vec![0x2E], "CTAP2_ERR_NO_CREDENTIALS");
    assert!(person.asked.lock().unwrap().is_empty(), "nobody asked");
    use latchkey_authenticator::CredentialStore;
    assert_eq!(store.list().unwrap()[0].sign_count, 0, "nothing signed");
}
