//! Nothing on disk names a site, an account or a key in clear.

mod common;

use common::*;

#[test]
fn no_file_contains_sites_accounts_or_keys() {
    let (tv, vault) = TestVault::new();
    let records = [
        record(1, "bank.example", "alice"),
        record(2, "mail.example", "bob"),
    ];
    vault.create_many(&records).unwrap();
    vault
        .rename(&records[0].credential_id, Some("my bank"))
        .unwrap();
    vault.lock();
    let files = snapshot(tv.dir.path());
    assert!(!files.is_empty());
    for r in &records {
        let needles: Vec<(&str, Vec<u8>)> = vec![
            ("rp id", r.rp_id.as_bytes().to_vec()),
            ("user name", r.user_name.clone().unwrap().into_bytes()),
            (
                "display name",
                r.user_display_name.clone().unwrap().into_bytes(),
            ),
            ("user handle", r.user_handle.clone()),
            ("credential id", r.credential_id.clone()),
            ("private key", r.private_key.clone()),
            ("nickname", b"my bank".to_vec()),
        ];
        for (path, bytes) in &files {
            for (what, needle) in &needles {
                assert!(
                    !contains(bytes, needle),
                    "{} found in clear in {}",
                    what,
                    path.display()
                );
            }
        }
    }
}
