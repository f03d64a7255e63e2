//! Export and import of 10 000 passkeys (CXF inside age), side by side with a plain
//! serde_json write and parse of the same CXF document in the same run, with the ratios.
//!
//! age's scrypt costs a fixed amount per file (about a second, by design: it is what makes a
//! guessed passphrase expensive), so it is measured apart, on a 1-byte plaintext, and the
//! ratios are shown with and without it.
//!
//! Run: cargo bench -p latchkey-transfer --bench transfer

use std::time::{Duration, Instant};

use latchkey_authenticator::keys::CredentialKey;
use latchkey_transfer::{decrypt, encrypt, read, write_cxf, FormatChoice, Limits};
use latchkey_vault::{alg, PasskeyRecord};

const COUNT: usize = 10_000;
const PASSPHRASE: &str = "bench passphrase, not a secret";

/// Median wall time of `runs` calls.
fn median<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn records() -> Vec<PasskeyRecord> {
    (0..COUNT)
        .map(|i| {
            let key = CredentialKey::generate(alg::ES256).unwrap();
            PasskeyRecord {
                credential_id: (i as u64).to_be_bytes().repeat(2),
                rp_id: format!("site{}.example.com", i % 997),
                rp_name: Some(format!("Site {}", i % 997)),
                user_handle: (i as u64).to_le_bytes().repeat(4),
                user_name: Some(format!("user{i}@example.com")),
                user_display_name: Some(format!("User {i}")),
                nickname: None,
                algorithm: alg::ES256,
                private_key: key.to_pkcs8().to_vec(),
                sign_count: i as u32,
                created_at: 1_700_000_000,
                last_used_at: None,
                use_count: 0,
                cred_protect: 1,
                cred_random_with_uv: Some(vec![1; 32]),
                cred_random_without_uv: Some(vec![2; 32]),
                backup_eligible: true,
                backup_state: false,
            }
        })
        .collect()
}

fn main() {
    // `cargo bench` passes --bench (and any filter); there is nothing to filter here.
    let records = records();
    let doc = write_cxf(&records, 1).unwrap();
    let sealed = encrypt(&doc, PASSPHRASE).unwrap();
    let value: serde_json::Value = serde_json::from_slice(&doc).unwrap();
    let tiny = encrypt(b"x", PASSPHRASE).unwrap();
    let limits = Limits::default();

    let json_write = median(5, || serde_json::to_vec(&value).unwrap());
    let json_parse = median(5, || {
        serde_json::from_slice::<serde_json::Value>(&doc).unwrap()
    });
    let cxf_write = median(5, || write_cxf(&records, 1).unwrap());
    let cxf_read = median(5, || {
        let p = read(&doc, None, FormatChoice::Cxf, None, &limits, &mut |_, _| {}).unwrap();
        assert_eq!(p.items.len(), COUNT);
        p
    });
    let age_enc = median(3, || encrypt(&doc, PASSPHRASE).unwrap());
    let age_dec = median(3, || decrypt(&sealed, PASSPHRASE).unwrap());
    let fixed_enc = median(3, || encrypt(b"x", PASSPHRASE).unwrap());
    let fixed_dec = median(3, || decrypt(&tiny, PASSPHRASE).unwrap());

    let export = cxf_write + age_enc;
    let import = age_dec + cxf_read;
    let export_rest = export.saturating_sub(fixed_enc);
    let import_rest = import.saturating_sub(fixed_dec);
    println!(
        "transfer: {COUNT} passkeys, CXF document {:.1} MB, age file {:.1} MB",
        doc.len() as f64 / 1e6,
        sealed.len() as f64 / 1e6
    );
    println!(
        "  serde_json::to_vec (same document)     {:9.1} ms",
        ms(json_write)
    );
    println!(
        "  serde_json::from_slice (same document) {:9.1} ms",
        ms(json_parse)
    );
    println!(
        "  write_cxf                              {:9.1} ms",
        ms(cxf_write)
    );
    println!(
        "  read (CXF, every key opened)           {:9.1} ms",
        ms(cxf_read)
    );
    println!(
        "  age encrypt (document)                 {:9.1} ms",
        ms(age_enc)
    );
    println!(
        "  age decrypt (document)                 {:9.1} ms",
        ms(age_dec)
    );
    println!(
        "  age scrypt fixed cost: encrypt 1 byte  {:9.1} ms",
        ms(fixed_enc)
    );
    println!(
        "  age scrypt fixed cost: decrypt 1 byte  {:9.1} ms",
        ms(fixed_dec)
    );
    println!(
        "  export (write_cxf + encrypt)  {:9.1} ms = {:6.1}x serde_json write; without scrypt {:9.1} ms = {:6.1}x",
        ms(export),
        ms(export) / ms(json_write),
        ms(export_rest),
        ms(export_rest) / ms(json_write)
    );
    println!(
        "  import (decrypt + read)       {:9.1} ms = {:6.1}x serde_json parse; without scrypt {:9.1} ms = {:6.1}x",
        ms(import),
        ms(import) / ms(json_parse),
        ms(import_rest),
        ms(import_rest) / ms(json_parse)
    );
}
