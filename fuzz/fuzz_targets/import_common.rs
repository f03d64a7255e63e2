// Shared by the import fuzz targets (included with `include!`): the invariants every `read`
// must keep, whatever the bytes.

use latchkey_authenticator::keys::CredentialKey;
use latchkey_transfer::{read, FormatChoice, Limits, TransferError};

/// Reads `data` as `choice`; on success every imported passkey must open in the
/// authenticator, and progress must be monotonic and end at the total.
fn check_read(data: &[u8], name: Option<&str>, choice: FormatChoice, passphrase: Option<&str>) {
    let limits = Limits {
        max_file_bytes: 1 << 20,
        max_items: 10_000,
    };
    let mut calls: Vec<(usize, usize)> = Vec::new();
    let result = read(data, name, choice, passphrase, &limits, &mut |d, t| {
        calls.push((d, t))
    });
    match result {
        Ok(parsed) => {
            for item in &parsed.items {
                let r = &item.record;
                assert!(CredentialKey::from_pkcs8(r.algorithm, &r.private_key).is_ok());
                assert!((1..=1023).contains(&r.credential_id.len()));
                assert!((1..=64).contains(&r.user_handle.len()));
                assert!(item.index >= 1);
            }
            for p in &parsed.problems {
                assert!(!p.reason.is_empty());
            }
            let (done, total) = *calls.last().expect("progress reported");
            assert_eq!(done, total);
            assert!(calls.windows(2).all(|w| w[0].0 <= w[1].0));
        }
        Err(e) => {
            // Every error has a message for the person.
            assert!(!e.to_string().is_empty());
            let _: &TransferError = &e;
        }
    }
}
