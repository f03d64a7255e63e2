//! The demo site's sign-in links against a real server on a free port: the token rules
//! (single use, expiry, newest only, one winner of two concurrent uses, only a hash kept), the
//! browser binding, the same answer for unknown addresses, rate limits, no open redirect, and
//! the mail in the outbox read back with a mail parser.

mod soft_passkey;

use std::path::PathBuf;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use latchkey_demo_site::{Limit, Options, Site};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use soft_passkey::SoftPasskey;

struct TestSite {
    port: u16,
    site: Site,
    outbox: tempfile::TempDir,
}

const LOOSE: Limit = Limit {
    max: 10_000,
    window: Duration::from_secs(600),
};

/// A site on a free port with its own outbox; `tune` adjusts the options (by default the
/// rate limits are loose and the answer floor short, so tests can ask for many links).
fn start(tune: impl FnOnce(&mut Options)) -> TestSite {
    let outbox = tempfile::tempdir().unwrap();
    let mut options = Options {
        outbox: outbox.path().to_path_buf(),
        per_address: LOOSE,
        per_client: LOOSE,
        response_floor: Duration::from_millis(5),
        ..Options::default()
    };
    tune(&mut options);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind(("127.0.0.1", 0)))
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    let site = Site::new(port, options).unwrap();
    let serving = site.clone();
    std::thread::spawn(move || rt.block_on(serving.serve(listener)).unwrap());
    TestSite { port, site, outbox }
}

struct Res {
    status: u16,
    body: String,
    location: Option<String>,
    referrer_policy: Option<String>,
}

impl Res {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// One browser: keeps its session cookie, does not follow redirects.
struct Browser {
    base: String,
    agent: ureq::Agent,
    cookie: Option<String>,
}

impl Browser {
    fn new(site: &TestSite) -> Self {
        Browser {
            base: format!("http://127.0.0.1:{}", site.port),
            agent: ureq::AgentBuilder::new().redirects(0).build(),
            cookie: None,
        }
    }

    fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Result<Value, &[(&str, &str)]>>,
    ) -> Res {
        let mut req = self.agent.request(method, &format!("{}{path}", self.base));
        if let Some(c) = &self.cookie {
            req = req.set("Cookie", c);
        }
        for (k, v) in headers {
            req = req.set(k, v);
        }
        let res = match body {
            None => req.call(),
            Some(Ok(j)) => req.send_json(j),
            Some(Err(form)) => req.send_form(form),
        };
        let res = match res {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{method} {path}: {e}"),
        };
        if let Some(set) = res.header("set-cookie") {
            self.cookie = Some(set.split(';').next().unwrap().to_string());
        }
        Res {
            status: res.status(),
            location: res.header("location").map(str::to_string),
            referrer_policy: res.header("referrer-policy").map(str::to_string),
            body: res.into_string().unwrap(),
        }
    }

    fn get(&mut self, path: &str) -> Res {
        self.send("GET", path, &[], None)
    }

    fn post_json(&mut self, path: &str, body: Value) -> Res {
        self.send("POST", path, &[], Some(Ok(body)))
    }

    fn post_form(&mut self, path: &str, form: &[(&str, &str)]) -> Res {
        self.send("POST", path, &[], Some(Err(form)))
    }

    fn me(&mut self) -> (u16, Value) {
        let r = self.get("/api/me");
        (r.status, r.json())
    }

    fn ask_link(&mut self, email: &str) -> Res {
        self.post_json("/api/link/request", json!({ "email": email }))
    }
}

/// Signs `name` up with `email` in `b` with a new software passkey.
fn sign_up(site: &TestSite, b: &mut Browser, name: &str, email: &str) -> SoftPasskey {
    let r = b.post_json(
        "/api/register/start",
        json!({ "username": name, "email": email }),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let (pk, response) = SoftPasskey::create(&r.json(), &latchkey_demo_site::origin(site.port));
    let r = b.post_json("/api/register/finish", response);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["email"], email);
    pk
}

fn emls(site: &TestSite) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(site.outbox.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    v.sort();
    v
}

