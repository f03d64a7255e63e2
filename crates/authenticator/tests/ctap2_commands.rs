//! Drives `Authenticator::handle_request` with raw CTAP2 CBOR built from ciborium Values, over
//! `MemoryStore` and a scripted stand-in for the person.

use std::cell::Cell;

use ciborium::Value;
use coset::CborSerializable;
use latchkey_authenticator::auth_data::AuthenticatorData;
use latchkey_authenticator::{
    Approval, ApprovalRequest, Authenticator, Caller, CredentialStore, MemoryStore, Refusal,
    UserInteraction,
};

struct Person {
    deny: bool,
    uv: bool,
    pick: Option<usize>,
    asked: Cell<u32>,
}

impl UserInteraction for Person {
    fn approve(&self, _r: &ApprovalRequest<'_>) -> Result<Approval, Refusal> {
        self.asked.set(self.asked.get() + 1);
        if self.deny {
            return Err(Refusal::Denied);
        }
        Ok(Approval {
            account: self.pick,
            user_verified: self.uv,
        })
    }
}

fn person(uv: bool) -> Person {
    Person {
        deny: false,
        uv,
        pick: None,
        asked: Cell::new(0),
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
fn dec(b: &[u8]) -> Value {
    assert_eq!(b[0], 0, "status {:#x}", b[0]);
    ciborium::de::from_reader(&b[1..]).unwrap()
}
fn get(v: &Value, k: i64) -> Option<&Value> {
    v.as_map()?
        .iter()
        .find(|(kk, _)| *kk == i(k))
        .map(|(_, v)| v)
}

fn make_cred(alg: i64, user: &[u8], exclude: Option<Vec<u8>>) -> Value {
    let mut m = vec![
        (i(1), Value::Bytes(vec![7; 32])),
        (i(2), Value::Map(vec![(t("id"), t("example.com"))])),
        (
            i(3),
            Value::Map(vec![
                (t("id"), Value::Bytes(user.to_vec())),
                (t("name"), t("alice")),
            ]),
        ),
        (
            i(4),
            Value::Array(vec![Value::Map(vec![
                (t("alg"), i(alg)),
                (t("type"), t("public-key")),
            ])]),
        ),
    ];
    if let Some(id) = exclude {
        m.push((
            i(5),
            Value::Array(vec![Value::Map(vec![
                (t("id"), Value::Bytes(id)),
                (t("type"), t("public-key")),
            ])]),
        ));
    }
    Value::Map(m)
}

fn get_assertion(cdh: Vec<u8>) -> Value {
    Value::Map(vec![(i(1), t("example.com")), (i(2), Value::Bytes(cdh))])
}

#[test]
fn make_credential_then_assert_with_each_algorithm() {
    for alg in [-7i64, -8, -257] {
        let mut a = Authenticator::new(MemoryStore::default(), person(true));
        let caller = Caller::default();
        let r = dec(&a.handle_request(&enc(1, &make_cred(alg, b"u1", None)), &caller));
        let ad = AuthenticatorData::parse(get(&r, 2).unwrap().as_bytes().unwrap()).unwrap();
        let acd = ad.attested_credential_data.unwrap();
        let cose = coset::CoseKey::from_slice(&acd.credential_public_key).unwrap();
        for round in 1..=2u32 {
            let cdh = vec![round as u8; 32];
            let resp = dec(&a.handle_request(&enc(2, &get_assertion(cdh.clone())), &caller));
            let ad_bytes = get(&resp, 2).unwrap().as_bytes().unwrap().clone();
            let sig = get(&resp, 3).unwrap().as_bytes().unwrap().clone();
            let ad = AuthenticatorData::parse(&ad_bytes).unwrap();
            assert_eq!(ad.sign_count, round);
            let mut msg = ad_bytes.clone();
            msg.extend_from_slice(&cdh);
            assert!(verify(alg, &cose, &msg, &sig), "alg {alg}");
            msg[0] ^= 1;
            assert!(!verify(alg, &cose, &msg, &sig));
        }
    }
}

fn param(cose: &coset::CoseKey, label: i64) -> Vec<u8> {
    cose.params
        .iter()
        .find(|(l, _)| *l == coset::Label::Int(label))
        .and_then(|(_, v)| v.as_bytes().cloned())
        .unwrap()
}

fn verify(alg: i64, cose: &coset::CoseKey, msg: &[u8], sig: &[u8]) -> bool {
    match alg {
        -7 => {
            use p256::ecdsa::signature::Verifier;
            let mut sec1 = vec![4];
            sec1.extend(param(cose, -2));
            sec1.extend(param(cose, -3));
            let vk = p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1).unwrap();
            let sig = p256::ecdsa::Signature::from_der(sig).unwrap();
            vk.verify(msg, &sig).is_ok()
        }
        -8 => ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, param(cose, -2))
            .verify(msg, sig)
            .is_ok(),
        _ => {
            use rsa::signature::Verifier;
            let n = rsa::BigUint::from_bytes_be(&param(cose, -1));
            let e = rsa::BigUint::from_bytes_be(&param(cose, -2));
            let vk = rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(
                rsa::RsaPublicKey::new(n, e).unwrap(),
            );
            let sig = rsa::pkcs1v15::Signature::try_from(sig).unwrap();
            vk.verify(msg, &sig).is_ok()
        }
    }
}

