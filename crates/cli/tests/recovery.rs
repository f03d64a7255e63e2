//! The recovery kit through the real `latchkey` binary, the real Secret Service and polkitd:
//! `init` prints the key once; `recover` brings back a vault whose keychain entry is gone, and
//! one moved to a brand-new keychain (a second private Secret Service), after which a sign-in
//! passes webauthn-rs; wrong and mistyped keys exit 5 with nothing changed; `recovery new`
//! retires the old key; while the app runs, recovery commands are refused with exit 5.

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use common::*;
use latchkey_vault::{KeyStore, OsKeychain, RecoveryKey};
use webauthn_rs::prelude::*;
use webauthn_rs::{Webauthn, WebauthnBuilder};

const ORIGIN: &str = "https://example.com";

fn rp() -> Webauthn {
    WebauthnBuilder::new("example.com", &Url::parse(ORIGIN).unwrap())
        .unwrap()
        .build()
        .unwrap()
}

/// The key from the `Recovery key: ` line, which must be on a line of its own, exactly once.
fn printed_key(out: &Run) -> String {
    let lines: Vec<&str> = out
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("Recovery key: "))
        .collect();
    assert_eq!(lines.len(), 1, "one recovery key line:\n{}", out.stdout);
    RecoveryKey::parse(lines[0]).expect("the printed key parses");
    lines[0].to_owned()
}

/// `latchkey init` (root runs allowed by scripts/test-env.sh) → the recovery key.
fn init(dir: &Path) -> String {
    let out = run(dir, &["init"], "").ok();
    assert!(
        out.stdout.contains("Keep this recovery key safe"),
        "{}",
        out.stdout
    );
    printed_key(&out)
}

/// Registers a passkey through the CLI; webauthn-rs accepts it.
fn register(runner: Runner<'_>) -> Passkey {
    let (ccr, state) = rp()
        .start_passkey_registration(Uuid::new_v4(), "alice", "Alice", None)
        .unwrap();
    let out = runner(
        &["webauthn", "create", "--origin", ORIGIN, "--yes"],
        &serde_json::to_string(&ccr).unwrap(),
    )
    .ok();
    rp().finish_passkey_registration(&serde_json::from_str(&out.stdout).unwrap(), &state)
        .expect("webauthn-rs accepts the registration")
}

/// Signs in through the CLI; returns the counter webauthn-rs saw after accepting it.
fn sign_in(runner: Runner<'_>, passkey: &Passkey) -> u32 {
    let (rcr, state) = rp()
        .start_passkey_authentication(std::slice::from_ref(passkey))
        .unwrap();
    let out = runner(
        &["webauthn", "get", "--origin", ORIGIN, "--yes"],
        &serde_json::to_string(&rcr).unwrap(),
    )
    .ok();
    rp().finish_passkey_authentication(&serde_json::from_str(&out.stdout).unwrap(), &state)
        .expect("webauthn-rs accepts the sign-in with the recovered passkey")
        .counter()
}

fn keychain_bytes(id: &str) -> Option<Vec<u8>> {
    keyring::Entry::new(OsKeychain::SERVICE, id)
        .unwrap()
        .get_secret()
        .ok()
}

/// A key with one symbol changed, and one with two neighbours swapped.
fn typos(key: &str) -> [String; 2] {
    let good: Vec<char> = key.chars().filter(|c| *c != '-').collect();
    let mut changed = good.clone();
    changed[11] = if changed[11] == 'Q' { 'R' } else { 'Q' };
    let mut swapped = good.clone();
    let i = (0..good.len() - 1)
        .find(|&i| good[i] != good[i + 1])
        .unwrap();
    swapped.swap(i, i + 1);
    [changed.into_iter().collect(), swapped.into_iter().collect()]
}

