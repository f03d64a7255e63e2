//! `latchkey browser install|uninstall|status`, run as the real binary with HOME pointed at a
//! throw-away directory. The binary is hard-linked into a scratch `bin/` next to a stand-in
//! `latchkey-browser-host`, because the manifest must point at the host next to the running
//! `latchkey` (and the test controls whether that host exists).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_latchkey");
const BROWSERS: [&str; 6] = ["chromium", "chrome", "brave", "edge", "vivaldi", "firefox"];

struct Setup {
    _scratch: tempfile::TempDir,
    home: PathBuf,
    latchkey: PathBuf,
    host: PathBuf,
}

/// A home directory and a `bin/` with `latchkey` (and the host when `with_host`).
fn setup(with_host: bool) -> Setup {
    // Inside the target dir: the same file system as the binary, so it can be hard-linked.
    let scratch = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let bin = scratch.path().join("bin");
    let home = scratch.path().join("home");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(&home).unwrap();
    let latchkey = bin.join("latchkey");
    if std::fs::hard_link(BIN, &latchkey).is_err() {
        std::fs::copy(BIN, &latchkey).unwrap();
    }
    let host = bin.join("latchkey-browser-host");
    if with_host {
        std::fs::write(&host, "#!/bin/sh\nexit 0\n").unwrap();
        std::fs::set_permissions(&host, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    Setup {
        home: home.canonicalize().unwrap(),
        host: bin.canonicalize().unwrap().join("latchkey-browser-host"),
        latchkey,
        _scratch: scratch,
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Setup {
    fn run(&self, args: &[&str]) -> Run {
        let out = Command::new(&self.latchkey)
            .args(args)
            .env("HOME", &self.home)
            .env_remove("XDG_CONFIG_HOME")
            .env("LATCHKEY_ALLOW_ROOT", "1")
            .output()
            .unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    #[track_caller]
    fn ok(&self, args: &[&str]) -> String {
        let r = self.run(args);
        assert_eq!(r.code, 0, "{args:?}:\n{}\n{}", r.stdout, r.stderr);
        r.stdout
    }

    /// `status --json` as a map from browser to its entry.
    fn status(&self, extra: &[&str]) -> std::collections::HashMap<String, Value> {
        let mut args = vec!["browser", "status", "--json"];
        args.extend_from_slice(extra);
        let out = self.ok(&args);
        let all: Vec<Value> = serde_json::from_str(&out).unwrap();
        all.into_iter()
            .map(|v| (v["browser"].as_str().unwrap().to_owned(), v))
            .collect()
    }

    fn manifest_dir(&self, browser: &str) -> PathBuf {
        let config = self.home.join(".config");
        match browser {
            "chromium" => config.join("chromium/NativeMessagingHosts"),
            "chrome" => config.join("google-chrome/NativeMessagingHosts"),
            "brave" => config.join("BraveSoftware/Brave-Browser/NativeMessagingHosts"),
            "edge" => config.join("microsoft-edge/NativeMessagingHosts"),
            "vivaldi" => config.join("vivaldi/NativeMessagingHosts"),
            "firefox" => self.home.join(".mozilla/native-messaging-hosts"),
            other => panic!("{other}"),
        }
    }

    fn manifest(&self, browser: &str) -> PathBuf {
        self.manifest_dir(browser).join("dev.latchkey.browser.json")
    }
}

fn expected_manifest(browser: &str, host: &Path) -> Value {
    let mut m = json!({"name": "dev.latchkey.browser", "type": "stdio", "path": host});
    if browser == "firefox" {
        m["allowed_extensions"] = json!(["browser@latchkey.dev"]);
    } else {
        m["allowed_origins"] = json!(["chrome-extension://lhfkhicehafdiagdfefmgeeaigbifelp/"]);
    }
    m
}

fn read_json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

#[track_caller]
fn assert_manifest(path: &Path, browser: &str, host: &Path) {
    let mut m = read_json(path);
    assert!(m["description"].is_string(), "{m}");
    m.as_object_mut().unwrap().remove("description");
    assert_eq!(m, expected_manifest(browser, host), "{}", path.display());
    let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644, "{}", path.display());
}

#[test]
fn each_browser_installs_reports_and_uninstalls() {
    let s = setup(true);
    for b in BROWSERS {
        // Named explicitly: installed even though the browser was never started here.
        assert_eq!(s.status(&["--browser", b])[b]["state"], "browser-not-found");
        let out = s.ok(&["browser", "install", "--browser", b]);
        assert!(out.contains("installed"), "{out}");
        assert_manifest(&s.manifest(b), b, &s.host);
        let st = &s.status(&["--browser", b])[b];
        assert_eq!(st["state"], "installed", "{st}");
        assert_eq!(st["hostExists"], true, "{st}");
        assert_eq!(st["host"], json!(s.host), "{st}");
        assert_eq!(st["manifest"], json!(s.manifest(b)), "{st}");
        let out = s.ok(&["browser", "uninstall", "--browser", b]);
        assert!(out.contains("removed"), "{out}");
        assert!(!s.manifest(b).exists());
        assert_eq!(s.status(&["--browser", b])[b]["state"], "not-installed");
        let out = s.ok(&["browser", "uninstall", "--browser", b]);
        assert!(out.contains("not installed"), "{out}");
    }
    // The human-readable status names each browser.
    let out = s.ok(&["browser", "status"]);
    for b in BROWSERS {
        assert!(out.lines().any(|l| l.starts_with(b)), "{out}");
    }
}

#[test]
fn all_means_the_browsers_found_here() {
    let s = setup(true);
    let out = s.ok(&["browser", "install"]);
    assert!(out.contains("No browser found"), "{out}");
    for b in BROWSERS {
        assert!(!s.manifest(b).exists(), "{b}");
    }
    std::fs::create_dir_all(s.home.join(".config/chromium")).unwrap();
    std::fs::create_dir_all(s.home.join(".mozilla")).unwrap();
    s.ok(&["browser", "install", "--browser", "all"]);
    assert_manifest(&s.manifest("chromium"), "chromium", &s.host);
    assert_manifest(&s.manifest("firefox"), "firefox", &s.host);
    for b in ["chrome", "brave", "edge", "vivaldi"] {
        assert!(!s.manifest(b).exists(), "{b}");
    }
    let st = s.status(&[]);
    assert_eq!(st.len(), 6);
    assert_eq!(st["chromium"]["state"], "installed");
    assert_eq!(st["firefox"]["state"], "installed");
    assert_eq!(st["vivaldi"]["state"], "browser-not-found");
    s.ok(&["browser", "uninstall"]);
    assert!(!s.manifest("chromium").exists());
    assert!(!s.manifest("firefox").exists());
}

#[test]
fn a_profile_directory_gets_its_own_manifest() {
    let s = setup(true);
    let profile = s.home.join("profiles/test");
    let p = profile.to_str().unwrap();
    s.ok(&[
        "browser",
        "install",
        "--browser",
        "chromium",
        "--user-data-dir",
        p,
    ]);
    let manifest = profile.join("NativeMessagingHosts/dev.latchkey.browser.json");
    assert_manifest(&manifest, "chromium", &s.host);
    assert!(!s.manifest("chromium").exists(), "only the profile");
    let st = s.status(&["--user-data-dir", p]);
    assert_eq!(st.len(), 1);
    assert_eq!(st["chromium"]["state"], "installed");
    s.ok(&["browser", "uninstall", "--user-data-dir", p]);
    assert!(!manifest.exists());
    // Firefox has no such directory to name.
    let r = s.run(&[
        "browser",
        "install",
        "--browser",
        "firefox",
        "--user-data-dir",
        p,
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("Chromium family"), "{}", r.stderr);
}

#[test]
fn a_foreign_file_under_our_name_is_never_deleted() {
    let s = setup(true);
    for (b, foreign) in [
        (
            "chromium",
            r#"{"name":"dev.latchkey.browser","path":"/usr/bin/someone-else","type":"stdio"}"#,
        ),
        (
            "firefox",
            r#"{"name":"other.host","path":"/x/latchkey-browser-host"}"#,
        ),
        ("chrome", "not json at all"),
    ] {
        std::fs::create_dir_all(s.manifest_dir(b)).unwrap();
        std::fs::write(s.manifest(b), foreign).unwrap();
        let r = s.run(&["browser", "uninstall", "--browser", b]);
        assert_eq!(r.code, 1, "{b}: {}\n{}", r.stdout, r.stderr);
        assert!(r.stderr.contains("left"), "{}", r.stderr);
        assert_eq!(
            std::fs::read_to_string(s.manifest(b)).unwrap(),
            foreign,
            "{b}: kept untouched"
        );
    }
}

#[test]
fn installing_twice_changes_nothing_and_leaves_no_temporary_files() {
    let s = setup(true);
    s.ok(&["browser", "install", "--browser", "brave"]);
    let first = std::fs::read(s.manifest("brave")).unwrap();
    let out = s.ok(&["browser", "install", "--browser", "brave"]);
    assert!(out.contains("already installed"), "{out}");
    assert_eq!(std::fs::read(s.manifest("brave")).unwrap(), first);
    let files: Vec<_> = std::fs::read_dir(s.manifest_dir("brave"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        files,
        vec![std::ffi::OsString::from("dev.latchkey.browser.json")]
    );
}

#[test]
fn status_reports_a_malformed_manifest_and_install_replaces_it() {
    let s = setup(true);
    std::fs::create_dir_all(s.manifest_dir("edge")).unwrap();
    std::fs::write(s.manifest("edge"), "{\"name\": ").unwrap();
    let st = &s.status(&["--browser", "edge"])["edge"];
    assert_eq!(st["state"], "unusable", "{st}");
    assert!(
        st["problem"].as_str().unwrap().contains("not valid JSON"),
        "{st}"
    );
    let out = s.ok(&["browser", "status", "--browser", "edge"]);
    assert!(out.contains("unusable manifest"), "{out}");
    let out = s.ok(&["browser", "install", "--browser", "edge"]);
    assert!(out.contains("updated"), "{out}");
    assert_manifest(&s.manifest("edge"), "edge", &s.host);
}

#[test]
fn a_missing_host_is_refused_on_install_and_reported_by_status() {
    let s = setup(false);
    let r = s.run(&["browser", "install", "--browser", "vivaldi"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("build it: cargo build -p latchkey-browser-host"),
        "{}",
        r.stderr
    );
    assert!(!s.manifest("vivaldi").exists());

    // Installed, then the host goes away (a moved build): status says so.
    let s = setup(true);
    s.ok(&["browser", "install", "--browser", "vivaldi"]);
    std::fs::remove_file(&s.host).unwrap();
    let st = &s.status(&["--browser", "vivaldi"])["vivaldi"];
    assert_eq!(st["state"], "installed", "{st}");
    assert_eq!(st["hostExists"], false, "{st}");
    let out = s.ok(&["browser", "status", "--browser", "vivaldi"]);
    assert!(out.contains("is missing"), "{out}");
}

#[test]
fn xdg_config_home_moves_the_chromium_family_but_not_firefox() {
    let s = setup(true);
    let xdg = s.home.join("xdg");
    for b in ["chromium", "firefox"] {
        let out = Command::new(&s.latchkey)
            .args(["browser", "install", "--browser", b])
            .env("HOME", &s.home)
            .env("XDG_CONFIG_HOME", &xdg)
            .env("LATCHKEY_ALLOW_ROOT", "1")
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    }
    assert_manifest(
        &xdg.join("chromium/NativeMessagingHosts/dev.latchkey.browser.json"),
        "chromium",
        &s.host,
    );
    assert!(!s.manifest("chromium").exists());
    // Firefox reads only ~/.mozilla, whatever XDG_CONFIG_HOME says.
    assert_manifest(&s.manifest("firefox"), "firefox", &s.host);
}
