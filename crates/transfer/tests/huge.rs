//! A 100 000-passkey CXF document: progress is monotonic and ends at the total, and peak
//! memory stays bounded. The work runs in a child process so its VmHWM (peak resident set)
//! is its own, not the test harness's or another test's.

mod common;

use std::process::Command;

use common::plain_record;
use latchkey_authenticator::keys::CredentialKey;
use latchkey_transfer::{read, write_cxf, FormatChoice, Limits};
use latchkey_vault::{alg, PasskeyRecord};

const COUNT: usize = 100_000;
const CHILD_ENV: &str = "LATCHKEY_TRANSFER_HUGE_CHILD";
/// Generous: the document is ~80 MB; the records, the parsed shell and the output twice that.
const PEAK_LIMIT_KIB: u64 = 1536 * 1024;

fn vm_hwm_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/self/status")
}

/// The child's body: builds, writes and reads 100 000 passkeys and prints its peak memory.
/// Ignored on its own; `a_100k_item_cxf_document_...` runs it in a fresh process.
#[test]
#[ignore]
fn huge_child() {
    assert_eq!(
        std::env::var(CHILD_ENV).as_deref(),
        Ok("1"),
        "run by the parent test"
    );
    let key = CredentialKey::generate(alg::ES256).unwrap().to_pkcs8();
    let records: Vec<PasskeyRecord> = (0..COUNT)
        .map(|i| {
            let mut r = plain_record(alg::ES256, key.to_vec());
            r.credential_id = (i as u64).to_be_bytes().repeat(2);
            r.rp_id = format!("site{}.example.com", i % 997);
            r.rp_name = Some("A site".into());
            r.user_handle = (i as u64).to_le_bytes().to_vec();
            r.user_name = Some(format!("user{i}@example.com"));
            r.user_display_name = Some(format!("User {i}"));
            r.sign_count = i as u32;
            r.created_at = 1_700_000_000;
            r
        })
        .collect();
    let started = std::time::Instant::now();
    let doc = write_cxf(&records, 1).unwrap();
    println!("write-ms: {}", started.elapsed().as_millis());
    let started = std::time::Instant::now();
    drop(records);
    let mut calls: Vec<(usize, usize)> = Vec::new();
    let parsed = read(
        &doc,
        Some("huge.json"),
        FormatChoice::Auto,
        None,
        &Limits::default(),
        &mut |done, total| calls.push((done, total)),
    )
    .unwrap();
    println!("read-ms: {}", started.elapsed().as_millis());
    assert_eq!(parsed.items.len(), COUNT);
    assert!(parsed.problems.is_empty());
    assert_eq!(
        parsed.items[COUNT - 1].record.sign_count,
        (COUNT - 1) as u32
    );
    assert_eq!(
        calls.last(),
        Some(&(COUNT, COUNT)),
        "progress ends at the total"
    );
    assert!(
        calls
            .windows(2)
            .all(|w| w[0].0 <= w[1].0 && w[0].1 == w[1].1),
        "progress is monotonic"
    );
    assert!(calls.iter().all(|&(_, t)| t == COUNT));
    // At most every 1% (and at most every 1000 items): about 100 calls, not 100 000.
    assert!(
        (90..=110).contains(&calls.len()),
        "{} progress calls",
        calls.len()
    );
    println!("document bytes: {}", doc.len());
    println!("progress calls: {}", calls.len());
    println!("VmHWM-KiB: {}", vm_hwm_kib());
}

#[test]
fn a_100k_item_cxf_document_reads_with_progress_and_bounded_memory() {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "huge_child",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "child failed:\n{stdout}\n{stderr}");
    let peak: u64 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM-KiB: "))
        .unwrap_or_else(|| panic!("no VmHWM line in:\n{stdout}"))
        .trim()
        .parse()
        .unwrap();
    println!("100k-item CXF: peak memory {} MiB", peak / 1024);
    for l in stdout
        .lines()
        .filter(|l| l.contains("document") || l.contains("progress") || l.contains("-ms"))
    {
        println!("{l}");
    }
    assert!(peak < PEAK_LIMIT_KIB, "peak memory {peak} KiB");
}