/// Waits for the outbox to hold `n` messages (they are written in the background).
fn wait_for_mail(site: &TestSite, n: usize) -> Vec<PathBuf> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let v = emls(site);
        if v.len() >= n {
            assert_eq!(v.len(), n, "more mail than asked for: {v:?}");
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "no mail {n} in {:?}",
            site.outbox.path()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The sign-in link of the message at `path`, read through a mail parser: the one line of the
/// plain-text body that is the link.
fn link_in(site: &TestSite, path: &PathBuf) -> String {
    let raw = std::fs::read(path).unwrap();
    let mail = mailparse::parse_mail(&raw).unwrap();
    let body = mail.get_body().unwrap();
    let prefix = format!("{}/link/", latchkey_demo_site::origin(site.port));
    let links: Vec<&str> = body
        .lines()
        .filter(|l| l.trim_end().starts_with(&prefix))
        .collect();
    assert_eq!(links.len(), 1, "one line holding the link: {body}");
    links[0].trim_end().to_string()
}

/// "/link/<token>" for a full link.
fn path_of(link: &str) -> String {
    link[link.find("/link/").unwrap()..].to_string()
}

/// Asks for a link for `email` in `b` and returns the link of the message that arrives.
fn mailed_link(site: &TestSite, b: &mut Browser, email: &str) -> String {
    let before = emls(site);
    let r = b.ask_link(email);
    assert_eq!(r.status, 200, "{}", r.body);
    let new = wait_for_mail(site, before.len() + 1)
        .into_iter()
        .find(|p| !before.contains(p))
        .unwrap();
    link_in(site, &new)
}

/// The same, as the path to request.
fn mailed_path(site: &TestSite, b: &mut Browser, email: &str) -> String {
    path_of(&mailed_link(site, b, email))
}

#[test]
fn the_mail_is_a_proper_message_with_the_link_on_its_own_line() {
    let site = start(|_| {});
    let mut phone = Browser::new(&site);
    sign_up(&site, &mut phone, "alice", "alice@example.com");
    let mut b = Browser::new(&site);
    assert_eq!(b.ask_link("  Alice@Example.COM ").status, 200);
    let path = &wait_for_mail(&site, 1)[0];
    let raw = std::fs::read(path).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the .eml is readable by its owner only");
    }
    let mail = mailparse::parse_mail(&raw).unwrap();
    let h = |n: &str| {
        mailparse::MailHeaderMap::get_first_value(&mail.headers[..], n)
            .unwrap_or_else(|| panic!("no {n} header"))
    };
    assert_eq!(h("To"), "alice@example.com");
    assert!(h("From").contains("no-reply@localhost"), "{}", h("From"));
    assert!(h("Subject").contains("sign-in link"));
    assert!(mailparse::dateparse(&h("Date")).is_ok(), "{}", h("Date"));
    assert!(h("Message-ID").starts_with('<'));
    assert!(h("Content-Type").starts_with("text/plain"));
    let link = link_in(&site, path);
    let token = link.rsplit('/').next().unwrap();
    assert_eq!(B64.decode(token).unwrap().len(), 32, "{token}");
    assert!(
        link.starts_with(&format!("http://localhost:{}/link/", site.port)),
        "built from the configured origin, not the Host header (127.0.0.1): {link}"
    );
    // A second message gets a file of its own.
    assert_eq!(b.ask_link("alice@example.com").status, 200);
    wait_for_mail(&site, 2);
}

