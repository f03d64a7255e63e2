//! Sites: registrable domains (eTLD+1 via the public suffix list), their display form, and the
//! person's known sites.
//!
//! Comparing whole hosts would call `login.bank.example` unknown and miss that
//! `bank.example.login-check.net` belongs to `login-check.net`; the registrable domain is the
//! unit someone owns, so it is what is trusted, compared and shown.

use crate::confusables::skeleton;

/// The registrable domain of a lowercase ASCII host (`a.b.bank.co.uk` → `bank.co.uk`);
/// `localhost` is its own site; `None` for a public suffix or a single name.
pub(crate) fn registrable_domain(host: &str) -> Option<String> {
    let host = host.trim_end_matches('.');
    if host == "localhost" {
        return Some(host.to_owned());
    }
    if !host.contains('.') {
        return None;
    }
    psl::domain_str(host).map(str::to_owned)
}

/// The part of a registrable domain before its public suffix (`bank.co.uk` → `bank`).
pub(crate) fn name_part(domain: &str) -> &str {
    match psl::suffix_str(domain) {
        Some(suffix) if domain.len() > suffix.len() + 1 => {
            &domain[..domain.len() - suffix.len() - 1]
        }
        _ => domain,
    }
}

/// The public suffix of a registrable domain (`bank.co.uk` → `co.uk`).
pub(crate) fn suffix_part(domain: &str) -> &str {
    psl::suffix_str(domain).unwrap_or("")
}

/// The Unicode form of an ASCII (punycode) name, for showing to a person; the ASCII form when
/// it does not decode.
pub(crate) fn display(ascii: &str) -> String {
    let (unicode, result) = idna::domain_to_unicode(ascii);
    if result.is_ok() {
        unicode
    } else {
        ascii.to_owned()
    }
}

/// One of the person's sites, with the forms the comparisons need precomputed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KnownSite {
    /// Registrable domain, lowercase ASCII (`bank.example`, `xn--…`).
    pub ascii: String,
    /// The same, decoded for display.
    pub unicode: String,
    /// Skeleton of the whole decoded registrable domain.
    pub skeleton: String,
    /// Skeleton of the name part only (`bank`).
    pub name_skeleton: String,
    /// The public suffix (`example`, `co.uk`).
    pub suffix: String,
}

impl KnownSite {
    fn new(ascii: String) -> KnownSite {
        let unicode = display(&ascii);
        let name_unicode = display(name_part(&ascii));
        KnownSite {
            skeleton: skeleton(&unicode),
            name_skeleton: skeleton(&name_unicode),
            suffix: suffix_part(&ascii).to_owned(),
            unicode,
            ascii,
        }
    }

    /// The name part in ASCII.
    pub fn name(&self) -> &str {
        name_part(&self.ascii)
    }
}

/// What Latchkey knows of the person's sites: the registrable domains of their passkeys' RP IDs
/// and of recent requests. A link is trusted only when it goes to one of these, and judged a
/// lookalike when it imitates one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KnownSites {
    sites: Vec<KnownSite>,
}

impl KnownSites {
    /// Builds the set from RP IDs, hosts, registrable domains (any case, Unicode or punycode,
    /// even whole `https://` origins). Entries that name no site (IP addresses, public
    /// suffixes, garbage) are skipped: they could only ever match by accident.
    pub fn new<I: IntoIterator<Item = S>, S: AsRef<str>>(sites: I) -> KnownSites {
        let mut out: Vec<KnownSite> = Vec::new();
        for site in sites {
            let Some(ascii) = normalize_site(site.as_ref()) else {
                continue;
            };
            if !out.iter().any(|k| k.ascii == ascii) {
                out.push(KnownSite::new(ascii));
            }
        }
        out.sort_by(|a, b| a.ascii.cmp(&b.ascii));
        KnownSites { sites: out }
    }

    /// Whether `domain` (a registrable domain, lowercase ASCII) is one of the person's sites.
    pub fn contains(&self, domain: &str) -> bool {
        self.sites.iter().any(|k| k.ascii == domain)
    }

    /// The known registrable domains (ASCII), sorted.
    pub fn domains(&self) -> impl Iterator<Item = &str> {
        self.sites.iter().map(|k| k.ascii.as_str())
    }

    /// How many distinct sites are known.
    pub fn len(&self) -> usize {
        self.sites.len()
    }

    /// Whether no site is known (every link is then unknown at best).
    pub fn is_empty(&self) -> bool {
        self.sites.is_empty()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &KnownSite> {
        self.sites.iter()
    }
}

/// Turns an RP ID / host / origin into its registrable domain in lowercase ASCII.
fn normalize_site(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let host = if raw.contains("://") {
        let url = url::Url::parse(raw).ok()?;
        match url.host()? {
            url::Host::Domain(d) => d.to_owned(),
            _ => return None,
        }
    } else {
        raw.to_owned()
    };
    let host = host.trim_end_matches('.');
    if host.is_empty() || host.parse::<std::net::IpAddr>().is_ok() {
        return None;
    }
    let ascii = idna::domain_to_ascii(host).ok()?;
    if ascii.is_empty() || ascii.parse::<std::net::Ipv4Addr>().is_ok() {
        return None;
    }
    registrable_domain(&ascii)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrable_domains() {
        assert_eq!(
            registrable_domain("login.bank.example").as_deref(),
            Some("bank.example")
        );
        assert_eq!(
            registrable_domain("a.b.bank.co.uk").as_deref(),
            Some("bank.co.uk")
        );
        assert_eq!(
            registrable_domain("bank.example.login-check.net").as_deref(),
            Some("login-check.net")
        );
        assert_eq!(
            registrable_domain("localhost").as_deref(),
            Some("localhost")
        );
        assert_eq!(registrable_domain("co.uk"), None);
        assert_eq!(registrable_domain("intranet"), None);
    }

    #[test]
    fn name_and_suffix() {
        assert_eq!(name_part("bank.co.uk"), "bank");
        assert_eq!(suffix_part("bank.co.uk"), "co.uk");
        assert_eq!(name_part("example.com"), "example");
    }

    #[test]
    fn punycode_is_displayed_decoded() {
        assert_eq!(display("xn--bcher-kva.example"), "bücher.example");
        assert_eq!(display("bank.example"), "bank.example");
    }

    #[test]
    fn known_sites_normalize_rp_ids_hosts_and_origins() {
        let known = KnownSites::new([
            "Login.Bank.Example",
            "https://www.example.com:8443/x",
            "bücher.example",
            "127.0.0.1",
            "com",
            "",
            "bank.example",
            "localhost",
        ]);
        let domains: Vec<&str> = known.domains().collect();
        assert_eq!(
            domains,
            [
                "bank.example",
                "example.com",
                "localhost",
                "xn--bcher-kva.example"
            ]
        );
        assert!(known.contains("example.com"));
        assert!(!known.contains("www.example.com"));
        assert_eq!(known.len(), 4);
    }
}
