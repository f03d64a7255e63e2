//! URL parsing and the refusal rules: what a sign-in link may never be.
//!
//! Refusals come first and are final: a link that hides where it goes (user-info, backslashes
//! that browsers read as slashes, tabs and newlines browsers silently drop, an IP address
//! instead of a name) or that runs code (`javascript:`, `data:`) is not a sign-in link, whatever
//! site it names. What passes is re-serialized by the WHATWG parser (`url`), and that
//! normalized string is both what the later checks look at and what opens.

use url::{Host, Url};

/// Longest link accepted, in bytes. Real sign-in links are a few hundred bytes; multi-kilobyte
/// ones are padding meant to push the real host out of sight in a preview.
pub const MAX_LINK_LEN: usize = 4096;

/// A link that passed the refusal rules.
#[derive(Debug, Clone)]
pub(crate) struct ParsedLink {
    /// The parsed URL (after normalization).
    pub url: Url,
    /// `url` serialized: what is fingerprinted and what opens.
    pub normalized: String,
    /// The host, lowercase ASCII (punycode), without a trailing dot.
    pub host: String,
}

/// Why a link is refused, each turned into a plain-words reason by [`Refusal::reason`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    Empty,
    TooLong(usize),
    ControlCharacter(char),
    Whitespace(char),
    InvisibleCharacter(char),
    Backslash,
    EncodedControl(String),
    Script(String),
    Unparseable(String),
    Scheme(String),
    PlainHttp(String),
    UserInfo,
    IpAddress(String),
    NoHost,
    NoSiteName(String),
}

impl Refusal {
    pub fn reason(&self) -> String {
        match self {
            Refusal::Empty => "The link is empty. Paste the whole link from the message.".into(),
            Refusal::TooLong(n) => format!(
                "The link is {n} bytes long, far longer than a sign-in link ({MAX_LINK_LEN} at most); very long links are used to hide where they really go."
            ),
            Refusal::ControlCharacter(c) => format!(
                "The link contains a hidden control character ({}), which browsers silently drop; this is used to disguise where a link goes.",
                describe_char(*c)
            ),
            Refusal::Whitespace(c) => format!(
                "The link contains a space or line break inside it ({}); a real sign-in link has none, and browsers may read it differently from how it looks.",
                describe_char(*c)
            ),
            Refusal::InvisibleCharacter(c) => format!(
                "The link contains an invisible character ({}) that can make it look like it goes somewhere else.",
                describe_char(*c)
            ),
            Refusal::Backslash => "The link contains a backslash (\\), which browsers read as a slash; this trick makes a link look like it goes to one site while it opens another.".into(),
            Refusal::EncodedControl(code) => format!(
                "The link contains an encoded control character ({code}), used to smuggle line breaks or hidden characters into a link."
            ),
            Refusal::Script(scheme) => format!(
                "This is a \"{scheme}:\" link, which runs code or opens content directly instead of going to a website; a sign-in link never does that."
            ),
            Refusal::Unparseable(why) => format!(
                "This is not a valid web address ({why}). Copy the whole link again from the message."
            ),
            Refusal::Scheme(scheme) => format!(
                "The link uses \"{scheme}:\", not a secure https web address; sign-in links must use https."
            ),
            Refusal::PlainHttp(host) => format!(
                "The link to {host} uses plain http, which anyone on the network can read or change; sign-in links must use https."
            ),
            Refusal::UserInfo => "The link has a name and \"@\" before the real address (like https://bank.example@evil.example, which goes to evil.example); this hides where it really goes.".into(),
            Refusal::IpAddress(ip) => format!(
                "The link goes to the bare address {ip} instead of a site name, so there is no way to tell whose site it is."
            ),
            Refusal::NoHost => "The link names no site.".into(),
            Refusal::NoSiteName(host) => format!(
                "The link goes to {host}, which is not a site name anyone can own (a top-level ending or a single local name)."
            ),
        }
    }
}

/// Shows a character as its code point, since the point is that it cannot be seen.
fn describe_char(c: char) -> String {
    match c {
        '\t' => "a tab".into(),
        '\n' => "a line break".into(),
        '\r' => "a carriage return".into(),
        ' ' => "a space".into(),
        _ => format!("U+{:04X}", c as u32),
    }
}