#[test]
fn a_link_signs_in_once_then_a_passkey_made_on_this_device_signs_in_without_one() {
    let site = start(|_| {});
    let mut phone = Browser::new(&site);
    sign_up(&site, &mut phone, "alice", "alice@example.com");

    let mut pc = Browser::new(&site);
    let path = mailed_path(&site, &mut pc, "alice@example.com");
    // Opening the link (twice, like a mail scanner and then the person) spends nothing.
    for _ in 0..2 {
        let r = pc.get(&path);
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(
            r.body.contains("Sign in to Latchkey demo site as alice?"),
            "{}",
            r.body
        );
        assert!(r.body.contains("id=\"link-confirm\""), "{}", r.body);
        assert!(!r.body.contains("link-confirm-other-browser"), "{}", r.body);
        assert_eq!(pc.me().0, 401, "a GET signs nobody in");
    }
    let r = pc.post_form(&path, &[]);
    assert_eq!(
        (r.status, r.location.as_deref()),
        (303, Some("/account")),
        "{}",
        r.body
    );
    let (s, me) = pc.me();
    assert_eq!((s, &me["username"]), (200, &json!("alice")));
    assert_eq!(
        me["signedInByLink"], true,
        "the account page offers a passkey"
    );

    // Spent: neither the page nor the POST works again, in this browser or another.
    assert_eq!(pc.get(&path).status, 410);
    assert_eq!(pc.post_form(&path, &[]).status, 410);
    let mut other = Browser::new(&site);
    assert_eq!(
        other.post_form(&path, &[("other_browser", "yes")]).status,
        410
    );
    assert_eq!(other.me().0, 401);

    // "Create a passkey on this device", then a passkey sign-in with no link.
    let r = pc.post_json("/api/register/start", json!({}));
    assert_eq!(r.status, 200, "{}", r.body);
    let (mut here, response) =
        SoftPasskey::create(&r.json(), &latchkey_demo_site::origin(site.port));
    let r = pc.post_json("/api/register/finish", response);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["passkeys"].as_array().unwrap().len(), 2);
    assert_eq!(pc.me().1["signedInByLink"], false);

    let mut later = Browser::new(&site);
    let r = later.post_json("/api/login/start", json!({}));
    let r = later.post_json("/api/login/finish", here.get(&r.json()));
    assert_eq!(r.status, 200, "{}", r.body);
    let (s, me) = later.me();
    assert_eq!((s, &me["username"]), (200, &json!("alice")));
    assert_eq!(me["signedInByLink"], false);
    assert_eq!(emls(&site).len(), 1, "no link was needed");
}

#[test]
fn an_expired_link_is_refused() {
    let site = start(|o| o.link_ttl = Duration::from_secs(1));
    let mut phone = Browser::new(&site);
    sign_up(&site, &mut phone, "alice", "alice@example.com");
    let mut b = Browser::new(&site);
    let path = mailed_path(&site, &mut b, "alice@example.com");
    assert_eq!(b.get(&path).status, 200);
    std::thread::sleep(Duration::from_millis(1300));
    let r = b.get(&path);
    assert_eq!(r.status, 410, "{}", r.body);
    assert!(r.body.contains("expired"), "{}", r.body);
    assert_eq!(b.post_form(&path, &[]).status, 410);
    assert_eq!(b.me().0, 401);
}

#[test]
fn only_the_newest_link_of_an_address_works() {
    let site = start(|_| {});
    let mut phone = Browser::new(&site);
    sign_up(&site, &mut phone, "alice", "alice@example.com");
    let mut b = Browser::new(&site);
    let first = mailed_path(&site, &mut b, "alice@example.com");
    let second = mailed_path(&site, &mut b, "alice@example.com");
    assert_ne!(first, second);
    assert_eq!(b.get(&first).status, 410);
    assert_eq!(b.post_form(&first, &[]).status, 410);
    assert_eq!(b.me().0, 401);
    assert_eq!(b.post_form(&second, &[]).status, 303);
    assert_eq!(b.me().0, 200);
}

#[test]
fn of_two_concurrent_uses_exactly_one_wins() {
    let site = start(|_| {});
    let mut phone = Browser::new(&site);
    sign_up(&site, &mut phone, "alice", "alice@example.com");
    for round in 1..=40 {
        let mut b = Browser::new(&site);
        let path = mailed_path(&site, &mut b, "alice@example.com");
        let barrier = Arc::new(Barrier::new(2));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let barrier = barrier.clone();
                let (path, base, cookie) = (path.clone(), b.base.clone(), b.cookie.clone());
                std::thread::spawn(move || {
                    let mut twin = Browser {
                        base,
                        agent: ureq::AgentBuilder::new().redirects(0).build(),
                        cookie,
                    };
                    barrier.wait();
                    twin.post_form(&path, &[]).status
                })
            })
            .collect();
        let mut statuses: Vec<u16> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        statuses.sort();
        assert_eq!(statuses, [303, 410], "round {round}");
    }
}

