//! Vault costs at 100k passkeys, each against a peer measured in the same run: unlocking (keychain
//! fetch + key check + sled open) and listing (open every details record) against a bare scan of
//! the same number of same-sized values in a plain sled tree, which is the floor for "read it all
//! from disk". Prints the ratios. Run through scripts/bench.sh (needs a Secret Service).

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::Criterion;
use latchkey_vault::{alg, KeyStore, OsKeychain, PasskeyRecord, Vault};

const N: u32 = 100_000;
const GROUP: &str = "vault_100k";

fn record(i: u32) -> PasskeyRecord {
    PasskeyRecord {
        credential_id: format!("credential-{i:08}-0123456789abcdef").into_bytes(),
        rp_id: format!("site{}.example", i % 500),
        rp_name: Some(format!("Site {}", i % 500)),
        user_handle: format!("user-handle-{i:08}").into_bytes(),
        user_name: Some(format!("person{i}@example.com")),
        user_display_name: Some(format!("Person {i}")),
        nickname: None,
        algorithm: alg::ES256,
        private_key: vec![7; 138],
        sign_count: i,
        created_at: 1_700_000_000 + u64::from(i),
        last_used_at: None,
        use_count: 0,
        cred_protect: 1,
        cred_random_with_uv: None,
        cred_random_without_uv: None,
        backup_eligible: true,
        backup_state: false,
    }
}

/// Where criterion keeps its results: `CRITERION_HOME`, else `<target dir>/criterion`.
fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return home.into();
    }
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
        .join("criterion")
}

fn mean_ns(group: &str, id: &str) -> Option<f64> {
    let path = criterion_dir()
        .join(group)
        .join(id)
        .join("new/estimates.json");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    v["mean"]["point_estimate"].as_f64()
}

fn main() {
    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(5));
    let keychain = OsKeychain::with_service("dev.latchkey.bench");
    let dir = tempfile::tempdir().unwrap();
    let vault =
        Vault::init(dir.path(), &keychain).expect("a Secret Service (use scripts/bench.sh)");
    let vault_id = vault.id().to_owned();
    let records: Vec<PasskeyRecord> = (0..N).map(record).collect();
    let seeding = std::time::Instant::now();
    for chunk in records.chunks(5_000) {
        vault.create_many(chunk).unwrap();
    }
    let value_len = serde_json::to_vec(&records[0]).unwrap().len();
    drop(vault);
    eprintln!("seeded {N} passkeys in {:.1?}", seeding.elapsed());

    // The peer: a plain sled tree with N values of the same size, scanned end to end.
    let plain_dir = tempfile::tempdir().unwrap();
    let plain = sled::open(plain_dir.path()).unwrap();
    for i in 0..N {
        plain.insert(i.to_be_bytes(), vec![1u8; value_len]).unwrap();
    }
    plain.flush().unwrap();

    let mut g = c.benchmark_group(GROUP);
    g.bench_function("unlock", |b| {
        b.iter(|| black_box(Vault::open(dir.path(), &keychain).unwrap()))
    });
    let vault = Vault::open(dir.path(), &keychain).unwrap();
    g.bench_function("list", |b| b.iter(|| black_box(vault.list().unwrap())));
    g.bench_function("find_by_rp", |b| {
        b.iter(|| black_box(vault.find_by_rp("site7.example").unwrap()))
    });
    g.bench_function("plain_sled_scan", |b| {
        b.iter(|| {
            let mut bytes = 0usize;
            for kv in plain.iter() {
                bytes += kv.unwrap().1.len();
            }
            black_box(bytes)
        })
    });
    g.finish();
    c.final_summary();
    let _ = keychain.delete(&vault_id);

    let fmt = |ns: f64| format!("{:.2?}", Duration::from_nanos(ns as u64));
    let scan = mean_ns(GROUP, "plain_sled_scan");
    println!("\nvault with {N} passkeys (mean; ratio against a plain sled scan of {N} same-sized values, same run)");
    for id in ["unlock", "list", "find_by_rp", "plain_sled_scan"] {
        if let (Some(t), Some(s)) = (mean_ns(GROUP, id), scan) {
            println!("{id:<16} {:>10} {:>8.1}x", fmt(t), t / s);
        }
    }
}
