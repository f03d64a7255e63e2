//! The verdict: every check in a fixed order of severity, with the reasons in plain words.
//!
//! Order: Refused > AlreadyUsed > Expired > Lookalike > Trusted > UnknownSite. The first that
//! applies decides, because the person must be told the most serious problem first; reasons for
//! what was also noticed (a stated expiry still in the future, a decoded international name)
//! follow it.

use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::confusables::label_problem;
use crate::expiry::{find_expiry, format_span, format_utc};
use crate::fingerprint::{fingerprint, LinkFingerprint};
use crate::lookalike;
use crate::parse::parse;
use crate::site::{display, registrable_domain, KnownSites};

/// What Latchkey concludes about a link. Only `Trusted` opens without a question; `UnknownSite`
/// needs a confirmation and `Lookalike` an explicit override; the others never open.
#[derive(Serialize, Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Trusted,
    UnknownSite,
    Lookalike,
    Refused,
    AlreadyUsed,
    Expired,
}

/// The outcome of [`check`], shown to the person before anything opens.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct LinkReport {
    pub verdict: Verdict,
    /// The link's registrable domain, Unicode-decoded for display (None when refused before a
    /// host was found).
    pub site: Option<String>,
    /// Plain-words reasons, most important first (never empty).
    pub reasons: Vec<String>,
    /// For a lookalike: the known site it imitates (None when the name is suspect on its own,
    /// e.g. mixed alphabets, without resembling one of the person's sites).
    pub imitates: Option<String>,
    /// The URL to open, normalized (what was checked is what opens); None when refused.
    pub url: Option<String>,
}

