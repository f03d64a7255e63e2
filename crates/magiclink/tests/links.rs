//! The link table: every kind of sign-in link the checks must tell apart, each with the verdict
//! it must get, through the public API exactly as the session calls it.

use std::collections::HashSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use latchkey_magiclink::{check, fingerprint, KnownSites, LinkFingerprint, LinkReport, Verdict};
use Verdict::*;

const KEY: [u8; 32] = [0x42; 32];
/// 2026-11-26 09:30 UTC.
const NOW: u64 = 1_795_685_400;

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW)
}

fn known() -> KnownSites {
    KnownSites::new([
        "bank.example",
        "login.example.com",
        "paypal.com",
        "github.com",
        "bücher.example",
        "localhost",
    ])
}

/// Links the person opened before (their fingerprints are what the vault keeps).
const OPENED: &[&str] = &[
    "https://bank.example/link/used-token",
    "https://unknown.example/link/used",
    "https://example.com/link/used?exp=1700000000",
];

fn jwt(exp: u64) -> String {
    format!(
        "{}.{}.c2lnbmF0dXJl",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(format!(r#"{{"sub":"alice","exp":{exp}}}"#))
    )
}

struct Row {
    link: String,
    verdict: Verdict,
    /// The site shown, when the row pins it.
    site: Option<&'static str>,
    /// The imitated site, for lookalike rows that pin it.
    imitates: Option<&'static str>,
}

fn row(link: impl Into<String>, verdict: Verdict) -> Row {
    Row {
        link: link.into(),
        verdict,
        site: None,
        imitates: None,
    }
}

fn site(link: impl Into<String>, verdict: Verdict, site: &'static str) -> Row {
    Row {
        link: link.into(),
        verdict,
        site: Some(site),
        imitates: None,
    }
}

fn like(link: impl Into<String>, imitates: &'static str) -> Row {
    Row {
        link: link.into(),
        verdict: Lookalike,
        site: None,
        imitates: Some(imitates),
    }
}

fn table() -> Vec<Row> {
    let past = NOW - 3600;
    let future = NOW + 600;
    vec![
        // Good links to the person's sites.
        site("https://bank.example/link/abc123", Trusted, "bank.example"),
        site(
            "https://login.bank.example/magic?token=xyz",
            Trusted,
            "bank.example",
        ),
        row("https://BANK.EXAMPLE/link/abc", Trusted),
        site(
            "https://example.com/auth/magic-link?t=abc",
            Trusted,
            "example.com",
        ),
        row("https://www.paypal.com/signin/link/abc", Trusted),
        row("https://github.com/login/magic", Trusted),
        row("https://bank.example:8443/link/abc", Trusted),
        row("  https://bank.example/link/abc\n", Trusted),
        row("https://bank.example./link/abc", Trusted),
        site("http://localhost:8787/link/tok", Trusted, "localhost"),
        site("https://localhost/link", Trusted, "localhost"),
        row(format!("https://bank.example/l?exp={future}"), Trusted),
        row(
            format!("https://bank.example/l?token={}", jwt(future)),
            Trusted,
        ),
        row(
            format!("https://bank.example/l?expires={}", future * 1000),
            Trusted,
        ),
        row("https://bank.example/l?expires_in=600", Trusted),
        // Punycode is shown decoded.
        site(
            "https://xn--bcher-kva.example/link/abc",
            Trusted,
            "bücher.example",
        ),
        site("https://bücher.example/link", Trusted, "bücher.example"),
        // Unknown sites.
        site(
            "https://other-shop.example/link/abc",
            UnknownSite,
            "other-shop.example",
        ),
        row("https://news.ycombinator.com/", UnknownSite),
        row("https://wikipedia.org/", UnknownSite),
        site("https://例え.jp/link", UnknownSite, "例え.jp"),
        site("https://пример.рф/", UnknownSite, "пример.рф"),
        site("https://mail.google.com/x", UnknownSite, "google.com"),
        // Lookalikes by skeleton.
        like("https://p\u{430}ypal.com/login", "paypal.com"),
        like("https://xn--pypal-4ve.com/login", "paypal.com"),
        like("https://examp1e.com/link", "example.com"),
        like("https://paypa1.com/", "paypal.com"),
        like("https://g1thub.com/", "github.com"),
        like("https://xn--bnk-6cd.example/", "bank.example"),
        like("https://\u{435}\u{445}\u{430}mple.com/", "example.com"),
        like("https://g\u{ef}thub.com/", "github.com"),
        // By edit distance.
        like("https://exmaple.com/", "example.com"),
        like("https://examplle.com/", "example.com"),
        like("https://paypall.com/", "paypal.com"),
        like("https://githib.com/", "github.com"),
        like("https://bamk.example/", "bank.example"),
        // By embedding.
        like("https://example.com.evil.net/", "example.com"),
        like("https://example-com.evil.net/", "example.com"),
        like("https://bank.example.login-check.net/", "bank.example"),
        like("https://bank-example.login-check.net/", "bank.example"),
        like("https://login.paypal.com.secure-verify.co/", "paypal.com"),
        // Same name, other ending.
        like("https://paypal.co/", "paypal.com"),
        like("https://bank.co.uk/", "bank.example"),
        // Combo words.
        like("https://example-login.com/", "example.com"),
        like("https://secure-example.net/", "example.com"),
        like("https://paypal-support.com/", "paypal.com"),
        like("https://paypallogin.com/", "paypal.com"),
        like("https://mybank.net/", "bank.example"),
        like("https://p\u{430}ypal-login.net/", "paypal.com"),
        // Mixed script / whole-script confusable, imitating none of the person's sites.
        site(
            "https://\u{430}\u{440}\u{440}\u{4cf}\u{435}.com/",
            Lookalike,
            "аррӏе.com",
        ),
        row("https://shop\u{430}bc.com/", Lookalike),
        row("https://login.sh\u{43e}p.example/", Lookalike),
        // Scheme tricks.
        row("javascript:alert(document.cookie)", Refused),
        row("JAVASCRIPT:alert(1)", Refused),
        row(" javascript:alert(1)", Refused),
        row("java\tscript:alert(1)", Refused),
        row("java%0ascript:alert(1)", Refused),
        row("data:text/html;base64,PHNjcmlwdD4=", Refused),
        row("file:///etc/passwd", Refused),
        row("ftp://bank.example/", Refused),
        row("http://example.com/link", Refused),
        row("http://bank.example/link", Refused),
        row("http://localhost.evil.example/", Refused),
        // User-info, backslashes, whitespace and control tricks.
        row("https://bank.example@evil.example/", Refused),
        row("https://user:pass@bank.example/", Refused),
        row("https://evil.example\\@bank.example", Refused),
        row("https:\\\\evil.example", Refused),
        row("https://bank.example/%0d%0aSet-Cookie:x", Refused),
        row("https://bank.exa\tmple/", Refused),
        row("https://bank.example/a b", Refused),
        row("https://bank.example\u{200B}.evil.net/", Refused),
        row("https://elpmaxe.knab\u{202E}/", Refused),
        // IP literals.
        row("https://127.0.0.1/", Refused),
        row("https://[::1]/", Refused),
        row("https://[2001:db8::1]/link", Refused),
        row("https://2130706433/", Refused),
        row("https://0x7f000001/", Refused),
        row("https://0177.0.0.1/", Refused),
        row("https://0x7f.1/", Refused),
        row("http://127.0.0.1:8787/link/tok", Refused),
        // Not links.
        row(
            format!("https://bank.example/{}", "a".repeat(5000)),
            Refused,
        ),
        row("", Refused),
        row("bank.example/link/abc", Refused),
        row("https://com/", Refused),
        row("https://", Refused),
        // Reused (reuse beats expiry).
        site(
            "https://bank.example/link/used-token",
            AlreadyUsed,
            "bank.example",
        ),
        row("https://unknown.example/link/used", AlreadyUsed),
        row("https://example.com/link/used?exp=1700000000", AlreadyUsed),
        // Expired.
        row(
            format!("https://bank.example/l?token={}", jwt(past)),
            Expired,
        ),
        row(format!("https://bank.example/link/{}", jwt(past)), Expired),
        row(format!("https://bank.example/l?expires={past}"), Expired),
        row(
            format!("https://bank.example/l?exp={}", past * 1000),
            Expired,
        ),
        row(
            "https://bank.example/l?expires=2020-01-01T00:00:00Z",
            Expired,
        ),
        row(
            format!("https://bank.example.evil.net/l?exp={past}"),
            Expired,
        ),
    ]
}

fn run(link: &str) -> LinkReport {
    let opened: HashSet<[u8; 32]> = OPENED.iter().map(|l| fingerprint(&KEY, l).0).collect();
    let seen = move |fp: &LinkFingerprint| opened.contains(&fp.0);
    check(link, &known(), &KEY, &seen, now())
}

#[test]
fn link_table() {
    let table = table();
    assert!(
        table.len() >= 60,
        "the issue asks for at least 60 links, have {}",
        table.len()
    );
    let mut failures = Vec::new();
    for row in &table {
        let report = run(&row.link);
        let mut wrong = Vec::new();
        if report.verdict != row.verdict {
            wrong.push(format!(
                "verdict {:?}, want {:?}",
                report.verdict, row.verdict
            ));
        }
        if row.site.is_some() && report.site.as_deref() != row.site {
            wrong.push(format!("site {:?}, want {:?}", report.site, row.site));
        }
        if row.imitates.is_some() && report.imitates.as_deref() != row.imitates {
            wrong.push(format!(
                "imitates {:?}, want {:?}",
                report.imitates, row.imitates
            ));
        }
        if report.reasons.is_empty() || report.reasons.iter().any(|r| r.trim().is_empty()) {
            wrong.push("no reason".into());
        }
        if (report.verdict == Refused) != report.url.is_none() {
            wrong.push(format!("url {:?} does not fit the verdict", report.url));
        }
        if !wrong.is_empty() {
            let shown: String = row.link.chars().take(80).collect();
            failures.push(format!(
                "{shown:?}: {} — reasons {:?}",
                wrong.join("; "),
                report.reasons
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows wrong:\n{}",
        failures.len(),
        table.len(),
        failures.join("\n")
    );
}

#[test]
fn table_covers_every_verdict() {
    let table = table();
    for v in [
        Trusted,
        UnknownSite,
        Lookalike,
        Refused,
        AlreadyUsed,
        Expired,
    ] {
        assert!(
            table.iter().filter(|r| r.verdict == v).count() >= 3,
            "{v:?}"
        );
    }
}

#[test]
fn the_url_that_opens_gets_the_same_verdict_again() {
    // What was checked is what opens: re-checking the normalized URL changes nothing.
    for row in table() {
        let first = run(&row.link);
        if let Some(url) = &first.url {
            let again = run(url);
            assert_eq!(again.verdict, first.verdict, "{url}");
            assert_eq!(again.site, first.site, "{url}");
            assert_eq!(again.url.as_deref(), Some(url.as_str()), "{url}");
        }
    }
}

#[test]
fn reasons_name_the_site_in_plain_words() {
    let r = run("https://bank-example.login-check.net/l");
    assert_eq!(
        r.reasons[0],
        "The link goes to bank-example.login-check.net, which contains the name of your site bank.example but is a different site (login-check.net)."
    );
    let r = run("https://xn--pypal-4ve.com/");
    assert!(r.reasons[0].contains("p\u{430}ypal.com"), "{:?}", r.reasons);
    assert!(
        r.reasons.iter().any(|x| x.contains("xn--pypal-4ve.com")),
        "{:?}",
        r.reasons
    );
    let r = run(&format!("https://bank.example/l?expires={}", NOW - 720));
    assert!(r.reasons[0].contains("12 minutes ago"), "{:?}", r.reasons);
    let r = run("https://bank.example@evil.example/");
    assert!(r.reasons[0].contains("evil.example"), "{:?}", r.reasons);
}

#[test]
fn localhost_is_unknown_unless_known() {
    let never = |_: &LinkFingerprint| false;
    let r = check(
        "http://localhost:8787/link/x",
        &KnownSites::new(["bank.example"]),
        &KEY,
        &never,
        now(),
    );
    assert_eq!(r.verdict, UnknownSite);
    assert_eq!(r.site.as_deref(), Some("localhost"));
}

#[test]
fn no_known_sites_means_nothing_is_trusted() {
    let never = |_: &LinkFingerprint| false;
    let r = check(
        "https://bank.example/link",
        &KnownSites::new(Vec::<String>::new()),
        &KEY,
        &never,
        now(),
    );
    assert_eq!(r.verdict, UnknownSite);
}

#[test]
fn another_key_does_not_recognise_an_opened_link() {
    let opened = fingerprint(&KEY, "https://bank.example/link/used-token");
    let seen = move |fp: &LinkFingerprint| *fp == opened;
    let r = check(
        "https://bank.example/link/used-token",
        &known(),
        &[0x43; 32],
        &seen,
        now(),
    );
    assert_eq!(r.verdict, Trusted);
}

#[test]
fn report_json_has_the_cli_fields() {
    let json = serde_json::to_value(run("https://examp1e.com/")).unwrap();
    assert_eq!(json["verdict"], "lookalike");
    assert_eq!(json["site"], "examp1e.com");
    assert!(json["reasons"].as_array().is_some_and(|a| !a.is_empty()));
    assert_eq!(json["imitates"], "example.com");
    let json = serde_json::to_value(run("javascript:alert(1)")).unwrap();
    assert_eq!(json["site"], serde_json::Value::Null);
}
