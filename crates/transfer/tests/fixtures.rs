//! Each import format, from files built to the published formats by an independent writer
//! (tests/fixtures/make_fixtures.py: Python `cryptography` and `pykeepass`), reads to exactly
//! the passkeys that were put in, and every imported key signs for the original public key.

mod common;

use common::*;
use latchkey_transfer::{detect, Format, FormatChoice, TransferError};

fn check(name: &str, format: Format, choice: FormatChoice, passphrase: Option<&str>) {
    let bytes = fixture(name);
    assert_eq!(
        detect(&bytes, Some(name), choice).unwrap(),
        format,
        "{name}"
    );
    let parsed = read_all(&bytes, Some(name), choice, passphrase).unwrap();
    assert_eq!(parsed.format, format);
    assert_matches_expected(name, &parsed);
}

#[test]
fn cxf_spec_document_with_two_accounts_passkeys_and_a_password_item() {
    check("cxf_spec.json", Format::Cxf, FormatChoice::Auto, None);
    check("cxf_spec.json", Format::Cxf, FormatChoice::Cxf, None);
}

#[test]
fn cxf_bare_account_and_newer_minor_version_with_unknown_fields() {
    check("cxf_account.json", Format::Cxf, FormatChoice::Auto, None);
    check(
        "cxf_newer_minor.json",
        Format::Cxf,
        FormatChoice::Auto,
        None,
    );
}

#[test]
fn cxf_other_major_version_is_refused() {
    let mut doc: serde_json::Value = serde_json::from_slice(&fixture("cxf_spec.json")).unwrap();
    doc["version"]["major"] = 2.into();
    let err = read_all(
        &serde_json::to_vec(&doc).unwrap(),
        None,
        FormatChoice::Auto,
        None,
    )
    .unwrap_err();
    assert!(
        matches!(err, TransferError::Unsupported(ref m) if m.contains("2.0")),
        "{err}"
    );
}

#[test]
fn bitwarden_plain_export() {
    check(
        "bitwarden.json",
        Format::Bitwarden,
        FormatChoice::Auto,
        None,
    );
    check(
        "bitwarden.json",
        Format::Bitwarden,
        FormatChoice::Bitwarden,
        None,
    );
}

#[test]
fn bitwarden_password_protected_pbkdf2_and_argon2id() {
    let pw = password();
    for name in [
        "bitwarden_protected_pbkdf2.json",
        "bitwarden_protected_argon2.json",
    ] {
        check(
            name,
            Format::BitwardenEncrypted,
            FormatChoice::Auto,
            Some(&pw),
        );
    }
}

#[test]
fn keepassxc_passkey_files_es256_ed25519_rsa() {
    for name in [
        "keepassxc_es256.passkey",
        "keepassxc_ed25519.passkey",
        "keepassxc_rs256.passkey",
    ] {
        check(name, Format::KeepassxcPasskey, FormatChoice::Auto, None);
        check(
            name,
            Format::KeepassxcPasskey,
            FormatChoice::Keepassxc,
            None,
        );
    }
}

#[test]
fn kdbx_database_with_passkey_entries_and_a_password_entry() {
    let pw = password();
    check(
        "keepassxc.kdbx",
        Format::Kdbx,
        FormatChoice::Auto,
        Some(&pw),
    );
    check(
        "keepassxc_small.kdbx",
        Format::Kdbx,
        FormatChoice::Keepassxc,
        Some(&pw),
    );
}

#[test]
fn encrypted_formats_ask_for_a_passphrase_first() {
    for name in ["bitwarden_protected_pbkdf2.json", "keepassxc_small.kdbx"] {
        let err = read_all(&fixture(name), Some(name), FormatChoice::Auto, None).unwrap_err();
        assert!(
            matches!(err, TransferError::PassphraseNeeded),
            "{name}: {err}"
        );
    }
    let age = latchkey_transfer::encrypt(b"{}", "pw").unwrap();
    assert!(matches!(
        read_all(&age, None, FormatChoice::Auto, None).unwrap_err(),
        TransferError::PassphraseNeeded
    ));
}