/// Parses and judges `link`.
///
/// `link_key` is the vault's 32-byte "magic-link" key and `seen(fingerprint)` says whether a
/// link with that fingerprint was opened before: the fingerprint is computed here from the
/// normalized link (see [`fingerprint`]), so callers cannot hash a different spelling of it than
/// the one that opens. `now` decides expiry. Never panics, whatever the input.
pub fn check(
    link: &str,
    known: &KnownSites,
    link_key: &[u8; 32],
    seen: &dyn Fn(&LinkFingerprint) -> bool,
    now: SystemTime,
) -> LinkReport {
    let parsed = match parse(link) {
        Ok(parsed) => parsed,
        Err(refusal) => {
            return LinkReport {
                verdict: Verdict::Refused,
                site: None,
                reasons: vec![
                    refusal.reason(),
                    "Latchkey will not open it. If you expected a sign-in link, ask the site for a new one from its own page.".into(),
                ],
                imitates: None,
                url: None,
            }
        }
    };
    let site_ascii = registrable_domain(&parsed.host).unwrap_or_else(|| parsed.host.clone());
    let site = display(&site_ascii);
    let host = display(&parsed.host);
    let report = |verdict: Verdict, reasons: Vec<String>, imitates: Option<String>| LinkReport {
        verdict,
        site: Some(site.clone()),
        reasons,
        imitates,
        url: Some(parsed.normalized.clone()),
    };

    // Notes that go after the main reason whatever the verdict.
    let mut notes = Vec::new();
    if site != site_ascii {
        notes.push(format!(
            "{site} is an international name; its technical form is {site_ascii}."
        ));
    }

    if seen(&fingerprint(link_key, &parsed.normalized)) {
        let mut reasons = vec![format!(
            "You already opened this exact link to {site}. A sign-in link works only once, and someone may be trying to reuse it; ask the site for a new one."
        )];
        reasons.extend(notes);
        return report(Verdict::AlreadyUsed, reasons, None);
    }

    let expiry = find_expiry(&parsed.url);
    if let Some(expiry) = expiry.as_ref().filter(|e| e.at <= now) {
        let mut reasons = vec![format!(
            "The link to {site} says ({}) that it expired at {} ({} ago). Ask the site for a new one.",
            expiry.source,
            format_utc(expiry.at),
            format_span(now, expiry.at)
        )];
        reasons.extend(notes);
        return report(Verdict::Expired, reasons, None);
    }
    if let Some(expiry) = &expiry {
        notes.push(format!(
            "It says it is valid until {} (in {}).",
            format_utc(expiry.at),
            format_span(expiry.at, now)
        ));
    }

    let caution = "Do not open it unless you are certain: a real sign-in link comes from the site you asked, under its own name.".to_owned();
    if let Some(finding) = lookalike::find(&parsed.host, &site_ascii, known) {
        let mut reasons = vec![finding.reason(&host, &site), caution];
        reasons.extend(notes);
        return report(Verdict::Lookalike, reasons, Some(finding.imitates));
    }
    if site_ascii != "localhost" {
        let tld = parsed.host.rsplit('.').next().unwrap_or("");
        // On one of the person's own sites only its own name matters (its owner picks the
        // subdomains); elsewhere any label can carry the imitation (`pаypal.evil.net`).
        let checked = if known.contains(&site_ascii) {
            &site
        } else {
            &host
        };
        let problem = checked
            .split('.')
            .find_map(|label| label_problem(label, tld).map(|p| p.reason(label)));
        if let Some(reason) = problem {
            let mut reasons = vec![reason, caution];
            reasons.extend(notes);
            return report(Verdict::Lookalike, reasons, None);
        }
    }

    if known.contains(&site_ascii) {
        let mut reasons = vec![format!(
            "The link goes to {site}, one of your sites (you have a passkey for it or signed in there recently)."
        )];
        reasons.extend(notes);
        return report(Verdict::Trusted, reasons, None);
    }
    let mut reasons = vec![format!(
        "The link goes to {site}, which is not one of your sites: you have no passkey for it and no recent sign-in there. Open it only if you just asked {site} for a sign-in link."
    )];
    reasons.extend(notes);
    report(Verdict::UnknownSite, reasons, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    const KEY: [u8; 32] = [7; 32];

    fn run(link: &str, known: &[&str], seen: &dyn Fn(&LinkFingerprint) -> bool) -> LinkReport {
        check(
            link,
            &KnownSites::new(known),
            &KEY,
            seen,
            UNIX_EPOCH + Duration::from_secs(1_764_149_400),
        )
    }

    #[test]
    fn severity_order() {
        let known = ["bank.example"];
        let never = |_: &LinkFingerprint| false;
        let always = |_: &LinkFingerprint| true;
        // Refused beats everything, even a seen link.
        assert_eq!(
            run("http://bank.example/", &known, &always).verdict,
            Verdict::Refused
        );
        // Already used beats expired.
        let expired = "https://bank.example/l?exp=1700000000";
        assert_eq!(run(expired, &known, &always).verdict, Verdict::AlreadyUsed);
        assert_eq!(run(expired, &known, &never).verdict, Verdict::Expired);
        // Expired beats lookalike.
        assert_eq!(
            run(
                "https://bank.example.evil.net/l?exp=1700000000",
                &known,
                &never
            )
            .verdict,
            Verdict::Expired
        );
        assert_eq!(
            run("https://bank.example.evil.net/l", &known, &never).verdict,
            Verdict::Lookalike
        );
        assert_eq!(
            run("https://bank.example/l", &known, &never).verdict,
            Verdict::Trusted
        );
        assert_eq!(
            run("https://other.example/l", &known, &never).verdict,
            Verdict::UnknownSite
        );
    }

    #[test]
    fn seen_gets_the_fingerprint_of_the_normalized_link() {
        let opened = fingerprint(&KEY, "https://bank.example/link/abc");
        let seen = move |fp: &LinkFingerprint| *fp == opened;
        let r = run(" HTTPS://BANK.example/link/abc\n", &["bank.example"], &seen);
        assert_eq!(r.verdict, Verdict::AlreadyUsed);
        assert_eq!(r.url.as_deref(), Some("https://bank.example/link/abc"));
    }

    #[test]
    fn reports_are_complete() {
        let never = |_: &LinkFingerprint| false;
        let r = run("javascript:alert(1)", &[], &never);
        assert_eq!((r.site, r.url), (None, None));
        assert!(!r.reasons.is_empty());
        let r = run(
            "https://login.bank.example.login-check.net/x",
            &["bank.example"],
            &never,
        );
        assert_eq!(r.site.as_deref(), Some("login-check.net"));
        assert_eq!(r.imitates.as_deref(), Some("bank.example"));
        assert!(
            r.reasons[0].contains("login.bank.example.login-check.net"),
            "{:?}",
            r.reasons
        );
    }

    #[test]
    fn mixed_script_subdomains() {
        let never = |_: &LinkFingerprint| false;
        let known = ["bank.example"];
        // On an unknown site a mixed-script label anywhere is suspect…
        let r = run("https://p\u{430}ypal.evil.example/", &known, &never);
        assert_eq!(r.verdict, Verdict::Lookalike);
        assert!(
            r.reasons[0].contains("Latin and Cyrillic"),
            "{:?}",
            r.reasons
        );
        // …on the person's own site the owner's subdomains are not judged.
        let r = run("https://p\u{430}ypal.bank.example/", &known, &never);
        assert_eq!(r.verdict, Verdict::Trusted);
    }

    #[test]
    fn serializes_kebab_case() {
        let json = serde_json::to_value(Verdict::UnknownSite).unwrap();
        assert_eq!(json, "unknown-site");
        assert_eq!(
            serde_json::to_value(Verdict::AlreadyUsed).unwrap(),
            "already-used"
        );
    }
}
