//! Shared helpers for the CLI's tests: run the real `latchkey` binary against a throw-away data
//! dir, with the real Secret Service and the real polkitd that scripts/test.sh starts.

#![allow(dead_code)]

pub mod storm;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_latchkey");

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!("stdout is not JSON ({e}): {}\n{}", self.stdout, self.stderr)
        })
    }

    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "latchkey failed:\n{}\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

fn finish(out: Output) -> Run {
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `prefix... BIN --data-dir DIR args...` with `stdin` piped in; no terminal.
pub fn run_as(prefix: &[&str], bin: &Path, dir: &Path, args: &[&str], stdin: &str) -> Run {
    run_as_with_env(prefix, bin, dir, args, stdin, &[])
}

/// [`run_as`] with extra environment variables.
pub fn run_as_with_env(
    prefix: &[&str],
    bin: &Path,
    dir: &Path,
    args: &[&str],
    stdin: &str,
    env: &[(&str, &Path)],
) -> Run {
    let mut cmd = match prefix.split_first() {
        Some((first, rest)) => {
            let mut c = Command::new(first);
            c.args(rest).arg(bin);
            c
        }
        None => Command::new(bin),
    };
    cmd.arg("--data-dir").arg(dir).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    // No controlling terminal: every question must be answered by flags.
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        unsafe {
            cmd.pre_exec(|| {
                // A new session has no controlling terminal, like a script under cron or CI.
                libc_setsid();
                Ok(())
            });
        }
    }
    let mut child = cmd.spawn().expect("spawn latchkey");
    // A command may end before it reads its stdin (a refusal, say): then the pipe is closed.
    match child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other.unwrap(),
    }
    finish(child.wait_with_output().unwrap())
}

#[cfg(unix)]
fn libc_setsid() {
    extern "C" {
        fn setsid() -> i32;
    }
    unsafe {
        setsid();
    }
}

pub fn run(dir: &Path, args: &[&str], stdin: &str) -> Run {
    run_as(&[], Path::new(BIN), dir, args, stdin)
}

/// A fresh data dir; its keychain entry is removed when dropped.
pub struct DataDir {
    pub dir: tempfile::TempDir,
}

impl DataDir {
    pub fn new() -> DataDir {
        DataDir {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().join("vault")
    }

    pub fn vault_id(&self) -> Option<String> {
        let header = std::fs::read_to_string(self.path().join("vault.json")).ok()?;
        let v: serde_json::Value = serde_json::from_str(&header).ok()?;
        v["vault_id"].as_str().map(str::to_owned)
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        use latchkey_vault::KeyStore;
        if let Some(id) = self.vault_id() {
            let _ = latchkey_vault::OsKeychain::new().delete(&id);
        }
    }
}

/// Creation options as a site would send them (bare, not wrapped).
pub fn creation_options(rp_id: &str, user: &str, user_id: &str) -> String {
    serde_json::json!({
        "challenge": "Y2hhbGxlbmdlLWNoYWxsZW5nZQ",
        "rp": {"id": rp_id, "name": "Example"},
        "user": {"id": user_id, "name": user, "displayName": format!("{user} Example")},
        "pubKeyCredParams": [{"type": "public-key", "alg": -7}, {"type": "public-key", "alg": -257}],
        "authenticatorSelection": {"residentKey": "required", "userVerification": "required"},
        "extensions": {"credProps": true}
    })
    .to_string()
}

pub fn request_options(rp_id: &str) -> String {
    serde_json::json!({
        "challenge": "c2lnbi1pbi1jaGFsbGVuZ2U",
        "rpId": rp_id,
        "userVerification": "required"
    })
    .to_string()
}

/// Every byte of every file under `dir`.
pub fn all_bytes(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.clone(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// Path and content hash of every file under `dir`: compares cheaply and prints short.
pub fn fingerprint(dir: &Path) -> Vec<(PathBuf, u64)> {
    use std::hash::{Hash, Hasher};
    all_bytes(dir)
        .into_iter()
        .map(|(p, b)| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            b.hash(&mut h);
            (p, h.finish())
        })
        .collect()
}

/// Runs latchkey as `user` (one of the polkit test users: polkit approves root without asking),
/// with the run's session bus (for the Secret Service).
pub fn as_user(user: &str, dir: &Path, args: &[&str], stdin: &str) -> Run {
    as_user_with(user, &[], dir, args, stdin)
}

/// Runs latchkey as `user` with extra `NAME=value` environment entries.
pub fn as_user_with(user: &str, env: &[&str], dir: &Path, args: &[&str], stdin: &str) -> Run {
    let bus = std::env::var("DBUS_SESSION_BUS_ADDRESS")
        .expect("no session bus: run the tests through scripts/test.sh");
    let bus_env = format!("DBUS_SESSION_BUS_ADDRESS={bus}");
    // The user runs its own copy: the build tree may sit where other users cannot read.
    let bin = dir.parent().unwrap().join("latchkey");
    // Without the run's XDG_RUNTIME_DIR: that one is root's (as after `su` without `-l`).
    let mut prefix = vec![
        "runuser",
        "-u",
        user,
        "--",
        "env",
        "-u",
        "XDG_RUNTIME_DIR",
        &bus_env,
    ];
    prefix.extend_from_slice(env);
    run_as(&prefix, &bin, dir, args, stdin)
}

/// A data dir the given user owns, with the user's own copy of the binary in it (see
/// [`as_user`]).
pub fn dir_for(user: &str) -> DataDir {
    let d = DataDir::new();
    let bin = d.dir.path().join("latchkey");
    // Copied by a child process: had this process opened the file for writing, a sibling test
    // forking meanwhile could inherit that descriptor and make the exec fail (ETXTBSY).
    let copied = std::process::Command::new("cp")
        .arg(BIN)
        .arg(&bin)
        .status()
        .unwrap();
    assert!(copied.success());
    let status = std::process::Command::new("chown")
        .arg(user)
        .arg(d.dir.path())
        .status()
        .expect("chown");
    assert!(
        status.success(),
        "cannot hand a directory to {user}: run the tests as root through scripts/test.sh, which creates the polkit test users"
    );
    d
}

/// How a test runs latchkey: `(args, stdin) -> Run`, as root or as another user.
pub type Runner<'a> = &'a dyn Fn(&[&str], &str) -> Run;

/// `latchkey webauthn create --origin ORIGIN --yes` with creation options for `user`.
pub fn create_with(runner: Runner<'_>, origin: &str, rp_id: &str, user: &str, handle: &str) -> Run {
    runner(
        &["webauthn", "create", "--origin", origin, "--yes"],
        &creation_options(rp_id, user, handle),
    )
}

/// `latchkey webauthn get --origin ORIGIN --yes EXTRA...` with request options for `rp_id`.
pub fn sign_in_with(runner: Runner<'_>, origin: &str, rp_id: &str, extra: &[&str]) -> Run {
    let mut args = vec!["webauthn", "get", "--origin", origin, "--yes"];
    args.extend_from_slice(extra);
    runner(&args, &request_options(rp_id))
}
