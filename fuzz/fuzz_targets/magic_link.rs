//! Any text pasted or handed to Latchkey as a sign-in link: `check` never panics, a refused
//! link has nothing to open, every report has a reason, and the URL that would open judges the
//! same when checked again (what was checked is what opens).
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use latchkey_magiclink::{check, KnownSites, LinkFingerprint, Verdict};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(link) = std::str::from_utf8(data) else {
        return;
    };
    let known = KnownSites::new([
        "bank.example",
        "example.com",
        "paypal.com",
        "b\u{fc}cher.example",
        "localhost",
    ]);
    let key = [7u8; 32];
    let now = UNIX_EPOCH + Duration::from_secs(1_795_685_400);
    // "Seen" for about one link in 16, so the already-used path runs too.
    let seen = |fp: &LinkFingerprint| fp.0[0] < 16;
    let report = check(link, &known, &key, &seen, now);
    assert!(!report.reasons.is_empty());
    assert_eq!(report.verdict == Verdict::Refused, report.url.is_none());
    if let Some(url) = &report.url {
        let again = check(url, &known, &key, &seen, now);
        assert_eq!(again.verdict, report.verdict);
        assert_eq!(again.url.as_deref(), Some(url.as_str()));
    }
});
