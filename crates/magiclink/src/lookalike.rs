//! Near misses of the person's sites: the lookalike checks browsers run against top sites
//! (Chromium's lookalike_url_util), run here against the sites the person actually uses.
//!
//! Each check compares skeletons ([`crate::confusables::skeleton`]), so a homograph cannot
//! slip past the edit-distance, embedding or combo-word checks by also swapping a letter.

use crate::confusables::skeleton;
use crate::site::{display, name_part, KnownSite, KnownSites};

/// Names shorter than this are not looked for inside other names (Chromium's
/// kMinE2LDLengthForTargetEmbedding): `id` or `go` appear in too many unrelated names.
const MIN_NAME_LEN: usize = 4;

/// Words phishing domains add around a brand ("combosquatting": `paypal-login.com`,
/// `secure-paypal.net`). A brand glued to one of these without a hyphen counts too.
const COMBO_WORDS: &[&str] = &[
    "access",
    "account",
    "accounts",
    "app",
    "auth",
    "bank",
    "billing",
    "check",
    "confirm",
    "customer",
    "help",
    "helpdesk",
    "id",
    "info",
    "link",
    "login",
    "mail",
    "my",
    "official",
    "online",
    "pay",
    "payment",
    "portal",
    "recover",
    "recovery",
    "reset",
    "secure",
    "security",
    "service",
    "services",
    "signin",
    "sign-in",
    "sso",
    "support",
    "team",
    "update",
    "verify",
    "verification",
    "wallet",
    "web",
];

/// How a link's site imitates a known one; ordered from most to least certain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Same skeleton, different characters (`pаypal.com` with a Cyrillic а, `examp1e.com`).
    Skeleton,
    /// Same name, another ending (`bank.example` vs `bank.co`).
    OtherEnding,
    /// The known site's name appears inside the host (`bank.example.login-check.net`).
    Embedded,
    /// One or two characters off (`exmaple.com`, `bamk.example`).
    EditDistance,
    /// The brand with extra words (`example-login.com`, `secure-example.net`).
    ComboWords,
}

/// A lookalike finding: what kind, and which of the person's sites it imitates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    pub kind: Kind,
    /// The imitated site's registrable domain, decoded for display.
    pub imitates: String,
}

impl Finding {
    /// Plain words; `host` is the link's whole host and `site` its registrable domain, both
    /// decoded for display.
    pub fn reason(&self, host: &str, site: &str) -> String {
        let known = &self.imitates;
        match self.kind {
            Kind::Skeleton => format!(
                "The link goes to {site}, which looks just like your site {known} but is spelled with different characters, so it is a different site."
            ),
            Kind::OtherEnding => format!(
                "The link goes to {site}, which has the same name as your site {known} but a different ending, so it is a different site."
            ),
            Kind::Embedded => format!(
                "The link goes to {host}, which contains the name of your site {known} but is a different site ({site})."
            ),
            Kind::EditDistance => format!(
                "The link goes to {site}, which is spelled almost like your site {known} but is a different site."
            ),
            Kind::ComboWords => format!(
                "The link goes to {site}, which adds words to the name of your site {known} but is a different site."
            ),
        }
    }
}

/// Looks for a known site that `site` (registrable domain, ASCII) in `host` (ASCII) imitates.
/// `site` itself being known only rules out the comparisons with itself: a recorded phishing
/// request can make a homograph "known", so the skeleton check still runs against the others.
pub(crate) fn find(host: &str, site: &str, known: &KnownSites) -> Option<Finding> {
    if site == "localhost" {
        return None;
    }
    let site_unicode = display(site);
    let site_skeleton = skeleton(&site_unicode);
    let name_skeleton = skeleton(&display(name_part(site)));
    let site_is_known = known.contains(site);
    let host_tokens = tokens(&skeleton(&display(host)));
    let others = || {
        known
            .iter()
            .filter(|k| k.ascii != site && k.ascii != "localhost")
    };

    let found = |kind: Kind, k: &KnownSite| {
        Some(Finding {
            kind,
            imitates: k.unicode.clone(),
        })
    };
    if let Some(k) = others().find(|k| k.skeleton == site_skeleton) {
        return found(Kind::Skeleton, k);
    }
    if site_is_known {
        // The person's own site; sharing a name with another of their sites is normal.
        return None;
    }
    if let Some(k) = others().find(|k| k.name_skeleton == name_skeleton && k.name().len() >= 3) {
        return found(Kind::OtherEnding, k);
    }
    if let Some(k) = others().find(|k| embeds(&host_tokens, k)) {
        return found(Kind::Embedded, k);
    }
    // Both spellings: skeletons turn `m` into `rn`, which makes a swap next to an `m` look like
    // two edits; the plain names turn a homograph into a substitution.
    let name_unicode = display(name_part(site));
    if let Some(k) = others().find(|k| {
        near_miss(&name_skeleton, &k.name_skeleton) || near_miss(&name_unicode, &display(k.name()))
    }) {
        return found(Kind::EditDistance, k);
    }
    if let Some(k) = others().find(|k| {
        combo(&name_skeleton, &k.name_skeleton) || combo(&name_unicode, &display(k.name()))
    }) {
        return found(Kind::ComboWords, k);
    }
    None
}

