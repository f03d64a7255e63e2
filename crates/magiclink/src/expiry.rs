//! Readable expiry in a link: an `exp` claim in a JWT-shaped value, or an `exp` / `expires`
//! style parameter.
//!
//! Only the link's own claim is read; the site stays the judge (a link that says nothing may
//! still be expired). Numbers are read carefully, because getting the unit wrong turns "expired"
//! into "valid for 50 000 years" or the reverse: 10-11 digits are Unix seconds, 13-14 digits
//! Unix milliseconds, anything else (a duration like `expires_in=600`, 0, negative, huge) is not
//! a readable time and is ignored.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use url::Url;

/// Parameter names that hold an absolute expiry time.
const EXPIRY_PARAMS: &[&str] = &[
    "exp",
    "expires",
    "expire",
    "expiry",
    "expires_at",
    "expiresat",
    "expires-at",
    "expiration",
    "expiration_time",
    "valid_until",
];

/// The earliest readable expiry and where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Expiry {
    pub at: SystemTime,
    /// Where it was read, for the reason ("the exp parameter", "the token's exp claim").
    pub source: String,
}

/// Finds the earliest expiry the link states in its query, fragment or path.
pub(crate) fn find_expiry(url: &Url) -> Option<Expiry> {
    let mut found: Vec<Expiry> = Vec::new();
    let mut consider = |name: &str, value: &str| {
        let lower = name.to_ascii_lowercase();
        if EXPIRY_PARAMS.contains(&lower.as_str()) {
            if let Some(at) = parse_time(value) {
                found.push(Expiry {
                    at,
                    source: format!("its \"{name}\" parameter"),
                });
            }
        }
        if let Some(at) = jwt_exp(value) {
            let what = if name.is_empty() {
                "the token in its address".to_owned()
            } else {
                format!("the token in its \"{name}\" parameter")
            };
            found.push(Expiry { at, source: what });
        }
    };
    for (name, value) in url.query_pairs() {
        consider(&name, &value);
    }
    if let Some(fragment) = url.fragment() {
        if fragment.contains('=') {
            for (name, value) in url::form_urlencoded::parse(fragment.as_bytes()) {
                consider(&name, &value);
            }
        } else {
            consider("", fragment);
        }
    }
    if let Some(segments) = url.path_segments() {
        for segment in segments {
            consider("", segment);
        }
    }
    found.into_iter().min_by_key(|e| e.at)
}

/// Reads an absolute time: Unix seconds, Unix milliseconds, or an RFC 3339 date-time.
pub(crate) fn parse_time(value: &str) -> Option<SystemTime> {
    let value = value.trim();
    if let Ok(n) = value.parse::<i64>() {
        return from_unix_number(n as f64);
    }
    if value.contains('.') && value.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        if let Ok(f) = value.parse::<f64>() {
            return from_unix_number(f);
        }
    }
    parse_rfc3339(value)
}

/// Seconds for 1e9..1e11 (2001..5138), milliseconds for 1e12..1e14 (2001..5138); else unreadable.
fn from_unix_number(n: f64) -> Option<SystemTime> {
    let secs = if (1e9..1e11).contains(&n) {
        n
    } else if (1e12..1e14).contains(&n) {
        n / 1000.0
    } else {
        return None;
    };
    UNIX_EPOCH.checked_add(Duration::from_secs_f64(secs))
}