/// Zero-width, direction-override and other format characters that do not show but change
/// how a link reads (U+202E turns `moc.evil` into what looks like `live.com`).
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFFB}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// Schemes that run code or open local or inline content; named so the reason can say so.
const SCRIPT_SCHEMES: &[&str] = &[
    "javascript",
    "vbscript",
    "data",
    "file",
    "blob",
    "filesystem",
    "about",
    "view-source",
];

/// The scheme as written (before the first ':'), lowercase, if it looks like one.
fn written_scheme(link: &str) -> Option<String> {
    let (scheme, _) = link.split_once(':')?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    if first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        Some(scheme.to_ascii_lowercase())
    } else {
        None
    }
}

/// The authority as written: after `scheme:` and any slashes, up to the path, query or fragment.
fn written_authority(link: &str) -> &str {
    let rest = link.split_once(':').map_or(link, |(_, r)| r);
    let rest = rest.trim_start_matches('/');
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    &rest[..end]
}

/// Finds `%XX` escapes of control characters (NUL, CR, LF, DEL…) anywhere in the link.
fn encoded_control(link: &str) -> Option<String> {
    let bytes = link.as_bytes();
    (0..bytes.len().saturating_sub(2)).find_map(|i| {
        if bytes[i] != b'%' {
            return None;
        }
        let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
        let value = u8::from_str_radix(hex, 16).ok()?;
        (value < 0x20 || value == 0x7f).then(|| format!("%{}", hex.to_ascii_uppercase()))
    })
}