/// A host split into words at dots and hyphens (`bank-example.login-check.net` →
/// `bank example login check net`), so a site name written with hyphens for dots is found too.
fn tokens(s: &str) -> Vec<String> {
    s.split(['.', '-'])
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether the known site's words (`bank example`) appear in a row among the host's words.
fn embeds(host_tokens: &[String], k: &KnownSite) -> bool {
    let wanted = tokens(&k.skeleton);
    if wanted.len() < 2 || k.name_skeleton.chars().count() < MIN_NAME_LEN {
        return false;
    }
    host_tokens
        .windows(wanted.len())
        .any(|w| w == wanted.as_slice())
}

/// One edit (insert, delete, substitute, swap) from a known name of 4+ characters, or two from
/// one of 10+; shorter names are too close to ordinary words to judge.
fn near_miss(name: &str, known_name: &str) -> bool {
    let len = known_name.chars().count();
    if len < MIN_NAME_LEN || name == known_name {
        return false;
    }
    let distance = strsim::damerau_levenshtein(name, known_name);
    distance == 1 || (distance == 2 && len >= 10)
}

/// The known name as a whole hyphen-separated part of the name (`secure-example`), or glued
/// to one of [`COMBO_WORDS`] (`examplelogin`, `myexample`).
fn combo(name: &str, known_name: &str) -> bool {
    if known_name.chars().count() < MIN_NAME_LEN || name == known_name {
        return false;
    }
    if format!("-{name}-").contains(&format!("-{known_name}-")) {
        return true;
    }
    let glued = |rest: &str| {
        let rest = rest.trim_matches('-');
        !rest.is_empty() && rest.split('-').all(|w| COMBO_WORDS.contains(&w))
    };
    name.strip_prefix(known_name).is_some_and(glued)
        || name.strip_suffix(known_name).is_some_and(glued)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(host: &str, known: &[&str]) -> Option<Kind> {
        let host = idna::domain_to_ascii(host).unwrap();
        let site = crate::site::registrable_domain(&host).unwrap();
        find(&host, &site, &KnownSites::new(known)).map(|f| f.kind)
    }

    #[test]
    fn each_kind() {
        let known = ["bank.example", "example.com", "paypal.com"];
        assert_eq!(kind("p\u{430}ypal.com", &known), Some(Kind::Skeleton));
        assert_eq!(kind("examp1e.com", &known), Some(Kind::Skeleton));
        assert_eq!(kind("bank.co", &known), Some(Kind::OtherEnding));
        assert_eq!(
            kind("bank.example.login-check.net", &known),
            Some(Kind::Embedded)
        );
        assert_eq!(kind("example-com.evil.net", &known), Some(Kind::Embedded));
        assert_eq!(kind("exmaple.com", &known), Some(Kind::EditDistance));
        assert_eq!(kind("paypa.com", &known), Some(Kind::EditDistance));
        assert_eq!(kind("example-login.com", &known), Some(Kind::ComboWords));
        assert_eq!(kind("securepaypal.net", &known), Some(Kind::ComboWords));
        // `m` has the skeleton `rn`; the plain spelling still finds "my" + "bank".
        assert_eq!(kind("mybank.net", &known), Some(Kind::ComboWords));
    }

    #[test]
    fn own_and_unrelated_sites_are_not_lookalikes() {
        let known = ["bank.example", "example.com"];
        assert_eq!(kind("login.bank.example", &known), None);
        assert_eq!(kind("example.com", &known), None);
        assert_eq!(kind("wikipedia.org", &known), None);
        assert_eq!(kind("banking-news.org", &known), None);
        assert_eq!(kind("examples.dev", &known), Some(Kind::EditDistance));
    }

    #[test]
    fn known_homograph_still_flagged_against_the_real_site() {
        let known = ["paypal.com", "p\u{430}ypal.com"];
        assert_eq!(kind("p\u{430}ypal.com", &known), Some(Kind::Skeleton));
    }

    #[test]
    fn short_names_are_not_fuzzy_matched() {
        let known = ["id.me"];
        assert_eq!(kind("ip.me", &known), None);
        assert_eq!(kind("id-login.com", &known), None);
        // Two-letter names are too common to call the same name on another ending a lookalike.
        assert_eq!(kind("id.com", &known), None);
    }

    #[test]
    fn near_miss_thresholds() {
        assert!(near_miss("bamk", "bank"));
        assert!(!near_miss("bxmk", "bank"));
        assert!(near_miss("microsfot", "microsoft"));
        assert!(near_miss("latchkyvalt", "latchkeyvault"));
        assert!(!near_miss("lachkyvalt", "latchkeyvault"));
    }
}
