//! `latchkey link check|open`: the verdicts and exit codes (0 trusted, 6 unknown site, 3 the
//! rest), what opens and what never does, "already used" the second time, on the vault directly
//! and through the running app.
//!
//! On the direct path the CLI opens links with the real `xdg-open`; the test points the
//! desktop's default https handler (XDG mimeapps.list) at a recorder script, so what reaches
//! "the browser" is exactly what xdg-open was handed. Needs scripts/test-env.sh (DISPLAY).

mod common;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use common::*;
use latchkey_bridge::BridgeServer;
use latchkey_session::bridge_handler::SessionHandler;
use latchkey_session::{LinkOpener, NoEvents, Session};
use latchkey_vault::OsKeychain;

/// A desktop whose default browser is a script that writes each URL it gets to a file.
struct Desktop {
    root: tempfile::TempDir,
}

impl Desktop {
    fn new() -> Desktop {
        let root = tempfile::tempdir().unwrap();
        let apps = root.path().join("data/applications");
        std::fs::create_dir_all(&apps).unwrap();
        std::fs::create_dir_all(root.path().join("config")).unwrap();
        let script = root.path().join("browser.sh");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n",
                root.path().join("opened.txt").display()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(
            apps.join("latchkey-test-browser.desktop"),
            format!(
                "[Desktop Entry]\nType=Application\nName=Recorder\nExec={} %u\nMimeType=x-scheme-handler/https;x-scheme-handler/http;\nNoDisplay=true\n",
                script.display()
            ),
        )
        .unwrap();
        std::fs::write(
            root.path().join("config/mimeapps.list"),
            "[Default Applications]\nx-scheme-handler/https=latchkey-test-browser.desktop\nx-scheme-handler/http=latchkey-test-browser.desktop\n",
        )
        .unwrap();
        Desktop { root }
    }

    fn opened(&self) -> Vec<String> {
        std::fs::read_to_string(self.root.path().join("opened.txt"))
            .map(|s| s.lines().map(str::to_owned).collect())
            .unwrap_or_default()
    }

    fn run(&self, dir: &Path, args: &[&str]) -> Run {
        let data: PathBuf = self.root.path().join("data");
        let config: PathBuf = self.root.path().join("config");
        run_as_with_env(
            &[],
            Path::new(BIN),
            dir,
            args,
            "",
            &[("XDG_DATA_HOME", &data), ("XDG_CONFIG_HOME", &config)],
        )
    }
}

fn vault_with_example_com(d: &DataDir) -> PathBuf {
    let dir = d.path();
    run(&dir, &["init"], "").ok();
    create_with(
        &|a, i| run(&dir, a, i),
        "https://example.com",
        "example.com",
        "alice",
        "dXNlci1hbGljZQ",
    )
    .ok();
    dir
}

#[test]
fn check_prints_each_verdict_with_its_exit_code_and_opens_nothing() {
    let d = DataDir::new();
    let dir = vault_with_example_com(&d);
    let desk = Desktop::new();
    for (link, verdict, code) in [
        ("https://example.com/link/t", "trusted", 0),
        ("https://login.example.com/link/t", "trusted", 0),
        ("https://unrelated-shop.org/link/u", "unknown-site", 6),
        ("https://examp1e.com/link/l", "lookalike", 3),
        ("https://example.com.login-check.net/l", "lookalike", 3),
        ("javascript:alert(1)", "refused", 3),
        ("https://example.com@evil.example/", "refused", 3),
        ("https://example.com/link/x?exp=1000000000", "expired", 3),
    ] {
        let out = desk.run(&dir, &["link", "check", link, "--json"]);
        assert_eq!(out.code, code, "{link}: {}\n{}", out.stdout, out.stderr);
        let j = out.json();
        assert_eq!(j["verdict"], verdict, "{link}");
        assert!(
            j["reasons"].as_array().is_some_and(|r| !r.is_empty()),
            "{link}"
        );
        assert!(
            j.get("site").is_some(),
            "{link}: site is always there (maybe null)"
        );
    }
    let human = desk.run(&dir, &["link", "check", "https://examp1e.com/link/l"]);
    assert_eq!(human.code, 3);
    assert!(
        human.stdout.contains("LOOKALIKE") && human.stdout.contains("example.com"),
        "{}",
        human.stdout
    );
    assert!(desk.opened().is_empty(), "check never opens");
}