#[test]
fn exclude_list_and_unsupported_alg() {
    let mut a = Authenticator::new(MemoryStore::default(), person(true));
    let c = Caller::default();
    let r = dec(&a.handle_request(&enc(1, &make_cred(-7, b"u1", None)), &c));
    let ad = AuthenticatorData::parse(get(&r, 2).unwrap().as_bytes().unwrap()).unwrap();
    let id = ad.attested_credential_data.unwrap().credential_id;
    assert_eq!(
        a.handle_request(&enc(1, &make_cred(-7, b"u2", Some(id))), &c),
        vec![0x19]
    );
    assert_eq!(
        a.handle_request(&enc(1, &make_cred(-35, b"u2", None)), &c),
        vec![0x26]
    );
    assert_eq!(a.store().list().unwrap().len(), 1);
}

#[test]
fn get_next_assertion_over_three_accounts() {
    let mut a = Authenticator::new(MemoryStore::default(), person(true));
    let c = Caller::default();
    for u in [b"a", b"b", b"c"] {
        dec(&a.handle_request(&enc(1, &make_cred(-7, u, None)), &c));
    }
    let first = dec(&a.handle_request(&enc(2, &get_assertion(vec![1; 32])), &c));
    assert_eq!(get(&first, 5), Some(&i(3)));
    let mut ids = vec![get(&first, 1).cloned()];
    for _ in 0..2 {
        ids.push(get(&dec(&a.handle_request(&[8], &c)), 1).cloned());
    }
    ids.sort_by_key(|v| format!("{v:?}"));
    ids.dedup();
    assert_eq!(ids.len(), 3);
    assert_eq!(a.handle_request(&[8], &c), vec![0x30]);
}

#[test]
fn malformed_requests_get_status_and_leave_store_alone() {
    let mut a = Authenticator::new(MemoryStore::default(), person(true));
    let c = Caller::default();
    let good = enc(1, &make_cred(-7, b"u", None));
    let mut short_cdh = make_cred(-7, b"u", None);
    if let Value::Map(m) = &mut short_cdh {
        m[0].1 = Value::Bytes(vec![0; 31]);
    }
    let mut trailing = good.clone();
    trailing.push(0);
    let mut deep = vec![1u8, 0xa1, 0x01];
    deep.extend(std::iter::repeat_n(0x81, 20));
    deep.push(0);
    let mut oversized = vec![1u8, 0x59, 0x1f, 0xff];
    oversized.extend(vec![0; 0x1fff]);
    let cases: Vec<(Vec<u8>, u8)> = vec![
        (vec![], 0x03),
        (vec![0x55], 0x01),
        (good[..good.len() - 3].to_vec(), 0x12),
        (enc(1, &Value::Map(vec![(i(1), t("x"))])), 0x12),
        (
            enc(1, &Value::Map(vec![(i(1), Value::Bytes(vec![0; 32]))])),
            0x14,
        ),
        (enc(1, &short_cdh), 0x03),
        (deep, 0x12),
        (trailing, 0x12),
        (oversized, 0x39),
        (enc(2, &Value::Map(vec![])), 0x14),
    ];
    for (req, status) in cases {
        assert_eq!(
            a.handle_request(&req, &c),
            vec![status],
            "request {:02x?}",
            &req[..req.len().min(8)]
        );
    }
    assert!(a.store().list().unwrap().is_empty());
}