#[test]
fn wrong_passphrase_is_reported_as_such_for_every_encrypted_format() {
    for name in [
        "bitwarden_protected_pbkdf2.json",
        "bitwarden_protected_argon2.json",
        "keepassxc_small.kdbx",
    ] {
        let err = read_all(
            &fixture(name),
            Some(name),
            FormatChoice::Auto,
            Some("wrong"),
        )
        .unwrap_err();
        assert!(
            matches!(err, TransferError::WrongPassphrase),
            "{name}: {err}"
        );
    }
    let age = latchkey_transfer::encrypt(&fixture("cxf_spec.json"), "right one").unwrap();
    let err = read_all(&age, None, FormatChoice::Auto, Some("wrong one")).unwrap_err();
    assert!(matches!(err, TransferError::WrongPassphrase), "{err}");
    assert!(matches!(
        latchkey_transfer::decrypt(&age, "wrong one").unwrap_err(),
        TransferError::WrongPassphrase
    ));
}

#[test]
fn bitwarden_account_key_encrypted_export_is_refused_with_what_to_do() {
    let doc = br#"{"encrypted": true, "encKeyValidation_DO_NOT_EDIT": "2.a|b|c", "folders": [], "items": []}"#;
    let err = read_all(doc, None, FormatChoice::Auto, None).unwrap_err();
    assert!(
        matches!(err, TransferError::Unsupported(ref m) if m.contains("Password protected")),
        "{err}"
    );
}

#[test]
fn unknown_files_are_named_as_such() {
    for bytes in [
        &b"hello"[..],
        b"\x00\x01\x02\x03",
        b"{\"some\": \"json\"}",
        b"[1,2]",
    ] {
        let err = read_all(bytes, None, FormatChoice::Auto, None).unwrap_err();
        assert!(matches!(err, TransferError::UnknownFormat), "{err}");
    }
}

#[test]
fn detection_uses_magic_numbers_top_level_keys_and_the_name_as_a_hint() {
    use FormatChoice::Auto;
    // A Bitwarden organisation export has "collections" like a CXF account; "encrypted" and
    // "folders" say Bitwarden.
    let org = br#"{"encrypted": false, "collections": [], "items": []}"#;
    assert_eq!(detect(org, None, Auto).unwrap(), Format::Bitwarden);
    let account = br#"{"id": "AA", "username": "", "email": "", "collections": [], "items": []}"#;
    assert_eq!(detect(account, None, Auto).unwrap(), Format::Cxf);
    let passkey = br#"{"relyingParty": "a.example", "privateKey": ""}"#;
    assert_eq!(
        detect(passkey, None, Auto).unwrap(),
        Format::KeepassxcPasskey
    );
    // Cut inside a magic number: still that format, so the read says "truncated".
    assert_eq!(detect(b"age-enc", None, Auto).unwrap(), Format::CxfAge);
    assert_eq!(
        detect(&[0x03, 0xD9], Some("db.kdbx"), Auto).unwrap(),
        Format::Kdbx
    );
    // A forced choice still tells the encrypted variant from the clear one.
    let kdbx = fixture("keepassxc_small.kdbx");
    assert_eq!(
        detect(&kdbx, None, FormatChoice::Keepassxc).unwrap(),
        Format::Kdbx
    );
    let age = latchkey_transfer::encrypt(b"{}", "pw").unwrap();
    assert_eq!(
        detect(&age, None, FormatChoice::Cxf).unwrap(),
        Format::CxfAge
    );
    assert!(Format::CxfAge.needs_passphrase() && !Format::Cxf.needs_passphrase());
    // Empty and cut-off JSON say what they are.
    assert!(matches!(
        detect(b"", None, Auto).unwrap_err(),
        TransferError::NotFormat { .. }
    ));
    assert!(matches!(
        detect(b"{\"items\": [", None, Auto).unwrap_err(),
        TransferError::Truncated(_)
    ));
}