#[test]
fn open_follows_the_rules_and_a_second_open_is_already_used() {
    let d = DataDir::new();
    let dir = vault_with_example_com(&d);
    let desk = Desktop::new();

    // Refused and expired: never, whatever the flags.
    for link in [
        "javascript:alert(1)",
        "https://example.com/link/x?exp=1000000000",
    ] {
        let out = desk.run(&dir, &["link", "open", link, "--yes", "--override"]);
        assert_eq!(out.code, 3, "{link}: {}", out.stdout);
    }
    // Unknown site: no terminal to confirm on, so not opened; --yes opens it.
    let unknown = "https://unrelated-shop.org/link/u";
    let out = desk.run(&dir, &["link", "open", unknown]);
    assert_eq!(out.code, 6, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("Not opened") || out.stdout.contains("not opened"),
        "{}",
        out.stdout
    );
    assert!(desk.opened().is_empty());
    let out = desk.run(&dir, &["link", "open", unknown, "--yes"]);
    assert_eq!(out.code, 6, "{}\n{}", out.stdout, out.stderr);
    assert_eq!(desk.opened(), vec![unknown.to_owned()]);
    // Lookalike: --yes is not enough, --override is.
    let lookalike = "https://examp1e.com/link/l";
    let out = desk.run(&dir, &["link", "open", lookalike, "--yes"]);
    assert_eq!(out.code, 3);
    assert!(out.stdout.contains("--override"), "{}", out.stdout);
    assert_eq!(desk.opened().len(), 1);
    let out = desk.run(&dir, &["link", "open", lookalike, "--override"]);
    assert_eq!(
        out.code, 3,
        "exit code as check: a lookalike is 3 even when overridden"
    );
    assert_eq!(desk.opened().len(), 2);
    // Trusted: opens at once, exit 0; the second time it is already used and stays shut.
    let trusted = "https://example.com/link/t?k=a&m=b";
    let out = desk.run(&dir, &["link", "open", trusted]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("Opened"), "{}", out.stdout);
    assert_eq!(desk.opened().last().unwrap(), trusted);
    let again = desk.run(&dir, &["link", "open", trusted, "--yes", "--override"]);
    assert_eq!(again.code, 3);
    assert!(again.stdout.contains("already used"), "{}", again.stdout);
    assert_eq!(desk.opened().len(), 3);
    let checked = desk.run(&dir, &["link", "check", trusted, "--json"]).json();
    assert_eq!(checked["verdict"], "already-used");
    // Nothing of the link in clear on disk.
    for (path, bytes) in all_bytes(&dir) {
        for needle in [trusted.as_bytes(), b"unrelated-shop", b"examp1e"] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "{} holds the link in clear",
                path.display()
            );
        }
    }
}

#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl LinkOpener for Recorder {
    fn open(&self, url: &str) -> Result<(), String> {
        self.0.lock().unwrap().push(url.to_owned());
        Ok(())
    }
}

#[test]
fn through_the_running_app_the_app_checks_and_opens() {
    let d = DataDir::new();
    let dir = vault_with_example_com(&d);
    let desk = Desktop::new();
    let session = Session::new(
        &dir,
        Box::new(OsKeychain::new()),
        latchkey_verify::platform_verifier(),
        Arc::new(NoEvents),
    );
    let opener = Arc::new(Recorder::default());
    session.set_link_opener(opener.clone());
    let server = BridgeServer::bind(&dir).expect("the app's socket");
    let _handle = server.spawn(
        Arc::new(SessionHandler(session.clone())),
        doors_of_this_build(),
    );
    // Locked app: exit 5, nothing opened.
    let locked = desk.run(&dir, &["link", "check", "https://example.com/l"]);
    assert_eq!(locked.code, 5, "{}", locked.stderr);
    session.unlock().unwrap();
    let j = desk.run(&dir, &["link", "check", "https://example.com/l", "--json"]);
    assert_eq!(j.code, 0, "{}", j.stderr);
    assert_eq!(j.json()["verdict"], "trusted");
    let out = desk.run(&dir, &["link", "open", "https://unrelated-shop.org/x"]);
    assert_eq!(out.code, 6);
    assert!(opener.0.lock().unwrap().is_empty());
    let out = desk.run(&dir, &["link", "open", "https://example.com/l"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert_eq!(
        *opener.0.lock().unwrap(),
        vec!["https://example.com/l".to_owned()]
    );
    assert!(desk.opened().is_empty(), "the app opened it, not the CLI");
    let again = desk.run(&dir, &["link", "open", "https://example.com/l"]);
    assert_eq!(again.code, 3);
    assert_eq!(opener.0.lock().unwrap().len(), 1);
}

/// The doors as this build's app sees them (the CLI binary is the `cli` door).
fn doors_of_this_build() -> latchkey_bridge::Doors {
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>");
    latchkey_bridge::Doors::with_browser_host(&profile_dir.join(latchkey_bridge::BROWSER_HOST_NAME))
}