#[test]
fn refusal_stores_nothing_and_get_info_lists_es256_first() {
    let mut a = Authenticator::new(
        MemoryStore::default(),
        Person {
            deny: true,
            uv: false,
            pick: None,
            asked: Cell::new(0),
        },
    );
    let c = Caller::default();
    assert_eq!(
        a.handle_request(&enc(1, &make_cred(-7, b"u", None)), &c),
        vec![0x27]
    );
    assert!(a.store().list().unwrap().is_empty());
    let info = dec(&a.handle_request(&[4], &c));
    let algs = get(&info, 0x0A).unwrap().as_array().unwrap();
    assert_eq!(algs[0].as_map().unwrap()[0].1, i(-7));
    assert_eq!(get(&info, 5), Some(&i(7609)));
}

fn make_cred_ext(user: &[u8], ext: Value) -> Value {
    let Value::Map(mut m) = make_cred(-7, user, None) else {
        unreachable!()
    };
    m.push((i(6), ext));
    Value::Map(m)
}

#[test]
fn cred_protect_hides_credentials_without_uv() {
    let c = Caller::default();
    let mut a = Authenticator::new(MemoryStore::default(), person(false));
    let r = dec(&a.handle_request(
        &enc(
            1,
            &make_cred_ext(b"u", Value::Map(vec![(t("credProtect"), i(3))])),
        ),
        &c,
    ));
    let ad = AuthenticatorData::parse(get(&r, 2).unwrap().as_bytes().unwrap()).unwrap();
    assert_eq!(ad.extension("credProtect"), Some(&i(3)));
    // No UV: level 3 is invisible.
    assert_eq!(
        a.handle_request(&enc(2, &get_assertion(vec![1; 32])), &c),
        vec![0x2E]
    );
    // uv=true asked but the person's approval reports no UV: denied.
    let with_uv = Value::Map(vec![
        (i(1), t("example.com")),
        (i(2), Value::Bytes(vec![1; 32])),
        (i(5), Value::Map(vec![(t("uv"), Value::Bool(true))])),
    ]);
    assert_eq!(a.handle_request(&enc(2, &with_uv), &c), vec![0x27]);
    let mut b = Authenticator::new(MemoryStore::default(), person(true));
    dec(&b.handle_request(
        &enc(
            1,
            &make_cred_ext(b"u", Value::Map(vec![(t("credProtect"), i(3))])),
        ),
        &c,
    ));
    let resp = dec(&b.handle_request(&enc(2, &with_uv), &c));
    let user = get(&resp, 4).unwrap().as_map().unwrap();
    assert!(
        user.iter().any(|(k, _)| *k == t("name")),
        "name shown after UV"
    );
    // Built-in UV: without the uv option the approval still runs the OS check, so a level-3
    // credential is found and answered with UV set (it used to be hidden: 0x2E).
    let resp = dec(&b.handle_request(&enc(2, &get_assertion(vec![1; 32])), &c));
    let ad = AuthenticatorData::parse(get(&resp, 2).unwrap().as_bytes().unwrap()).unwrap();
    assert!(ad.flags & 0x04 != 0, "UV flag set");
}

