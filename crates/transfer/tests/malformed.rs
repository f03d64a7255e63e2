//! Files that are cut off, damaged, hostile or odd: never a panic, always a clear error (or,
//! for one bad item among good ones, an ItemProblem naming that item).

mod common;

use common::*;
use latchkey_authenticator::keys::CredentialKey;
use latchkey_transfer::{read, write_cxf, FormatChoice, Limits, TransferError};
use latchkey_vault::{alg, PasskeyRecord};
use serde_json::Value;

fn small_record() -> PasskeyRecord {
    let key = CredentialKey::generate(alg::ES256).unwrap();
    let mut r = plain_record(alg::ES256, key.to_pkcs8().to_vec());
    r.user_name = Some("a".into());
    r.sign_count = 3;
    r.created_at = 1;
    r
}

/// An age file with a cheap scrypt work factor, written with the age crate directly, so every
/// prefix can be tried in seconds (a real export costs about a second per attempt).
fn cheap_age(plain: &[u8], passphrase: &str) -> Vec<u8> {
    use std::io::Write;
    let mut recipient =
        age::scrypt::Recipient::new(age::secrecy::SecretString::from(passphrase.to_owned()));
    recipient.set_work_factor(2);
    let enc = age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
        .unwrap();
    let mut out = Vec::new();
    let mut w = enc.wrap_output(&mut out).unwrap();
    w.write_all(plain).unwrap();
    w.finish().unwrap();
    out
}

/// Every proper prefix of `bytes` fails with one of `allowed` (and never panics).
fn every_prefix_fails(
    what: &str,
    bytes: &[u8],
    name: &str,
    passphrase: Option<&str>,
    allowed: fn(&TransferError) -> bool,
) {
    for len in 0..bytes.len() {
        match read_all(&bytes[..len], Some(name), FormatChoice::Auto, passphrase) {
            Ok(p) => panic!(
                "{what}: a {len}-byte prefix of {} bytes read as {} passkeys",
                bytes.len(),
                p.items.len()
            ),
            Err(e) if len == 0 || allowed(&e) => {}
            Err(e) => panic!("{what}: prefix of {len} bytes: unexpected error {e:?}"),
        }
    }
    // And the whole file reads.
    read_all(bytes, Some(name), FormatChoice::Auto, passphrase).unwrap();
}

fn truncated(e: &TransferError) -> bool {
    matches!(e, TransferError::Truncated(_))
}

#[test]
fn every_prefix_of_a_clear_cxf_file_is_truncated() {
    let doc = write_cxf(&[small_record()], 5).unwrap();
    every_prefix_fails("CXF", &doc, "export.json", None, truncated);
}

#[test]
fn every_prefix_of_an_age_file_is_truncated() {
    let doc = write_cxf(&[small_record()], 5).unwrap();
    let sealed = cheap_age(&doc, "pw");
    every_prefix_fails("CXF age", &sealed, "export.age", Some("pw"), |e| {
        truncated(e) || matches!(e, TransferError::UnknownFormat)
    });
    // Cut anywhere after the header: still Truncated, not a wrong passphrase.
    let err = read_all(
        &sealed[..sealed.len() - 1],
        None,
        FormatChoice::Auto,
        Some("pw"),
    )
    .unwrap_err();
    assert!(truncated(&err), "{err:?}");
}

#[test]
fn every_prefix_of_bitwarden_files_is_truncated() {
    every_prefix_fails(
        "Bitwarden",
        &fixture("bitwarden.json"),
        "bitwarden.json",
        None,
        truncated,
    );
    let pw = password();
    every_prefix_fails(
        "Bitwarden protected",
        &fixture("bitwarden_protected_pbkdf2.json"),
        "bitwarden.json",
        Some(&pw),
        truncated,
    );
}

#[test]
fn every_prefix_of_a_keepassxc_passkey_file_is_truncated() {
    every_prefix_fails(
        "KeePassXC",
        &fixture("keepassxc_es256.passkey"),
        "a.passkey",
        None,
        truncated,
    );
}

#[test]
fn every_prefix_of_a_kdbx_file_fails_cleanly() {
    let pw = password();
    every_prefix_fails(
        "KDBX",
        &fixture("keepassxc_small.kdbx"),
        "db.kdbx",
        Some(&pw),
        |e| {
            matches!(
                e,
                TransferError::Truncated(_) | TransferError::NotFormat { .. }
            )
        },
    );
}