#[test]
fn another_browser_must_confirm_and_sees_where_and_when_the_link_was_asked_for() {
    let site = start(|_| {});
    let mut phone = Browser::new(&site);
    sign_up(&site, &mut phone, "alice", "alice@example.com");
    let mut asker = Browser::new(&site);
    let path = mailed_path(&site, &mut asker, "alice@example.com");

    let mut other = Browser::new(&site);
    let r = other.get(&path);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        other.cookie.is_none(),
        "opening the page creates no session"
    );
    assert!(
        r.body.contains("id=\"link-confirm-other-browser\""),
        "{}",
        r.body
    );
    assert!(!r.body.contains("id=\"link-confirm\""), "{}", r.body);
    assert!(
        r.body.contains("asked for in another browser"),
        "{}",
        r.body
    );
    assert!(r.body.contains(">127.0.0.1<"), "where: {}", r.body);
    let today = time::OffsetDateTime::now_utc().date().to_string();
    assert!(r.body.contains(&today), "when ({today}): {}", r.body);

    // Without the explicit confirmation: refused, and the link is not spent.
    let r = other.post_form(&path, &[]);
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains("link-confirm-other-browser"), "{}", r.body);
    assert_eq!(other.me().0, 401);
    // With it: the browser that clicked is signed in, never the one that asked.
    let r = other.post_form(&path, &[("other_browser", "yes")]);
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(other.me().1["username"], "alice");
    assert_eq!(
        asker.me().0,
        401,
        "the waiting browser was not signed in from afar"
    );
    assert_eq!(asker.post_form(&path, &[]).status, 410);
    assert_eq!(asker.me().0, 401);
}

#[test]
fn a_link_asked_for_elsewhere_is_refused_while_this_browser_waits_for_its_own() {
    // Login CSRF: mallory asks for a link to her own account and gets alice to open it
    // while alice waits for hers; alice's browser would end up signed in as mallory.
    let site = start(|_| {});
    let mut setup = Browser::new(&site);
    sign_up(&site, &mut setup, "alice", "alice@example.com");
    let mut setup = Browser::new(&site);
    sign_up(&site, &mut setup, "mallory", "mallory@example.net");

    let mut mallory = Browser::new(&site);
    let bait = mailed_path(&site, &mut mallory, "mallory@example.net");
    let mut alice = Browser::new(&site);
    let own = mailed_path(&site, &mut alice, "alice@example.com");

    let r = alice.get(&bait);
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains("id=\"link-refused\""), "{}", r.body);
    assert!(!r.body.contains("<form"), "nothing to confirm: {}", r.body);
    let r = alice.post_form(&bait, &[("other_browser", "yes")]);
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(alice.me().0, 401);
    // Her own link still works, and so does mallory's in mallory's browser.
    assert_eq!(alice.post_form(&own, &[]).status, 303);
    assert_eq!(alice.me().1["username"], "alice");
    assert_eq!(mallory.post_form(&bait, &[]).status, 303);
    assert_eq!(mallory.me().1["username"], "mallory");
}

#[test]
fn a_confirmation_posted_from_another_site_is_refused() {
    let site = start(|_| {});
    let mut phone = Browser::new(&site);
    sign_up(&site, &mut phone, "alice", "alice@example.com");
    let mut b = Browser::new(&site);
    let path = mailed_path(&site, &mut b, "alice@example.com");
    for h in [
        ("Sec-Fetch-Site", "cross-site"),
        ("Sec-Fetch-Site", "same-site"),
        ("Origin", "http://evil.example"),
    ] {
        let r = b.send("POST", &path, &[h], Some(Err(&[])));
        assert_eq!(r.status, 403, "{h:?}: {}", r.body);
        assert_eq!(b.me().0, 401);
    }
    // What a browser sends from the site's own page (Origin is "null" under no-referrer).
    let own = [("Sec-Fetch-Site", "same-origin"), ("Origin", "null")];
    let r = b.send("POST", &path, &own, Some(Err(&[])));
    assert_eq!(r.status, 303, "{}", r.body);
}

