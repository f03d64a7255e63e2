//! Shared helpers for the transfer tests: the fixtures, what they must import as, and the
//! proof that an imported key signs for the public key the fixture script recorded.
#![allow(dead_code)]

use std::path::PathBuf;

use base64::Engine;
use latchkey_authenticator::keys::CredentialKey;
use latchkey_transfer::{read, FormatChoice, Limits, Parsed, TransferError};
use latchkey_vault::{alg, PasskeyRecord};
use serde_json::Value;

pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture_path(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

pub fn expected() -> Value {
    serde_json::from_slice(&fixture("expected.json")).unwrap()
}

pub fn password() -> String {
    expected()["password"].as_str().unwrap().to_string()
}

pub fn b64u(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .unwrap()
}

pub fn read_all(
    bytes: &[u8],
    name: Option<&str>,
    choice: FormatChoice,
    passphrase: Option<&str>,
) -> Result<Parsed, TransferError> {
    read(
        bytes,
        name,
        choice,
        passphrase,
        &Limits::default(),
        &mut |_, _| {},
    )
}

/// A passkey as a new vault holds it: no names or nickname, never used, credProtect 1, no
/// hmac-secret, backup eligible. Tests set the fields they vary on the result (the record wipes
/// its key on drop, so `..plain_record(..)` cannot be used).
pub fn plain_record(algorithm: i64, private_key: Vec<u8>) -> PasskeyRecord {
    PasskeyRecord {
        credential_id: vec![7; 16],
        rp_id: "example.com".into(),
        rp_name: None,
        user_handle: vec![9; 8],
        user_name: None,
        user_display_name: None,
        nickname: None,
        algorithm,
        private_key,
        sign_count: 0,
        created_at: 0,
        last_used_at: None,
        use_count: 0,
        cred_protect: 1,
        cred_random_with_uv: None,
        cred_random_without_uv: None,
        backup_eligible: true,
        backup_state: false,
    }
}

/// Signs with the imported record's key (through the authenticator, as a sign-in would) and
/// verifies with ring against `public_key` (P-256 point / Ed25519 raw / RSA PKCS#1 DER).
pub fn assert_signs(record: &PasskeyRecord, public_key: &[u8]) {
    let key = CredentialKey::from_pkcs8(record.algorithm, &record.private_key)
        .expect("the imported key opens in the authenticator");
    let msg = b"authenticatorData || SHA-256(clientDataJSON)";
    let sig = key.sign(msg);
    let verify_alg: &dyn ring::signature::VerificationAlgorithm = match record.algorithm {
        alg::ES256 => &ring::signature::ECDSA_P256_SHA256_ASN1,
        alg::EDDSA => &ring::signature::ED25519,
        alg::RS256 => &ring::signature::RSA_PKCS1_2048_8192_SHA256,
        other => panic!("unexpected algorithm {other}"),
    };
    ring::signature::UnparsedPublicKey::new(verify_alg, public_key)
        .verify(msg, &sig)
        .expect("the signature verifies with the exporter's public key");
}

/// Checks `parsed` against expected.json's entry for `fixture_name`: every passkey present,
/// every field as the source had it, every key signing for its recorded public key.
pub fn assert_matches_expected(fixture_name: &str, parsed: &Parsed) {
    let all = expected();
    let exp = &all[fixture_name];
    assert!(
        parsed.problems.is_empty(),
        "{fixture_name}: unexpected problems {:?}",
        parsed.problems
    );
    assert_eq!(
        parsed.ignored as u64,
        exp["ignored"].as_u64().unwrap(),
        "{fixture_name}: ignored count"
    );
    let want = exp["passkeys"].as_array().unwrap();
    assert_eq!(
        parsed.items.len(),
        want.len(),
        "{fixture_name}: passkey count"
    );
    for w in want {
        let id = b64u(w["credentialId"].as_str().unwrap());
        let got = parsed
            .items
            .iter()
            .find(|i| i.record.credential_id == id)
            .unwrap_or_else(|| panic!("{fixture_name}: passkey {w} missing"));
        if let Some(index) = w["index"].as_u64() {
            assert_eq!(got.index as u64, index, "{fixture_name}: index");
        }
        let r = &got.record;
        assert_eq!(r.rp_id, w["rpId"].as_str().unwrap());
        assert_eq!(r.user_handle, b64u(w["userHandle"].as_str().unwrap()));
        assert_eq!(r.user_name.as_deref(), w["userName"].as_str());
        assert_eq!(
            r.user_display_name.as_deref(),
            w["userDisplayName"].as_str()
        );
        assert_eq!(r.rp_name.as_deref(), w["rpName"].as_str());
        assert_eq!(alg::name(r.algorithm), w["algorithm"].as_str().unwrap());
        assert_eq!(r.sign_count as u64, w["signCount"].as_u64().unwrap());
        if let Some(created) = w["createdAt"].as_u64() {
            assert_eq!(r.created_at, created, "{fixture_name}: createdAt");
        }
        assert_eq!(
            r.cred_random_with_uv,
            w["credRandomWithUv"].as_str().map(b64u),
            "{fixture_name}: credRandom with UV"
        );
        assert_eq!(
            r.cred_random_without_uv,
            w["credRandomWithoutUv"].as_str().map(b64u)
        );
        assert_eq!(r.cred_protect, 1);
        assert!(r.backup_eligible && !r.backup_state);
        assert_eq!((r.last_used_at, r.use_count), (None, 0));
        assert_signs(r, &b64u(w["publicKey"].as_str().unwrap()));
    }
}
