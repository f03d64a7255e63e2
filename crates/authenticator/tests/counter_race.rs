//! Two sign-ins with the same passkey that overlap (both prompts open at once, as with two
//! browser tabs, or a browser tab and the CLI) must sign with two different, increasing
//! counters. The store is the real vault (key in the real Secret Service); webauthn-rs, a
//! relying party nobody here wrote, judges both assertions, in counter order, with its clone
//! detection on (its default).

use std::sync::Barrier;

use base64::Engine;
use latchkey_authenticator::client;
use latchkey_authenticator::{
    Approval, ApprovalRequest, Authenticator, Door, Refusal, UserInteraction,
};
use latchkey_vault::{KeyStore, OsKeychain, Vault};
use webauthn_rs::prelude::*;
use webauthn_rs::WebauthnBuilder;

const ORIGIN: &str = "https://example.com";
const KEYCHAIN_SERVICE: &str = "dev.latchkey.test";

/// Approves, but only once every overlapping ceremony has reached its prompt: by then each
/// one has read the passkey (and its counter) from the vault, and none has signed yet.
struct WaitForEveryone<'a>(&'a Barrier);

impl UserInteraction for WaitForEveryone<'_> {
    fn approve(&self, request: &ApprovalRequest<'_>) -> Result<Approval, Refusal> {
        self.0.wait();
        Ok(Approval {
            account: (!request.accounts.is_empty()).then_some(0),
            user_verified: true,
        })
    }
}

/// Approves at once.
struct Yes;

impl UserInteraction for Yes {
    fn approve(&self, request: &ApprovalRequest<'_>) -> Result<Approval, Refusal> {
        Ok(Approval {
            account: (!request.accounts.is_empty()).then_some(0),
            user_verified: true,
        })
    }
}

/// The signature counter in an assertion's authenticator data (bytes 33..37, big-endian).
fn signed_counter(response: &serde_json::Value) -> u32 {
    let auth_data = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(response["response"]["authenticatorData"].as_str().unwrap())
        .unwrap();
    u32::from_be_bytes(auth_data[33..37].try_into().unwrap())
}

/// Sets the counter the relying party has stored for the credential in a serialised
/// authentication state, as an RP that reads its stored counter when the ceremony finishes.
fn set_stored_counter(state: &mut serde_json::Value, counter: u32) -> usize {
    let mut changed = 0;
    match state {
        serde_json::Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if k == "counter" && v.is_u64() {
                    *v = counter.into();
                    changed += 1;
                } else {
                    changed += set_stored_counter(v, counter);
                }
            }
        }
        serde_json::Value::Array(items) => {
            for v in items {
                changed += set_stored_counter(v, counter);
            }
        }
        _ => {}
    }
    changed
}

#[test]
fn overlapping_sign_ins_sign_distinct_increasing_counters() {
    let dir = tempfile::tempdir().unwrap();
    let keychain = OsKeychain::with_service(KEYCHAIN_SERVICE);
    let vault = Vault::init(dir.path(), &keychain)
        .expect("vault (is the Secret Service running? use scripts/test.sh)");
    let vault_id = vault.id().to_owned();
    let rp = WebauthnBuilder::new("example.com", &Url::parse(ORIGIN).unwrap())
        .unwrap()
        .build()
        .unwrap();

    let (ccr, reg_state) = rp
        .start_passkey_registration(Uuid::new_v4(), "alice", "Alice", None)
        .unwrap();
    let mut registrar = Authenticator::new(&vault, Yes);
    let created = client::create(
        &mut registrar,
        ORIGIN,
        &serde_json::to_string(&ccr).unwrap(),
        Door::Cli,
    )
    .unwrap();
    let mut passkey = rp
        .finish_passkey_registration(&serde_json::from_value(created).unwrap(), &reg_state)
        .unwrap();

    // Two ceremonies started by the site, answered by two authenticators over one vault.
    let ceremonies: Vec<_> = (0..2)
        .map(|_| {
            rp.start_passkey_authentication(std::slice::from_ref(&passkey))
                .unwrap()
        })
        .collect();
    let barrier = Barrier::new(2);
    let responses: Vec<serde_json::Value> = std::thread::scope(|s| {
        let handles: Vec<_> = ceremonies
            .iter()
            .map(|(rcr, _)| {
                let options = serde_json::to_string(rcr).unwrap();
                let (vault, barrier) = (&vault, &barrier);
                s.spawn(move || {
                    let mut auth = Authenticator::new(vault, WaitForEveryone(barrier));
                    client::get(&mut auth, ORIGIN, &options, Door::Cli).expect("signs")
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });

    let mut signed: Vec<(u32, usize)> = responses
        .iter()
        .enumerate()
        .map(|(i, r)| (signed_counter(r), i))
        .collect();
    signed.sort();
    assert_eq!(
        signed.iter().map(|(c, _)| *c).collect::<Vec<_>>(),
        vec![1, 2],
        "each overlapping sign-in got its own counter"
    );

    // The RP judges them in counter order, each against the counter it has stored by then.
    let mut rp_stored_counter = 0;
    for (counter, i) in signed {
        let credential: PublicKeyCredential = serde_json::from_value(responses[i].clone()).unwrap();
        let mut state = serde_json::to_value(&ceremonies[i].1).unwrap();
        assert_eq!(set_stored_counter(&mut state, rp_stored_counter), 1);
        let state: PasskeyAuthentication = serde_json::from_value(state).unwrap();
        let result = rp
            .finish_passkey_authentication(&credential, &state)
            .expect("webauthn-rs accepts the assertion (counter above its stored one)");
        assert_eq!(result.counter(), counter);
        assert_eq!(passkey.update_credential(&result), Some(true));
        rp_stored_counter = result.counter();
    }

    // The vault kept the highest counter; it never goes back.
    let stored = vault.list().unwrap();
    assert_eq!((stored[0].sign_count, stored[0].use_count), (2, 2));
    drop(vault);
    let _ = keychain.delete(&vault_id);
}