#[test]
fn one_bad_item_among_good_ones_is_named_and_the_rest_come_in() {
    // Bitwarden: item 4's key is garbage.
    let mut doc: Value = serde_json::from_slice(&fixture("bitwarden.json")).unwrap();
    doc["items"][3]["login"]["fido2Credentials"][0]["keyValue"] = "AAAA".into();
    let parsed = read_all(
        &serde_json::to_vec(&doc).unwrap(),
        None,
        FormatChoice::Auto,
        None,
    )
    .unwrap();
    assert_eq!(parsed.items.len(), 1);
    assert_eq!(parsed.items[0].index, 1);
    assert_eq!(parsed.problems.len(), 1, "{:?}", parsed.problems);
    let p = &parsed.problems[0];
    assert_eq!(p.index, 4);
    assert!(
        p.item.contains("Example") && p.item.contains("bender"),
        "{}",
        p.item
    );
    assert!(p.reason.contains("PKCS#8"), "{}", p.reason);

    // CXF: one item with a relying party that is not a domain, one whose key is not the
    // algorithm the Latchkey extension claims, one item that is not valid CXF at all.
    let records = [
        small_record(),
        small_record(),
        small_record(),
        small_record(),
    ];
    let mut json: Value = serde_json::from_slice(&write_cxf(&records, 1).unwrap()).unwrap();
    let items = json["accounts"][0]["items"].as_array_mut().unwrap();
    items[0]["credentials"][0]["rpId"] = "not a domain".into();
    items[1]["extensions"][0]["algorithm"] = "EdDSA".into();
    items[2]["credentials"][0]["credentialId"] = "!!not base64!!".into();
    items[2]["title"] = "Broken one".into();
    let parsed = read_all(
        &serde_json::to_vec(&json).unwrap(),
        None,
        FormatChoice::Auto,
        None,
    )
    .unwrap();
    assert_eq!(parsed.items.len(), 1);
    assert_eq!(parsed.items[0].index, 4);
    let reasons: Vec<_> = parsed
        .problems
        .iter()
        .map(|p| (p.index, p.reason.clone()))
        .collect();
    assert_eq!(parsed.problems.len(), 3, "{reasons:?}");
    assert!(reasons[0].1.contains("not a valid domain"), "{reasons:?}");
    assert!(
        reasons[1].1.contains("EdDSA") && reasons[1].1.contains("ES256"),
        "{reasons:?}"
    );
    // A passkey the CXF crate cannot parse is a problem, not a silently skipped credential.
    assert_eq!(parsed.problems[2].item, "Broken one — example.com (a)");
    assert!(reasons[2].1.contains("not valid CXF"), "{reasons:?}");
    assert_eq!(parsed.ignored, 0);
}

#[test]
fn bad_identifiers_are_item_problems() {
    let mut records = vec![small_record(), small_record(), small_record()];
    records[0].credential_id = vec![1; 1024];
    records[1].user_handle = vec![1; 65];
    records[2].cred_random_with_uv = Some(vec![1; 31]);
    records[2].cred_random_without_uv = Some(vec![1; 32]);
    let parsed = read_all(
        &write_cxf(&records, 1).unwrap(),
        None,
        FormatChoice::Auto,
        None,
    )
    .unwrap();
    assert!(parsed.items.is_empty());
    let reasons: Vec<_> = parsed.problems.iter().map(|p| p.reason.as_str()).collect();
    assert!(
        reasons[0].contains("credential id has 1024 bytes"),
        "{reasons:?}"
    );
    assert!(
        reasons[1].contains("user handle has 65 bytes"),
        "{reasons:?}"
    );
    assert!(reasons[2].contains("32 bytes"), "{reasons:?}");
}

#[test]
fn duplicate_items_are_both_returned() {
    let r = small_record();
    let parsed = read_all(
        &write_cxf(&[r.clone(), r.clone()], 1).unwrap(),
        None,
        FormatChoice::Auto,
        None,
    )
    .unwrap();
    assert_eq!(parsed.items.len(), 2);
    assert_eq!(parsed.items[0].record, parsed.items[1].record);
    assert_eq!((parsed.items[0].index, parsed.items[1].index), (1, 2));
}

#[test]
fn limits_stop_big_files_before_parsing() {
    let bytes = fixture("cxf_spec.json");
    let small = Limits {
        max_file_bytes: 100,
        max_items: 10,
    };
    let err = read(
        &bytes,
        None,
        FormatChoice::Auto,
        None,
        &small,
        &mut |_, _| {},
    )
    .unwrap_err();
    assert!(matches!(err, TransferError::TooBig { limit: 100 }), "{err}");
    let few = Limits {
        max_file_bytes: 1 << 20,
        max_items: 2,
    };
    let err = read(&bytes, None, FormatChoice::Auto, None, &few, &mut |_, _| {}).unwrap_err();
    assert!(
        matches!(err, TransferError::TooManyItems { limit: 2 }),
        "{err}"
    );
}