#[test]
fn init_prints_the_key_once_and_writes_the_kit_page() {
    let d = DataDir::new();
    let dir = d.path();
    let kit = d.dir.path().join("kit.html");
    let out = run(&dir, &["init", "--kit", kit.to_str().unwrap()], "").ok();
    let key = printed_key(&out);
    assert_eq!(key.len(), 35);
    let page = std::fs::read_to_string(&kit).unwrap();
    assert!(page.contains(&key));
    assert!(page.contains(&d.vault_id().unwrap()));
    assert!(page.contains("latchkey recover"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&kit).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    // `--kit` never overwrites: refused before a vault is made.
    let other = DataDir::new();
    let refused = run(&other.path(), &["init", "--kit", kit.to_str().unwrap()], "");
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("refusing to overwrite"),
        "{}",
        refused.stderr
    );
    assert!(!other.path().join("vault.json").exists());
    assert_eq!(std::fs::read_to_string(&kit).unwrap(), page);
    // The key is nowhere in the data dir.
    for (_, bytes) in all_bytes(&dir) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(&key) && !text.contains(&key.replace('-', "")));
    }
}

#[test]
fn recover_after_the_keychain_entry_is_deleted() {
    let d = DataDir::new();
    let dir = d.path();
    let key = init(&dir);
    let runner = |a: &[&str], i: &str| run(&dir, a, i);
    let passkey = register(&runner);
    let id = d.vault_id().unwrap();
    OsKeychain::new().delete(&id).unwrap();
    let list = run(&dir, &["list"], "");
    assert_eq!(list.code, 5);
    assert!(list.stderr.contains("latchkey recover"), "{}", list.stderr);

    // Wrong and mistyped keys: exit 5, a clear message, nothing changed anywhere.
    let before = fingerprint(&dir);
    let wrong = RecoveryKey::generate().unwrap().display().to_string();
    let [changed, swapped] = typos(&key);
    for (typed, says) in [
        (wrong.as_str(), "does not open this vault"),
        (changed.as_str(), "has a typo"),
        (swapped.as_str(), "has a typo"),
        ("hello", "not a recovery key"),
    ] {
        let out = run(&dir, &["recover"], &format!("{typed}\n"));
        assert_eq!(out.code, 5, "{typed}: {}", out.stderr);
        assert!(out.stderr.contains(says), "{typed}: {}", out.stderr);
        assert!(out.stderr.contains("nothing was changed"), "{}", out.stderr);
        assert_eq!(fingerprint(&dir), before, "a file changed");
        assert_eq!(keychain_bytes(&id), None, "the keychain changed");
    }

    // The right key, typed sloppily.
    let sloppy = format!("  {}  \n", key.to_lowercase().replace('-', " "));
    let out = run(&dir, &["recover"], &sloppy).ok();
    assert!(
        out.stdout.contains("its key is back in the OS keychain")
            && out.stdout.contains("its 1 passkey opened"),
        "{}",
        out.stdout
    );
    assert!(keychain_bytes(&id).is_some());
    assert_eq!(sign_in(&runner, &passkey), 1);
    assert_eq!(
        run(&dir, &["list", "--json"], "").ok().json()[0]["userName"],
        "alice"
    );
}

/// A second, private Secret Service on its own session bus: a brand-new keychain that has
/// never seen the vault (a reinstalled system, another computer).
struct NewKeychain {
    home: tempfile::TempDir,
}

impl NewKeychain {
    fn new() -> NewKeychain {
        let home = tempfile::tempdir().unwrap();
        NewKeychain { home }
    }