#[test]
fn no_credentials_is_answered_only_after_the_person_was_asked() {
    let c = Caller::default();
    let mut a = Authenticator::new(MemoryStore::default(), person(true));
    assert_eq!(
        a.handle_request(&enc(2, &get_assertion(vec![1; 32])), &c),
        vec![0x2E]
    );
    assert_eq!(a.user().asked.get(), 1, "a prompt came before the answer");
}

#[test]
fn user_name_withheld_without_uv_and_picked_account_is_answered() {
    let c = Caller::default();
    let mut a = Authenticator::new(
        MemoryStore::default(),
        Person {
            deny: false,
            uv: false,
            pick: Some(1),
            asked: Cell::new(0),
        },
    );
    for u in [b"a", b"b"] {
        dec(&a.handle_request(&enc(1, &make_cred(-7, u, None)), &c));
    }
    let resp = dec(&a.handle_request(&enc(2, &get_assertion(vec![1; 32])), &c));
    assert_eq!(get(&resp, 5), None);
    assert_eq!(get(&resp, 6), Some(&Value::Bool(true)));
    let user = get(&resp, 4).unwrap().as_map().unwrap();
    assert_eq!(user.len(), 1, "only the user id without UV");
    assert_eq!(a.handle_request(&[8], &c), vec![0x30]);
}

#[test]
fn hmac_secret_plain_outputs_stable_and_uv_dependent() {
    use latchkey_authenticator::extensions::{
        GetAssertionExtensionInputs, HmacSecretInput, HmacSecretOutput,
    };
    use latchkey_authenticator::get_assertion::GetAssertionRequest;
    let c = Caller::default();
    let store = MemoryStore::default();
    let mut a = Authenticator::new(&store, person(true));
    let r = dec(&a.handle_request(
        &enc(
            1,
            &make_cred_ext(
                b"u",
                Value::Map(vec![(t("hmac-secret"), Value::Bool(true))]),
            ),
        ),
        &c,
    ));
    let ad = AuthenticatorData::parse(get(&r, 2).unwrap().as_bytes().unwrap()).unwrap();
    assert_eq!(ad.extension("hmac-secret"), Some(&Value::Bool(true)));
    let req = GetAssertionRequest::from_cbor(&enc(0, &get_assertion(vec![1; 32]))[1..]).unwrap();
    let mut req = req;
    req.extensions = GetAssertionExtensionInputs {
        hmac_secret: Some(HmacSecretInput::Plain {
            salt1: [5; 32],
            salt2: None,
        }),
        ..Default::default()
    };
    let out = |a: &mut Authenticator<&MemoryStore, Person>| match a
        .get_assertion(&req, &c)
        .unwrap()
        .unsigned_extension_outputs
        .hmac_secret
    {
        Some(HmacSecretOutput::Plain { output1, .. }) => output1,
        other => panic!("unexpected {other:?}"),
    };
    let uv1 = out(&mut a);
    assert_eq!(uv1, out(&mut a));
    let mut b = Authenticator::new(&store, person(false));
    let no_uv = out(&mut b);
    assert_ne!(uv1, no_uv);
}

#[test]
fn mutated_requests_never_panic_or_store_partially() {
    // Deterministic xorshift so failures reproduce.
    let mut s: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let store = MemoryStore::default();
    let mut a = Authenticator::new(&store, person(true));
    let c = Caller::default();
    let seeds = [
        enc(1, &make_cred(-7, b"u", None)),
        enc(2, &get_assertion(vec![1; 32])),
    ];
    for round in 0..3000 {
        let mut req = seeds[round % 2].clone();
        for _ in 0..(1 + next() % 4) {
            let pos = (next() as usize) % req.len();
            match next() % 3 {
                0 => req[pos] = next() as u8,
                1 => req.truncate(pos.max(1)),
                _ => req.insert(pos, next() as u8),
            }
        }
        let before = store.list().unwrap().len();
        let resp = a.handle_request(&req, &c);
        assert!(!resp.is_empty());
        let after = store.list().unwrap().len();
        // Only a successful makeCredential may add exactly one credential.
        assert!(after == before || (resp[0] == 0 && req[0] == 1 && after == before + 1));
    }
}