#[test]
fn hostile_kdf_parameters_are_refused_before_deriving() {
    // KDBX: patch the Argon2 memory ("M", UInt64) of the small database to 100 GiB.
    let mut db = fixture("keepassxc_small.kdbx");
    let tag = b"\x05\x01\x00\x00\x00M\x08\x00\x00\x00";
    let at = db
        .windows(tag.len())
        .position(|w| w == tag)
        .expect("M parameter")
        + tag.len();
    db[at..at + 8].copy_from_slice(&(100u64 << 30).to_le_bytes());
    let err = read_all(&db, Some("db.kdbx"), FormatChoice::Auto, Some("x")).unwrap_err();
    assert!(
        matches!(err, TransferError::Unsupported(ref m) if m.contains("Argon2 memory")),
        "{err}"
    );

    // Bitwarden: an Argon2id memory far above Bitwarden's own 1024 MiB bound.
    let mut doc: Value =
        serde_json::from_slice(&fixture("bitwarden_protected_argon2.json")).unwrap();
    doc["kdfMemory"] = 1_000_000.into();
    let err = read_all(
        &serde_json::to_vec(&doc).unwrap(),
        None,
        FormatChoice::Auto,
        Some("x"),
    )
    .unwrap_err();
    assert!(
        matches!(err, TransferError::NotFormat { ref detail, .. } if detail.contains("bounds")),
        "{err}"
    );
}

#[test]
fn a_damaged_bitwarden_payload_is_not_called_a_wrong_password() {
    let pw = password();
    let mut doc: Value =
        serde_json::from_slice(&fixture("bitwarden_protected_pbkdf2.json")).unwrap();
    let data = doc["data"].as_str().unwrap().to_string();
    let mut parts: Vec<String> = data.split('|').map(str::to_string).collect();
    parts[2] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into();
    doc["data"] = parts.join("|").into();
    let err = read_all(
        &serde_json::to_vec(&doc).unwrap(),
        None,
        FormatChoice::Auto,
        Some(&pw),
    )
    .unwrap_err();
    assert!(
        matches!(err, TransferError::NotFormat { ref detail, .. } if detail.contains("damaged")),
        "{err}"
    );
}

#[test]
fn garbage_never_panics() {
    let inputs: Vec<Vec<u8>> = vec![
        b"{\"version\": {\"major\": 1, \"minor\": 0}, \"accounts\": [{\"items\": [1, null, \"x\", {}]}], \"exporterRpId\": \"x\"}".to_vec(),
        b"{\"items\": [{\"login\": {\"fido2Credentials\": [{}]}}], \"encrypted\": false}".to_vec(),
        b"{\"relyingParty\": 5}".to_vec(),
        b"{\"relyingParty\": \"a.com\", \"privateKey\": \"-----BEGIN PRIVATE KEY-----\\n!!\\n-----END PRIVATE KEY-----\"}".to_vec(),
        b"age-encryption.org/v1\n-> X25519 abc\n--- xyz\n".to_vec(),
        b"-----BEGIN AGE ENCRYPTED FILE-----\nabc\n".to_vec(),
        vec![0x03, 0xD9, 0xA2, 0x9A, 0x67, 0xFB, 0x4B, 0xB5, 0, 0, 9, 0],
        vec![0xFF; 64],
    ];
    for bytes in inputs {
        for choice in [
            FormatChoice::Auto,
            FormatChoice::Cxf,
            FormatChoice::Bitwarden,
            FormatChoice::Keepassxc,
        ] {
            if let Ok(p) = read_all(&bytes, None, choice, Some("pw")) {
                assert!(p.items.is_empty(), "garbage produced passkeys");
            }
        }
    }
}

/// A KDBX 4 file: signature, version 4.0, `fields` as (id, value), end of header, a zero
/// header hash and HMAC, and the empty final block. Enough for the reader to reach `fields`.
fn kdbx4(fields: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let mut out = vec![0x03, 0xD9, 0xA2, 0x9A, 0x67, 0xFB, 0x4B, 0xB5, 0, 0, 4, 0];
    for (id, value) in fields.iter().chain([(0u8, b"\r\n\r\n".to_vec())].iter()) {
        out.push(*id);
        out.extend_from_slice(&(value.len() as u32).to_le_bytes());
        out.extend_from_slice(value);
    }
    out.extend_from_slice(&[0; 64 + 32 + 4]);
    out
}

#[test]
fn kdbx_header_fields_of_the_wrong_size_are_refused_not_a_panic() {
    // Found by fuzzing: the keepass crate reads CompressionFlags as 4 bytes without checking
    // the field's length, and VariantDictionary numbers likewise.
    let short_compression = kdbx4(&[(3, vec![1])]);
    let mut dict = vec![0x00, 0x01];
    dict.extend_from_slice(&[0x05, 1, 0, 0, 0, b'X', 3, 0, 0, 0, 1, 2, 3, 0x00]);
    let short_number = kdbx4(&[(11, dict.clone())]);
    let short_custom_data = kdbx4(&[(12, dict)]);
    for (what, db) in [
        ("compression", short_compression),
        ("KDF parameters", short_number),
        ("public custom data", short_custom_data),
    ] {
        let err = read_all(&db, Some("db.kdbx"), FormatChoice::Auto, Some("pw")).unwrap_err();
        assert!(
            matches!(err, TransferError::NotFormat { .. }),
            "{what}: {err:?}"
        );
    }
}