    /// Runs each `(args, stdin)` in turn with `latchkey --data-dir DIR`, all on one new bus
    /// with one new gnome-keyring; returns each run's outcome.
    fn run_all(&self, dir: &Path, steps: &[(&[&str], &str)]) -> Vec<Run> {
        let work = self.home.path();
        let mut script = String::from(
            "set -u\necho -n x | gnome-keyring-daemon --unlock --components=secrets >/dev/null\n",
        );
        for (i, (args, stdin)) in steps.iter().enumerate() {
            let input = work.join(format!("in{i}"));
            std::fs::write(&input, stdin).unwrap();
            let quoted: Vec<String> = args.iter().map(|a| shell_quote(a)).collect();
            script.push_str(&format!(
                "{bin} --data-dir {dir} {args} <{input} >{out} 2>{err}; echo $? >{code}\n",
                bin = shell_quote(BIN),
                dir = shell_quote(dir.to_str().unwrap()),
                args = quoted.join(" "),
                input = shell_quote(input.to_str().unwrap()),
                out = shell_quote(work.join(format!("out{i}")).to_str().unwrap()),
                err = shell_quote(work.join(format!("err{i}")).to_str().unwrap()),
                code = shell_quote(work.join(format!("code{i}")).to_str().unwrap()),
            ));
        }
        let keyring_home = work.join("data");
        let runtime = work.join("runtime");
        for d in [&keyring_home, &runtime] {
            std::fs::create_dir_all(d).unwrap();
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).unwrap();
        }
        let status = Command::new("dbus-run-session")
            .args(["--", "sh", "-c", &script])
            .env("XDG_DATA_HOME", &keyring_home)
            .env("XDG_RUNTIME_DIR", &runtime)
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .status()
            .expect("dbus-run-session (the test environment has it)");
        assert!(status.success());
        (0..steps.len())
            .map(|i| {
                let read = |name: &str| {
                    std::fs::read_to_string(work.join(format!("{name}{i}"))).unwrap_or_default()
                };
                Run {
                    code: read("code").trim().parse().unwrap_or(-1),
                    stdout: read("out"),
                    stderr: read("err"),
                }
            })
            .collect()
    }
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

#[test]
fn recover_into_a_new_keychain_then_sign_in() {
    let d = DataDir::new();
    let dir = d.path();
    let key = init(&dir);
    let runner = |a: &[&str], i: &str| run(&dir, a, i);
    let passkey = register(&runner);
    assert_eq!(sign_in(&runner, &passkey), 1);
    let id = d.vault_id().unwrap();
    let first_keychain = keychain_bytes(&id);

    // The data dir copied to "another computer": same files, a keychain that never saw them.
    let moved = d.dir.path().join("moved");
    let copied = Command::new("cp")
        .arg("-a")
        .arg(&dir)
        .arg(&moved)
        .status()
        .unwrap();
    assert!(copied.success());
    let (rcr, state) = rp()
        .start_passkey_authentication(std::slice::from_ref(&passkey))
        .unwrap();
    let options = serde_json::to_string(&rcr).unwrap();
    let wrong = RecoveryKey::generate().unwrap().display().to_string();
    let new_keychain = NewKeychain::new();
    let runs = new_keychain.run_all(
        &moved,
        &[
            (&["list"], ""),
            (&["recover"], &format!("{wrong}\n")),
            (&["list"], ""),
            (&["recover"], &format!("{key}\n")),
            (&["webauthn", "get", "--origin", ORIGIN, "--yes"], &options),
        ],
    );
    assert_eq!(
        runs[0].code, 5,
        "no key in the new keychain: {}",
        runs[0].stderr
    );
    assert!(
        runs[0].stderr.contains("missing from the OS keychain"),
        "{}",
        runs[0].stderr
    );
    assert_eq!(runs[1].code, 5, "{}", runs[1].stderr);
    assert_eq!(
        runs[2].code, 5,
        "a wrong key stored nothing: {}",
        runs[2].stderr
    );
    assert_eq!(runs[3].code, 0, "{}\n{}", runs[3].stdout, runs[3].stderr);
    assert!(
        runs[3].stdout.contains("its 1 passkey opened"),
        "{}",
        runs[3].stdout
    );
    assert_eq!(runs[4].code, 0, "{}", runs[4].stderr);
    let result = rp()
        .finish_passkey_authentication(&serde_json::from_str(&runs[4].stdout).unwrap(), &state)
        .expect("webauthn-rs accepts the sign-in made after recovering into a new keychain");
    assert_eq!(
        result.counter(),
        2,
        "the counter carried on from the copied vault"
    );
    // The first keychain was not touched by any of it.
    assert_eq!(keychain_bytes(&id), first_keychain);
}

