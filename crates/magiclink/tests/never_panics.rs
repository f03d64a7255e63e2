//! Property test: `check` never panics and its reports keep their promises, for links built
//! at random from the pieces tricks are made of (proptest is not in the workspace, so a seeded
//! generator does the work; the fuzz target `magic_link` goes further).

use std::time::{Duration, UNIX_EPOCH};

use latchkey_magiclink::{check, KnownSites, LinkFingerprint, Verdict};

/// Pieces that exercise every rule: schemes, separators, escapes, homographs, invisible and
/// combining characters, IP forms, expiry parameters and JWT-shaped values.
const PIECES: &[&str] = &[
    "https://",
    "http://",
    "HTTPS://",
    "javascript:",
    "data:",
    "file://",
    "https:",
    "//",
    "/",
    "\\",
    "@",
    ":",
    "?",
    "#",
    "&",
    "=",
    ".",
    "-",
    "%",
    "%0a",
    "%00",
    "%2e",
    "%40",
    "%5c",
    "%ff",
    "localhost",
    "bank.example",
    "example.com",
    "paypal.com",
    "evil.net",
    "login",
    "secure",
    "xn--",
    "xn--pypal-4ve",
    "xn--zz",
    "а",
    "е",
    "ӏ",
    "о",
    "ß",
    "ﬀ",
    "例",
    "\u{301}",
    "\u{202e}",
    "\u{200b}",
    "\u{feff}",
    " ",
    "\t",
    "\n",
    "[",
    "]",
    "::1",
    "127.0.0.1",
    "0x7f",
    "0177",
    "2130706433",
    "exp=",
    "expires=",
    "1795685400",
    "1795685400000",
    "-1",
    "99999999999999999999",
    "2020-01-01T00:00:00Z",
    "eyJhbGciOiJIUzI1NiJ9",
    "eyJleHAiOjE3MDAwMDAwMDB9",
    "eyJleHAiOiJ4In0",
    ":8787",
    ":99999",
    "..",
    "a",
    "0",
    "_",
    "~",
    "'",
    "\"",
    "<",
    ">",
    "é",
    "ı",
    "K",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*: deterministic, so a failure names its seed and replays.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const SCHEMES: &[&str] = &[
    "https://",
    "https://",
    "https://",
    "http://",
    "HTTPS://",
    "javascript:",
    "https:",
];
const LABELS: &[&str] = &[
    "bank",
    "example",
    "com",
    "paypal",
    "login",
    "evil",
    "net",
    "localhost",
    "xn--pypal-4ve",
    "p\u{430}ypal",
    "\u{430}\u{440}\u{440}\u{4cf}\u{435}",
    "examp1e",
    "secure-example",
    "bank-example",
    "co",
    "uk",
    "例え",
    "jp",
    "127",
    "0",
    "b\u{fc}cher",
    "my",
];
const VALUES: &[&str] = &[
    "1795685400",
    "1700000000",
    "1795685400000",
    "600",
    "0",
    "-5",
    "2020-01-01T00:00:00Z",
    "2030-01-01T00:00:00+02:00",
    "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjE3MDAwMDAwMDB9.c2ln",
    "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjQxMDI0NDQ4MDB9.c2ln",
    "eyJhbGciOiJIUzI1NiJ9.bm9wZQ.",
    "x",
];

/// A link shaped like a real one (scheme, host of known-ish labels, path, expiry-ish query),
/// sometimes with a random piece spliced in: most of these get past the refusal rules.
fn shaped_link(rng: &mut Rng) -> String {
    let mut s = SCHEMES[rng.below(SCHEMES.len())].to_owned();
    let labels = 1 + rng.below(4);
    for i in 0..labels {
        if i > 0 {
            s.push(if rng.below(5) == 0 { '-' } else { '.' });
        }
        s.push_str(LABELS[rng.below(LABELS.len())]);
    }
    if rng.below(4) == 0 {
        s.push_str(":8787");
    }
    s.push_str("/link/");
    if rng.below(2) == 0 {
        s.push_str(VALUES[rng.below(VALUES.len())]);
    }
    if rng.below(2) == 0 {
        let name = ["exp", "expires", "token", "Expiry", "t"][rng.below(5)];
        s.push_str(&format!("?{name}={}", VALUES[rng.below(VALUES.len())]));
    }
    if rng.below(40) == 0 {
        // Near the length limit, where percent-encoding can push the opened URL past it.
        let piece = ["例", "a", "%41", "é"][rng.below(4)];
        s.push_str(&piece.repeat(900 + rng.below(600)));
    }
    if rng.below(4) == 0 {
        let at = rng.below(s.len() + 1);
        if s.is_char_boundary(at) {
            s.insert_str(at, PIECES[rng.below(PIECES.len())]);
        }
    }
    s
}

fn random_link(rng: &mut Rng) -> String {
    if rng.below(2) == 0 {
        return shaped_link(rng);
    }
    let mut s = String::new();
    for _ in 0..rng.below(24) {
        if rng.below(6) == 0 {
            // Any scalar value at all, now and then.
            let c = char::from_u32(rng.next() as u32 % 0x11_0000).unwrap_or('\u{fffd}');
            s.push(c);
        } else {
            s.push_str(PIECES[rng.below(PIECES.len())]);
        }
    }
    s
}

/// The first 120 characters, so a failure message stays readable.
fn short(s: &str) -> String {
    s.chars().take(120).collect()
}

#[test]
fn check_never_panics_and_keeps_its_promises() {
    let known = KnownSites::new(["bank.example", "example.com", "paypal.com", "localhost"]);
    let key = [9u8; 32];
    let now = UNIX_EPOCH + Duration::from_secs(1_795_685_400);
    let seen_none = |_: &LinkFingerprint| false;
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let mut verdicts = std::collections::HashMap::new();
    for i in 0..20_000 {
        let link = random_link(&mut rng);
        let report = check(&link, &known, &key, &seen_none, now);
        let link = short(&link);
        assert!(!report.reasons.is_empty(), "#{i} {link:?}");
        assert_eq!(
            report.verdict == Verdict::Refused,
            report.url.is_none(),
            "#{i} {link:?}"
        );
        assert_eq!(
            report.verdict == Verdict::Refused,
            report.site.is_none(),
            "#{i} {link:?}"
        );
        if let Some(url) = &report.url {
            // What opens is what was checked: the normalized URL judges the same.
            let again = check(url, &known, &key, &seen_none, now);
            assert_eq!(
                again.verdict,
                report.verdict,
                "#{i} {link:?} -> {:?}",
                short(url)
            );
            assert_eq!(again.url.as_deref(), Some(url.as_str()), "#{i} {link:?}");
            // And it is something a browser opens as a web address.
            assert!(
                url.starts_with("https://") || url.starts_with("http://localhost"),
                "{url:?}"
            );
        }
        *verdicts
            .entry(format!("{:?}", report.verdict))
            .or_insert(0u32) += 1;
    }
    // The generator must reach past the refusal rules, or the test proves little.
    for v in ["Refused", "Trusted", "UnknownSite", "Lookalike", "Expired"] {
        // (AlreadyUsed needs a seen link; the table covers it.)
        assert!(
            verdicts.get(v).copied().unwrap_or(0) > 0,
            "{v} never produced: {verdicts:?}"
        );
    }
}
