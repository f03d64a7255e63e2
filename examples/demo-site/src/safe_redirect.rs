//! Where to go after a link sign-in: `next=` is followed only to this site's own paths, so a
//! link cannot be turned into an open redirect (`//evil.example`, `/\evil.example`,
//! `https://evil.example`, `/%2F%2Fevil.example`, …).

use url::Url;

/// Where a link sign-in lands when `next` is missing or refused.
pub const DEFAULT_NEXT: &str = "/account";

/// `next` as a path on `origin`, or [`DEFAULT_NEXT`] when it could leave the site.
pub fn safe_next(origin: &str, next: Option<&str>) -> String {
    let Some(next) = next.filter(|n| n.len() <= 2048) else {
        return DEFAULT_NEXT.to_string();
    };
    // Check the text as sent and once percent-decoded: some servers and proxies decode
    // before routing, and a browser may too.
    let decoded = percent_decode(next);
    if !looks_local(next) || !looks_local(&decoded) {
        return DEFAULT_NEXT.to_string();
    }
    let Ok(base) = Url::parse(origin) else {
        return DEFAULT_NEXT.to_string();
    };
    match base.join(next) {
        Ok(u) if u.origin() == base.origin() => {
            let mut path = u.path().to_string();
            if let Some(q) = u.query() {
                path.push('?');
                path.push_str(q);
            }
            path
        }
        _ => DEFAULT_NEXT.to_string(),
    }
}

/// A path starting with one slash, with no backslash, control character or whitespace.
fn looks_local(s: &str) -> bool {
    s.starts_with('/')
        && !s.starts_with("//")
        && !s.contains('\\')
        && !s.chars().any(|c| c.is_control() || c.is_whitespace())
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    const O: &str = "http://localhost:8787";

    #[test]
    fn only_own_paths_are_followed() {
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "https://evil.example",
            "/%2F%2Fevil.example",
            "/%2f/evil.example",
            "/%5Cevil.example",
            "%2F%2Fevil.example",
            "http:evil.example",
            "javascript:alert(1)",
            "/\tevil",
            " /account",
            "",
        ] {
            assert_eq!(safe_next(O, Some(bad)), DEFAULT_NEXT, "{bad:?}");
        }
        assert_eq!(safe_next(O, None), DEFAULT_NEXT);
        assert_eq!(safe_next(O, Some("/account?tab=keys")), "/account?tab=keys");
        assert_eq!(safe_next(O, Some("/")), "/");
        assert_eq!(safe_next(O, Some("/a/../account")), "/account");
    }
}