#[test]
fn the_answer_is_the_same_for_addresses_without_an_account() {
    let site = start(|o| o.response_floor = Options::default().response_floor);
    let mut phone = Browser::new(&site);
    sign_up(&site, &mut phone, "alice", "alice@example.com");
    let mut times = [Vec::new(), Vec::new()];
    let mut answers: [Option<(u16, String, bool)>; 2] = [None, None];
    const ROUNDS: usize = 8;
    for round in 0..ROUNDS {
        for (i, email) in ["alice@example.com", "nobody@example.com"]
            .iter()
            .enumerate()
        {
            let mut b = Browser::new(&site);
            let t = Instant::now();
            let r = b.ask_link(email);
            times[i].push(t.elapsed());
            let answer = (r.status, r.body.clone(), b.cookie.is_some());
            assert_eq!(r.status, 200, "{}", r.body);
            if round == 0 {
                answers[i] = Some(answer);
            } else {
                assert_eq!(answers[i].as_ref(), Some(&answer));
            }
        }
    }
    assert_eq!(
        answers[0], answers[1],
        "status, body and cookie are the same"
    );
    wait_for_mail(&site, ROUNDS);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(emls(&site).len(), ROUNDS, "mail only for the account");
    let ms = |v: &Vec<Duration>| {
        v.iter()
            .map(|d| format!("{:.1}", d.as_secs_f64() * 1000.0))
            .collect::<Vec<_>>()
    };
    eprintln!(
        "link request answer times (ms): known {:?}, unknown {:?}",
        ms(&times[0]),
        ms(&times[1])
    );
}

#[test]
fn rate_limits_hold_per_address_with_or_without_an_account() {
    let site = start(|o| o.per_address = Options::default().per_address);
    let mut phone = Browser::new(&site);
    sign_up(&site, &mut phone, "alice", "alice@example.com");
    let mut b = Browser::new(&site);
    for email in ["alice@example.com", "nobody@example.com"] {
        for _ in 0..3 {
            assert_eq!(b.ask_link(email).status, 200);
        }
        let r = b.ask_link(email);
        assert_eq!(r.status, 429, "{}", r.body);
        assert!(
            r.json()["error"].as_str().unwrap().contains("this address"),
            "{}",
            r.body
        );
        // Letter case and spaces do not make another address.
        assert_eq!(
            b.ask_link(&format!(" {} ", email.to_uppercase())).status,
            429
        );
    }
    assert_eq!(b.ask_link("carol@example.com").status, 200);
    wait_for_mail(&site, 3);
}

#[test]
fn rate_limits_hold_per_client() {
    let site = start(|o| o.per_client = Options::default().per_client);
    for i in 0..10 {
        let mut b = Browser::new(&site);
        assert_eq!(b.ask_link(&format!("user{i}@example.com")).status, 200);
    }
    let mut b = Browser::new(&site);
    let r = b.ask_link("user10@example.com");
    assert_eq!(r.status, 429, "{}", r.body);
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("from this computer"),
        "{}",
        r.body
    );
}

#[test]
fn only_the_hash_of_a_token_is_stored() {
    let site = start(|_| {});
    let mut phone = Browser::new(&site);
    sign_up(&site, &mut phone, "alice", "alice@example.com");
    let mut b = Browser::new(&site);
    let link = mailed_link(&site, &mut b, "alice@example.com");
    let token = link.rsplit('/').next().unwrap();
    let raw = B64.decode(token).unwrap();
    let hash: [u8; 32] = Sha256::digest(token.as_bytes()).into();
    let dump = site.site.link_store_dump();
    assert!(
        dump.contains(&format!("{hash:?}")),
        "the store keys by the hash: {dump}"
    );
    assert!(!dump.contains(token), "{dump}");
    assert!(!dump.contains(&format!("{raw:?}")), "{dump}");
    let hex: String = raw.iter().map(|x| format!("{x:02x}")).collect();
    assert!(!dump.to_lowercase().contains(&hex), "{dump}");
    assert!(!dump.contains(&B64.encode(&raw[..16])), "{dump}");
}