#[test]
fn recovery_new_retires_the_old_key() {
    let d = DataDir::new();
    let dir = d.path();
    let old = init(&dir);
    let kit = d.dir.path().join("new-kit.html");
    let out = run(
        &dir,
        &["recovery", "new", "--kit", kit.to_str().unwrap()],
        "",
    )
    .ok();
    let new = printed_key(&out);
    assert_ne!(new, old);
    assert!(out
        .stdout
        .contains("the previous recovery key no longer opens it"));
    assert!(std::fs::read_to_string(&kit).unwrap().contains(&new));
    // An existing --kit file: refused, and the current kit stays current.
    let again = run(
        &dir,
        &["recovery", "new", "--kit", kit.to_str().unwrap()],
        "",
    );
    assert_eq!(again.code, 2, "{}", again.stderr);
    assert!(again.stdout.is_empty());

    OsKeychain::new().delete(&d.vault_id().unwrap()).unwrap();
    let before = fingerprint(&dir);
    let retired = run(&dir, &["recover"], &old);
    assert_eq!(retired.code, 5, "{}", retired.stderr);
    assert!(retired.stderr.contains("older kit"), "{}", retired.stderr);
    assert_eq!(fingerprint(&dir), before);
    run(&dir, &["recover"], &new).ok();
    run(&dir, &["list"], "").ok();
}

#[test]
fn recovery_commands_while_the_app_runs_are_refused() {
    let d = DataDir::new();
    let dir = d.path();
    let key = init(&dir);
    let session = latchkey_session::Session::new(
        &dir,
        Box::new(OsKeychain::new()),
        latchkey_verify::platform_verifier(),
        Arc::new(latchkey_session::NoEvents),
    );
    let server = latchkey_bridge::BridgeServer::bind(&dir).expect("the app's socket");
    let _handle = server.spawn(
        Arc::new(latchkey_session::bridge_handler::SessionHandler(
            session.clone(),
        )),
        doors_of_this_build(),
    );
    let before = fingerprint(&dir);
    for (args, stdin, says) in [
        (
            &["recover"][..],
            key.as_str(),
            "press Recover on its lock screen",
        ),
        (&["recovery", "new"][..], "", "in its Settings"),
    ] {
        let out = run(&dir, args, stdin);
        assert_eq!(out.code, 5, "{}", out.stderr);
        assert!(out.stderr.contains(says), "{}", out.stderr);
        assert!(out.stdout.is_empty());
    }
    assert_eq!(fingerprint(&dir), before);
}

fn doors_of_this_build() -> latchkey_bridge::Doors {
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>");
    latchkey_bridge::Doors::with_browser_host(&profile_dir.join(latchkey_bridge::BROWSER_HOST_NAME))
}

#[test]
fn a_refused_os_check_makes_no_kit_and_recovers_nothing() {
    let d = dir_for("latchkey-deny");
    let dir = d.path();
    let out = as_user("latchkey-deny", &dir, &["init"], "").ok();
    let key = printed_key(&out);

    let before = fingerprint(&dir);
    let new = as_user("latchkey-deny", &dir, &["recovery", "new"], "");
    assert_eq!(new.code, 3, "{}", new.stderr);
    assert!(new.stderr.contains("OS check"), "{}", new.stderr);
    assert!(!new.stdout.contains("Recovery key"), "{}", new.stdout);
    assert_eq!(fingerprint(&dir), before, "a refused check made a kit");

    let id = d.vault_id().unwrap();
    OsKeychain::new().delete(&id).unwrap();
    let recover = as_user("latchkey-deny", &dir, &["recover"], &key);
    assert_eq!(recover.code, 3, "{}", recover.stderr);
    assert_eq!(fingerprint(&dir), before);
    assert_eq!(keychain_bytes(&id), None, "a refused check stored the key");
}