/// `exp` from the payload of a value shaped like a JWT (`header.payload.signature`, base64url,
/// the header a JSON object with `alg`). NumericDate is seconds; a milliseconds value (a common
/// mistake) is read as such by the same rule as parameters.
fn jwt_exp(value: &str) -> Option<SystemTime> {
    let mut parts = value.split('.');
    let (header, payload, signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || header.is_empty() || payload.is_empty() {
        return None;
    }
    let b64 = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if !b64(header) || !b64(payload) || !b64(signature) {
        return None;
    }
    let header: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
    header.get("alg")?;
    let payload: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    let exp = payload.get("exp")?;
    let n = exp.as_f64().or_else(|| exp.as_str()?.parse().ok())?;
    from_unix_number(n)
}

/// `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`, the date-time form some links carry.
fn parse_rfc3339(s: &str) -> Option<SystemTime> {
    let b = s.as_bytes();
    if b.len() < 20 || !s.is_ascii() {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<i64> {
        let part = s.get(from..to)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    if b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hour, minute, second) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 && matches!(&rest[0..1], "+" | "-") && &rest[3..4] == ":" => {
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            sign * (num_in(rest, 1, 3)? * 3600 + num_in(rest, 4, 6)? * 60)
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset;
    from_unix_number(secs as f64)
}

fn num_in(s: &str, from: usize, to: usize) -> Option<i64> {
    let part = s.get(from..to)?;
    part.bytes()
        .all(|c| c.is_ascii_digit())
        .then(|| part.parse().ok())?
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01 (inverse of [`days_from_civil`]).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `2026-11-26 09:30 UTC`, for reasons.
pub(crate) fn format_utc(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60
    )
}

/// "12 minutes", "3 hours", "2 days": how far apart two times are, roughly.
pub(crate) fn format_span(a: SystemTime, b: SystemTime) -> String {
    let secs = match a.duration_since(b) {
        Ok(d) => d.as_secs(),
        Err(e) => e.duration().as_secs(),
    };
    let (n, unit) = match secs {
        0..=119 => (secs, "second"),
        120..=7199 => (secs / 60, "minute"),
        7200..=172_799 => (secs / 3600, "hour"),
        _ => (secs / 86_400, "day"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn jwt(payload: &str) -> String {
        format!(
            "{}.{}.c2ln",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(payload)
        )
    }

    #[test]
    fn seconds_milliseconds_and_durations() {
        assert_eq!(parse_time("1764149400"), Some(at(1_764_149_400)));
        assert_eq!(parse_time("1764149400000"), Some(at(1_764_149_400)));
        assert_eq!(
            parse_time("1764149400.5").map(|t| t > at(1_764_149_400)),
            Some(true)
        );
        assert_eq!(parse_time("600"), None, "a duration is not a time");
        assert_eq!(parse_time("0"), None);
        assert_eq!(parse_time("-1764149400"), None);
        assert_eq!(
            parse_time("176414940000"),
            None,
            "12 digits: neither unit is plausible"
        );
        assert_eq!(parse_time("99999999999999999999999"), None);
        assert_eq!(parse_time("soon"), None);
    }

    #[test]
    fn rfc3339() {
        assert_eq!(parse_time("2025-11-26T09:30:00Z"), Some(at(1_764_149_400)));
        assert_eq!(
            parse_time("2025-11-26T10:30:00+01:00"),
            Some(at(1_764_149_400))
        );
        assert_eq!(
            parse_time("2025-11-26T09:30:00.250Z").map(|t| t >= at(1_764_149_400)),
            Some(true)
        );
        assert_eq!(parse_time("2025-13-26T09:30:00Z"), None);
        assert_eq!(
            parse_time("2025-11-26T09:30:00"),
            None,
            "no zone: unreadable"
        );
    }

    #[test]
    fn finds_params_jwts_and_the_earliest() {
        let url = Url::parse("https://bank.example/l?Expires=1764149400&x=1").unwrap();
        let e = find_expiry(&url).unwrap();
        assert_eq!(e.at, at(1_764_149_400));
        assert!(e.source.contains("Expires"));

        let token = jwt(r#"{"sub":"alice","exp":1764149400}"#);
        let url = Url::parse(&format!("https://bank.example/l?token={token}")).unwrap();
        assert_eq!(find_expiry(&url).unwrap().at, at(1_764_149_400));
        let url = Url::parse(&format!("https://bank.example/link/{token}")).unwrap();
        assert_eq!(find_expiry(&url).unwrap().at, at(1_764_149_400));
        let url = Url::parse(&format!("https://bank.example/l#t={token}")).unwrap();
        assert_eq!(find_expiry(&url).unwrap().at, at(1_764_149_400));

        let url = Url::parse("https://bank.example/l?exp=1764149400&expires=1700000000").unwrap();
        assert_eq!(find_expiry(&url).unwrap().at, at(1_700_000_000));
    }

    #[test]
    fn ignores_what_is_not_a_readable_expiry() {
        for link in [
            "https://bank.example/link/abc",
            "https://bank.example/l?expires_in=600",
            "https://bank.example/l?token=a.b.c",
            "https://bank.example/l?exp=tomorrow",
        ] {
            assert_eq!(find_expiry(&Url::parse(link).unwrap()), None, "{link}");
        }
        // JWT-shaped but the header is not a JWT header.
        let fake = format!(
            "{}.{}.x",
            URL_SAFE_NO_PAD.encode("{}"),
            URL_SAFE_NO_PAD.encode(r#"{"exp":1764149400}"#)
        );
        let url = Url::parse(&format!("https://bank.example/l?t={fake}")).unwrap();
        assert_eq!(find_expiry(&url), None);
    }

    #[test]
    fn formatting() {
        assert_eq!(format_utc(at(1_764_149_400)), "2025-11-26 09:30 UTC");
        assert_eq!(format_utc(at(0)), "1970-01-01 00:00 UTC");
        assert_eq!(format_span(at(1000), at(1000 + 12 * 60)), "12 minutes");
        assert_eq!(format_span(at(90_000), at(0)), "25 hours");
        assert_eq!(format_span(at(1), at(0)), "1 second");
    }
}
