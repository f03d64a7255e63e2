//! Running as root turns the OS gate off (polkit approves root without asking), so the CLI
//! refuses to, with exit code 2 and the reason, unless LATCHKEY_ALLOW_ROOT=1 is set; then it
//! warns on every start. The test process is root (scripts/test-env.sh).

mod common;

use std::process::{Command, Stdio};

use common::*;

fn as_root(dir: &std::path::Path, allow: Option<&str>, args: &[&str]) -> Run {
    let mut cmd = Command::new(BIN);
    cmd.arg("--data-dir").arg(dir).args(args);
    cmd.env_remove("LATCHKEY_ALLOW_ROOT");
    if let Some(v) = allow {
        cmd.env("LATCHKEY_ALLOW_ROOT", v);
    }
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn root_is_refused_with_the_reason_unless_allowed() {
    assert_eq!(
        unsafe_geteuid(),
        0,
        "this test checks what happens as root: run it as root through scripts/test-env.sh"
    );
    let d = DataDir::new();
    let dir = d.path();
    for allow in [None, Some("0"), Some("true")] {
        let refused = as_root(&dir, allow, &["init"]);
        assert_eq!(refused.code, 2, "{allow:?}: {}", refused.stderr);
        assert!(
            refused
                .stderr
                .contains("polkit approves root without asking"),
            "{}",
            refused.stderr
        );
        assert!(
            refused.stderr.contains("your own user"),
            "{}",
            refused.stderr
        );
        assert!(refused.stdout.is_empty());
        assert!(!dir.exists(), "nothing was created before the refusal");
    }
    // Even --help is refused: the check comes before anything else.
    assert_eq!(as_root(&dir, None, &["--help"]).code, 2);

    let allowed = as_root(&dir, Some("1"), &["init"]).ok();
    let warning: Vec<&str> = allowed
        .stderr
        .lines()
        .filter(|l| l.contains("polkit approves root without asking"))
        .collect();
    assert_eq!(warning.len(), 1, "one warning line: {}", allowed.stderr);
    assert!(
        warning[0].contains("LATCHKEY_ALLOW_ROOT=1"),
        "{}",
        warning[0]
    );
    let list = as_root(&dir, Some("1"), &["list", "--json"]).ok();
    assert_eq!(list.json(), serde_json::json!([]));
    assert!(
        list.stderr.contains("warning: running as root"),
        "warned on every start"
    );
}

fn unsafe_geteuid() -> u32 {
    extern "C" {
        fn geteuid() -> u32;
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { geteuid() }
}