#[test]
fn next_goes_only_to_the_sites_own_paths() {
    let site = start(|_| {});
    let mut phone = Browser::new(&site);
    sign_up(&site, &mut phone, "alice", "alice@example.com");
    let cases = [
        ("//evil.example", "/account"),
        ("/\\evil.example", "/account"),
        ("https://evil.example", "/account"),
        ("/%2F%2Fevil.example", "/account"),
        ("/%5Cevil.example", "/account"),
        ("http:evil.example", "/account"),
        ("/account?tab=passkeys", "/account?tab=passkeys"),
        ("/", "/"),
    ];
    for (next, expect) in cases {
        let mut b = Browser::new(&site);
        let path = mailed_path(&site, &mut b, "alice@example.com");
        // The page carries next= into its form (escaped) …
        let shown = b.get(&format!("{path}?next={}", encode(next)));
        assert!(shown.body.contains("name=\"next\""), "{}", shown.body);
        // … and the POST redirects only to an own path.
        let r = b.post_form(&path, &[("next", next)]);
        assert_eq!(r.status, 303, "{next}: {}", r.body);
        assert_eq!(r.location.as_deref(), Some(expect), "next={next}");
    }
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn every_response_says_no_referrer() {
    let site = start(|_| {});
    let mut b = Browser::new(&site);
    let responses = [
        b.get("/"),
        b.get("/account"),
        b.get("/link/AAAA"),
        b.get("/no-such-page"),
        b.ask_link("nobody@example.com"),
        b.post_form("/link/AAAA", &[]),
        b.get("/api/me"),
    ];
    for r in responses {
        assert_eq!(
            r.referrer_policy.as_deref(),
            Some("no-referrer"),
            "{} {}",
            r.status,
            r.body
        );
    }
}

#[test]
fn sign_up_checks_the_email_address() {
    let site = start(|_| {});
    let mut b = Browser::new(&site);
    let r = b.post_json(
        "/api/register/start",
        json!({ "username": "erin", "email": "not an address" }),
    );
    assert_eq!(r.status, 400, "{}", r.body);
    sign_up(&site, &mut b, "alice", "alice@example.com");
    let mut c = Browser::new(&site);
    let r = c.post_json(
        "/api/register/start",
        json!({ "username": "alice2", "email": "ALICE@example.com" }),
    );
    assert_eq!(r.status, 409, "{}", r.body);
    let r = c.ask_link("not an address");
    assert_eq!(r.status, 400, "{}", r.body);
}

/// A minimal SMTP server on a free port (the far side of the conversation, not a stand-in for
/// the site's code): it accepts one message and hands over what DATA carried.
fn smtp_receiver() -> (u16, std::sync::mpsc::Receiver<(String, String)>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut out = stream.try_clone().unwrap();
        let mut lines = BufReader::new(stream);
        let mut say = |s: &str| out.write_all(format!("{s}\r\n").as_bytes()).unwrap();
        say("220 test ESMTP");
        let (mut rcpt, mut data) = (String::new(), String::new());
        let mut line = String::new();
        while lines.read_line(&mut line).unwrap() > 0 {
            let cmd = line.trim_end().to_ascii_uppercase();
            if cmd.starts_with("EHLO") || cmd.starts_with("HELO") {
                say("250 test");
            } else if cmd.starts_with("RCPT TO:") {
                rcpt = line.trim_end()[8..].to_string();
                say("250 ok");
            } else if cmd == "DATA" {
                say("354 go on");
                let mut l = String::new();
                while lines.read_line(&mut l).unwrap() > 0 && l != ".\r\n" {
                    data.push_str(&l);
                    l.clear();
                }
                say("250 queued");
            } else if cmd == "QUIT" {
                say("221 bye");
                tx.send((rcpt.clone(), data.clone())).unwrap();
                return;
            } else {
                say("250 ok");
            }
            line.clear();
        }
        tx.send((rcpt, data)).unwrap();
    });
    (port, rx)
}

#[test]
fn with_smtp_url_the_mail_is_also_sent_over_smtp() {
    let (smtp_port, received) = smtp_receiver();
    let site = start(|o| o.smtp_url = Some(format!("smtp://127.0.0.1:{smtp_port}")));
    let mut phone = Browser::new(&site);
    sign_up(&site, &mut phone, "alice", "alice@example.com");
    let mut b = Browser::new(&site);
    let link = mailed_link(&site, &mut b, "alice@example.com");
    let (rcpt, data) = received
        .recv_timeout(Duration::from_secs(10))
        .expect("the SMTP server got a message");
    assert_eq!(rcpt, "<alice@example.com>");
    let mail = mailparse::parse_mail(data.as_bytes()).unwrap();
    let body = mail.get_body().unwrap();
    assert!(body.lines().any(|l| l.trim_end() == link), "{body}");
}