/// Applies every refusal rule and returns the normalized link, or the first reason to refuse.
pub(crate) fn parse(link: &str) -> Result<ParsedLink, Refusal> {
    if link.len() > MAX_LINK_LEN {
        return Err(Refusal::TooLong(link.len()));
    }
    // Spaces and line breaks around a pasted link are harmless copy-paste leftovers (the URL
    // parser drops them too); inside the link they are refused below.
    let link = link.trim_matches([' ', '\t', '\n', '\r']);
    if link.is_empty() {
        return Err(Refusal::Empty);
    }
    for c in link.chars() {
        if c.is_control() {
            return Err(Refusal::ControlCharacter(c));
        }
        if c.is_whitespace() {
            return Err(Refusal::Whitespace(c));
        }
        if is_invisible(c) {
            return Err(Refusal::InvisibleCharacter(c));
        }
        if c == '\\' {
            return Err(Refusal::Backslash);
        }
    }
    if let Some(scheme) = written_scheme(link) {
        if SCRIPT_SCHEMES.contains(&scheme.as_str()) {
            return Err(Refusal::Script(scheme));
        }
    }
    if let Some(code) = encoded_control(link) {
        return Err(Refusal::EncodedControl(code));
    }
    let url = Url::parse(link).map_err(|e| Refusal::Unparseable(e.to_string()))?;
    let scheme = url.scheme().to_owned();
    if SCRIPT_SCHEMES.contains(&scheme.as_str()) {
        return Err(Refusal::Script(scheme));
    }
    if scheme != "https" && scheme != "http" {
        return Err(Refusal::Scheme(scheme));
    }
    if !url.username().is_empty()
        || url.password().is_some()
        || written_authority(link).contains('@')
    {
        return Err(Refusal::UserInfo);
    }
    let host = match url.host() {
        None => return Err(Refusal::NoHost),
        Some(Host::Ipv4(ip)) => return Err(Refusal::IpAddress(ip.to_string())),
        Some(Host::Ipv6(ip)) => return Err(Refusal::IpAddress(ip.to_string())),
        Some(Host::Domain(d)) => d.trim_end_matches('.').to_ascii_lowercase(),
    };
    if host.is_empty() {
        return Err(Refusal::NoHost);
    }
    if scheme == "http" && host != "localhost" {
        return Err(Refusal::PlainHttp(host));
    }
    if host != "localhost" && crate::site::registrable_domain(&host).is_none() {
        return Err(Refusal::NoSiteName(host));
    }
    // Normalizing percent-encodes and punycodes, which can make a link several times longer;
    // the limit holds for what opens too, so checking the opened URL again gives the same answer.
    if url.as_str().len() > MAX_LINK_LEN {
        return Err(Refusal::TooLong(url.as_str().len()));
    }
    Ok(ParsedLink {
        normalized: url.as_str().to_owned(),
        url,
        host,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(link: &str) -> Refusal {
        parse(link).expect_err(link)
    }

    #[test]
    fn normal_https_link_is_normalized() {
        let p = parse("  HTTPS://Bank.Example/link/AbC?x=1#f\n").unwrap();
        assert_eq!(p.normalized, "https://bank.example/link/AbC?x=1#f");
        assert_eq!(p.host, "bank.example");
    }

    #[test]
    fn localhost_http_allowed_other_http_refused() {
        assert_eq!(
            parse("http://localhost:8787/link/x").unwrap().host,
            "localhost"
        );
        assert_eq!(
            refused("http://example.com/"),
            Refusal::PlainHttp("example.com".into())
        );
        assert!(matches!(
            refused("http://localhost.evil.example/"),
            Refusal::PlainHttp(_)
        ));
    }

    #[test]
    fn scripts_and_schemes() {
        assert_eq!(
            refused("javascript:alert(1)"),
            Refusal::Script("javascript".into())
        );
        assert_eq!(
            refused("JaVaScRiPt:alert(1)"),
            Refusal::Script("javascript".into())
        );
        assert_eq!(refused("data:text/html,hi"), Refusal::Script("data".into()));
        assert_eq!(
            refused("file:///etc/passwd"),
            Refusal::Script("file".into())
        );
        assert_eq!(
            refused("ftp://bank.example/"),
            Refusal::Scheme("ftp".into())
        );
        assert!(matches!(
            refused("bank.example/link"),
            Refusal::Unparseable(_)
        ));
    }

    #[test]
    fn hidden_characters() {
        assert_eq!(
            refused("java\tscript:alert(1)"),
            Refusal::ControlCharacter('\t')
        );
        assert_eq!(
            refused("https://bank.exa\nmple/"),
            Refusal::ControlCharacter('\n')
        );
        assert_eq!(
            refused("https://bank.example/a b"),
            Refusal::Whitespace(' ')
        );
        assert_eq!(
            refused("https://bank.example\u{202E}/"),
            Refusal::InvisibleCharacter('\u{202E}')
        );
        assert_eq!(
            refused("https://bank.example/%0aSet-Cookie"),
            Refusal::EncodedControl("%0A".into())
        );
    }

    #[test]
    fn user_info_backslash_ip() {
        assert_eq!(
            refused("https://bank.example@evil.example/"),
            Refusal::UserInfo
        );
        assert_eq!(refused("https://@evil.example/"), Refusal::UserInfo);
        assert_eq!(
            refused("https://evil.example\\@bank.example"),
            Refusal::Backslash
        );
        assert_eq!(
            refused("https://2130706433/"),
            Refusal::IpAddress("127.0.0.1".into())
        );
        assert!(matches!(refused("https://[::1]/"), Refusal::IpAddress(_)));
    }

    #[test]
    fn no_site_name_and_length() {
        assert!(matches!(refused("https://com/"), Refusal::NoSiteName(_)));
        assert!(matches!(
            refused("https://intranet/"),
            Refusal::NoSiteName(_)
        ));
        let long = format!("https://bank.example/{}", "a".repeat(MAX_LINK_LEN));
        assert!(matches!(refused(&long), Refusal::TooLong(_)));
        assert_eq!(refused(" \n"), Refusal::Empty);
        // Short enough as typed, too long once percent-encoded: refused, not opened.
        let wide = format!("https://bank.example/{}", "\u{4f8b}".repeat(1300));
        assert!(wide.len() <= MAX_LINK_LEN);
        assert!(matches!(refused(&wide), Refusal::TooLong(n) if n > MAX_LINK_LEN));
    }

    #[test]
    fn every_refusal_has_words() {
        for r in [
            Refusal::Empty,
            Refusal::TooLong(9000),
            Refusal::Backslash,
            Refusal::UserInfo,
            Refusal::NoHost,
        ] {
            assert!(r.reason().len() > 10);
        }
    }
}
