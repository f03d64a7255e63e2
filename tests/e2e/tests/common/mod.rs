//! Helpers shared by the end-to-end test files: the built binaries, a vault seeded through the
//! CLI (its keychain entry removed when the guard drops), the app under tauri-driver.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use latchkey_e2e::Driver;
use webauthn_rs::prelude::*;
use webauthn_rs::{Webauthn, WebauthnBuilder};

pub fn target_bin(name: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let p = dir.join("debug").join(name);
    assert!(
        p.exists(),
        "{} is not built; run cargo build -p latchkey-app -p latchkey-cli",
        p.display()
    );
    p
}

pub fn screenshots() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots")
}

pub struct Cli {
    pub data_dir: PathBuf,
}

impl Cli {
    pub fn run(&self, args: &[&str], stdin: &str) -> (i32, String, String) {
        let mut child = Command::new(target_bin("latchkey"))
            .arg("--data-dir")
            .arg(&self.data_dir)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

pub fn rp(id: &str) -> Webauthn {
    WebauthnBuilder::new(id, &Url::parse(&format!("https://{id}")).unwrap())
        .unwrap()
        .build()
        .unwrap()
}

/// Registers `user` on `site` through the CLI (app not running); webauthn-rs checks it.
pub fn seed(cli: &Cli, site: &str, user: &str) -> Passkey {
    let rp = rp(site);
    let (ccr, state) = rp
        .start_passkey_registration(Uuid::new_v4(), user, user, None)
        .unwrap();
    let (code, out, err) = cli.run(
        &[
            "webauthn",
            "create",
            "--origin",
            &format!("https://{site}"),
            "--yes",
        ],
        &serde_json::to_string(&ccr).unwrap(),
    );
    assert_eq!(code, 0, "{err}");
    rp.finish_passkey_registration(&serde_json::from_str(&out).unwrap(), &state)
        .unwrap()
}

pub struct Keychain(pub PathBuf);

impl Drop for Keychain {
    fn drop(&mut self) {
        if let Ok(t) = std::fs::read_to_string(self.0.join("vault.json")) {
            let v: serde_json::Value = serde_json::from_str(&t).unwrap();
            let _ = Command::new("secret-tool")
                .args(["clear", "service", "dev.latchkey.vault", "username"])
                .arg(v["vault_id"].as_str().unwrap())
                .status();
        }
    }
}

/// An empty vault made by the CLI; its keychain entry goes when the guard drops.
pub fn fresh_vault() -> (tempfile::TempDir, Keychain, Cli) {
    let tmp = tempfile::tempdir().unwrap();
    let data_dir = tmp.path().join("vault");
    let cli = Cli {
        data_dir: data_dir.clone(),
    };
    assert_eq!(cli.run(&["init"], "").0, 0);
    (tmp, Keychain(data_dir), cli)
}

/// Starts the app on `data_dir`, with its own config dir beside it (where window-state keeps
/// window positions), so every test starts as a first start would.
pub fn start_app(data_dir: &Path) -> Driver {
    start_app_with(data_dir, &[])
}

/// [`start_app`] with more environment (e.g. a PATH whose `xdg-open` records what it opens).
pub fn start_app_with(data_dir: &Path, extra: &[(&str, &str)]) -> Driver {
    let config = data_dir.with_file_name("config");
    std::fs::create_dir_all(&config).unwrap();
    let mut env = vec![
        ("LATCHKEY_DATA_DIR", data_dir.to_str().unwrap()),
        ("XDG_CONFIG_HOME", config.to_str().unwrap()),
    ];
    env.extend_from_slice(extra);
    let d = Driver::start(&target_bin("latchkey-app"), &env);
    d.switch_to_window("main", |t| t == "Latchkey");
    d
}

/// Waits until the prompt takes input: it ignores every key and click for a moment after it
/// shows or regains focus.
pub fn wait_armed(d: &Driver, testid: &str) {
    d.wait_until("the prompt to take input", || {
        let b = d.find_all(&format!("[data-testid=\"{testid}\"]"));
        b.first()
            .and_then(|b| d.attribute(b, "aria-disabled"))
            .filter(|v| v == "false")
            .map(|_| ())
    })
}

pub fn unlock(d: &Driver) {
    let button = d.by_testid("unlock-button");
    d.click(&button);
    d.wait("[data-testid=\"passkey-list\"], [data-testid=\"empty-state\"]");
}

pub fn set_theme(d: &Driver, theme: &str) {
    d.execute_async(&format!(
        "const done = arguments[arguments.length - 1];\
         const i = window.__TAURI_INTERNALS__;\
         i.invoke('get_settings').then(s => {{ s.theme = '{theme}'; return i.invoke('set_settings', {{ settings: s }}); }})\
          .then(() => done(true), e => done(String(e)));"
    ));
}
