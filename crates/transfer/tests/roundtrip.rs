//! Export → import keeps every passkey whole: ES256, EdDSA and RS256 keys, counters,
//! credProtect, hmac-secret CredRandoms, names and dates, through clear CXF and through age.

mod common;

use common::*;
use latchkey_authenticator::keys::CredentialKey;
use latchkey_transfer::{decrypt, encrypt, write_cxf, Format, FormatChoice};
use latchkey_vault::{alg, PasskeyRecord};

fn record(algorithm: i64, n: u8) -> PasskeyRecord {
    let key = CredentialKey::generate(algorithm).unwrap();
    PasskeyRecord {
        credential_id: vec![n; 16 + n as usize],
        rp_id: format!("site{n}.example.com"),
        rp_name: Some(format!("Site {n}")),
        user_handle: vec![0xA0 | n; 32],
        user_name: Some(format!("user{n}@example.com")),
        user_display_name: Some(format!("User Número {n}")),
        nickname: (n % 2 == 0).then(|| format!("work {n}")),
        algorithm,
        private_key: key.to_pkcs8().to_vec(),
        sign_count: 1000 + n as u32,
        created_at: 1_600_000_000 + n as u64,
        last_used_at: Some(1_700_000_000),
        use_count: 42,
        cred_protect: 1 + n % 3,
        cred_random_with_uv: (n != 2).then(|| vec![n; 32]),
        cred_random_without_uv: (n != 2).then(|| vec![n ^ 0xFF; 32]),
        backup_eligible: true,
        backup_state: true,
    }
}

fn records() -> Vec<PasskeyRecord> {
    vec![
        record(alg::ES256, 1),
        record(alg::EDDSA, 2),
        record(alg::RS256, 3),
    ]
}

/// What an imported copy must equal: the original with the fields an import resets.
fn as_imported(r: &PasskeyRecord) -> PasskeyRecord {
    let mut r = r.clone();
    r.last_used_at = None;
    r.use_count = 0;
    r.backup_eligible = true;
    r.backup_state = false;
    r
}

fn assert_same(originals: &[PasskeyRecord], parsed: &latchkey_transfer::Parsed) {
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    assert_eq!(parsed.ignored, 0);
    assert_eq!(parsed.items.len(), originals.len());
    for (i, (orig, got)) in originals.iter().zip(&parsed.items).enumerate() {
        assert_eq!(got.index, i + 1);
        assert!(
            got.record == as_imported(orig),
            "record {i} changed in transit"
        );
        // The moved key signs, and the original public key verifies it.
        let public = CredentialKey::from_pkcs8(orig.algorithm, &orig.private_key).unwrap();
        let moved =
            CredentialKey::from_pkcs8(got.record.algorithm, &got.record.private_key).unwrap();
        assert_eq!(
            public.cose_public_key_bytes(),
            moved.cose_public_key_bytes()
        );
    }
}

#[test]
fn clear_cxf_round_trip_keeps_every_field() {
    let originals = records();
    let doc = write_cxf(&originals, 1_750_000_000).unwrap();
    let parsed = read_all(&doc, Some("export.cxf.json"), FormatChoice::Auto, None).unwrap();
    assert_eq!(parsed.format, Format::Cxf);
    assert_same(&originals, &parsed);
}

#[test]
fn written_cxf_is_the_crate_header_with_the_latchkey_extension() {
    let originals = records();
    let doc = write_cxf(&originals, 1_750_000_000).unwrap();
    // The crate's own types read it back (the document is theirs, not ours).
    let header: credential_exchange_format::Header = serde_json::from_slice(&doc).unwrap();
    assert_eq!((header.version.major, header.version.minor), (1, 0));
    assert_eq!(header.exporter_rp_id, "latchkey.dev");
    assert_eq!(header.exporter_display_name, "Latchkey");
    assert_eq!(header.timestamp, 1_750_000_000);
    assert_eq!(header.accounts.len(), 1);
    assert_eq!(header.accounts[0].items.len(), 3);
    let json: serde_json::Value = serde_json::from_slice(&doc).unwrap();
    let item = &json["accounts"][0]["items"][0];
    let cred = &item["credentials"][0];
    assert_eq!(cred["type"], "passkey");
    assert_eq!(cred["rpId"], "site1.example.com");
    assert_eq!(cred["username"], "user1@example.com");
    assert_eq!(
        cred["fido2Extensions"]["hmacCredentials"]["algorithm"],
        "hmac-sha256"
    );
    let ext = &item["extensions"][0];
    assert_eq!(ext["name"], "latchkey");
    assert_eq!(ext["signCount"], 1001);
    assert_eq!(ext["credProtect"], 2);
    assert_eq!(ext["algorithm"], "ES256");
    assert_eq!(ext["rpName"], "Site 1");
    // No hmacCredentials for a passkey without CredRandoms.
    assert!(json["accounts"][0]["items"][1]["credentials"][0]["fido2Extensions"].is_null());
}

#[test]
fn age_encrypted_cxf_round_trip() {
    let originals = records();
    let doc = write_cxf(&originals, 1_750_000_000).unwrap();
    let sealed = encrypt(&doc, "a long export passphrase").unwrap();
    assert!(sealed.starts_with(b"age-encryption.org/v1\n"));
    assert!(
        !sealed.windows(9).any(|w| w == b"site1.exa"),
        "the export is not encrypted"
    );
    assert_eq!(
        &decrypt(&sealed, "a long export passphrase").unwrap()[..],
        &doc[..]
    );
    let parsed = read_all(
        &sealed,
        Some("export.age"),
        FormatChoice::Auto,
        Some("a long export passphrase"),
    )
    .unwrap();
    assert_eq!(parsed.format, Format::CxfAge);
    assert_same(&originals, &parsed);
}

#[test]
fn a_cxf_without_the_latchkey_extension_imports_with_defaults() {
    let originals = records();
    let doc = write_cxf(&originals, 1).unwrap();
    let mut json: serde_json::Value = serde_json::from_slice(&doc).unwrap();
    for item in json["accounts"][0]["items"].as_array_mut().unwrap() {
        item.as_object_mut().unwrap().remove("extensions");
    }
    let parsed = read_all(
        &serde_json::to_vec(&json).unwrap(),
        None,
        FormatChoice::Auto,
        None,
    )
    .unwrap();
    assert!(parsed.problems.is_empty());
    for (orig, got) in originals.iter().zip(&parsed.items) {
        assert_eq!(got.record.sign_count, 0, "CXF itself carries no counter");
        assert_eq!(got.record.cred_protect, 1);
        assert_eq!(got.record.nickname, None);
        assert_eq!(got.record.private_key, orig.private_key);
        assert_eq!(got.record.algorithm, orig.algorithm);
    }
}
