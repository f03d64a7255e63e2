//! `latchkey hid serve|status`: Latchkey as a FIDO2 security key for every program on this PC,
//! in the foreground (the app runs the same door when its setting is on).
//!
//! `serve` opens the vault as the other commands do, creates the virtual key (`/dev/uhid`) and
//! answers each request's prompt on the terminal: the prompt on stderr, one answer line read
//! from stdin per prompt ("y" approves; anything else, or end of input, denies); `--yes`
//! approves without reading. Approving still runs the OS check. stdout gets `ready: <node>`
//! once the device exists, then one line per CTAP request. SIGINT or SIGTERM stops it and the
//! device goes away.

use std::io::{BufRead, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::Duration;

use latchkey_authenticator::{matching_accounts, Account};
use latchkey_ctaphid::UhidStatus;
use latchkey_session::{NoEvents, Prompt, PromptAccount, PromptOperation, Session};
use latchkey_vault::{sanitize_name, OsKeychain, RP_ID_MAX_CHARS, USER_NAME_MAX_CHARS};

use crate::args::HidCommand;
use crate::error::CliError;

/// What to say when the app runs: it owns the vault, and it has the same door built in.
pub const APP_RUNNING: &str = "the Latchkey app is running and holds the vault: turn on Settings → \"Act as a security key for other programs\" in the app instead, or quit the app and run `latchkey hid serve` again";

pub fn run(dir: &Path, command: HidCommand) -> Result<(), CliError> {
    match command {
        HidCommand::Status { json } => status(json),
        HidCommand::Serve { yes, account } => serve(dir, yes, account.as_deref()),
    }
}

/// The status's stable id for scripts.
fn status_id(s: &UhidStatus) -> &'static str {
    match s {
        UhidStatus::Ready => "ready",
        UhidStatus::Missing => "missing",
        UhidStatus::NoPermission { .. } => "no-permission",
        UhidStatus::Other(_) => "unavailable",
    }
}

/// `latchkey hid status`: exit 0 when the key can run here, 1 when not, with what to do.
fn status(json: bool) -> Result<(), CliError> {
    let s = latchkey_ctaphid::uhid_status();
    if json {
        println!(
            "{}",
            serde_json::json!({
                "state": status_id(&s),
                "ready": s.is_ready(),
                "message": s.to_string(),
            })
        );
    } else {
        println!("{s}");
    }
    if s.is_ready() {
        Ok(())
    } else {
        Err(CliError::Silent(1))
    }
}

/// Set by SIGINT / SIGTERM: the serve loop ends and the device is destroyed.
static STOP: AtomicBool = AtomicBool::new(false);

#[cfg(unix)]
extern "C" fn on_signal(_: libc::c_int) {
    // Only an atomic store: async-signal-safe.
    STOP.store(true, Ordering::SeqCst);
}

#[cfg(unix)]
fn catch_stop_signals() {
    let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, handler);
        libc::signal(libc::SIGTERM, handler);
    }
}

#[cfg(not(unix))]
fn catch_stop_signals() {}

fn serve(dir: &Path, yes: bool, account: Option<&str>) -> Result<(), CliError> {
    let uhid = latchkey_ctaphid::uhid_status();
    if !uhid.is_ready() {
        return Err(CliError::Other(format!(
            "cannot create the virtual security key: {uhid}"
        )));
    }
    let session = Session::new(
        dir,
        Box::new(OsKeychain::new()),
        latchkey_verify::platform_verifier(),
        Arc::new(NoEvents),
    );
    session.open_for_command().map_err(|e| match e {
        latchkey_session::SessionError::Vault(v) => CliError::Vault(v),
        e => CliError::Other(e.to_string()),
    })?;
    catch_stop_signals();
    start(session, yes, account)
}

#[cfg(target_os = "linux")]
fn start(session: Arc<Session>, yes: bool, account: Option<&str>) -> Result<(), CliError> {
    use latchkey_session::hid_door::{command_name, HidService};

    let service = HidService::start_with(session.clone(), |door| {
        door.on_answered(|a| {
            let status = if a.status == 0 {
                "ok".to_owned()
            } else {
                format!("error 0x{:02X}", a.status)
            };
            let program = a
                .client
                .as_deref()
                .map(|c| format!(" from {c}"))
                .unwrap_or_default();
            println!(
                "{}{program}: {status} ({} ms)",
                command_name(a.command),
                a.elapsed.as_millis()
            );
            let _ = std::io::stdout().flush();
        })
    })
    .map_err(|e| CliError::Other(format!("cannot create the virtual security key: {e}")))?;
    let mut waited = 0;
    let node = loop {
        if let Some(node) = service.node() {
            break Some(node);
        }
        if waited >= 200 {
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
        waited += 1;
    };
    match node {
        Some(node) => println!("ready: {}", node.display()),
        None => println!("ready"),
    }
    let _ = std::io::stdout().flush();
    eprintln!(
        "latchkey: Latchkey is now a security key for programs on this PC; press Ctrl+C to stop"
    );
    let answers = if yes { None } else { Some(stdin_lines()) };
    let mut err = std::io::stderr();
    let result = answer_prompts(&session, answers.as_ref(), account, &mut err, &|| {
        STOP.load(Ordering::SeqCst) || !service.is_running()
    });
    let failed = !service.is_running() && !STOP.load(Ordering::SeqCst);
    let stopped = service.stop();
    eprintln!("latchkey: stopped; the security key is gone");
    result?;
    match stopped {
        Err(e) if failed => Err(CliError::Other(format!(
            "the virtual security key stopped: {e}"
        ))),
        _ => Ok(()),
    }
}

#[cfg(not(target_os = "linux"))]
fn start(_: Arc<Session>, _: bool, _: Option<&str>) -> Result<(), CliError> {
    Err(CliError::Other(
        "a virtual security key needs Linux's /dev/uhid".into(),
    ))
}

/// stdin's lines, read on a thread so a prompt can be withdrawn while its answer is awaited.
/// `None` marks the end of input: every later prompt is denied.
fn stdin_lines() -> Receiver<Option<String>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            match line {
                Ok(l) => {
                    if tx.send(Some(l)).is_err() {
                        return;
                    }
                }
                Err(_) => break,
            }
        }
        let _ = tx.send(None);
    });
    rx
}

/// The account names as the terminal shows them.
fn account_label(a: &PromptAccount) -> String {
    let name = a
        .user_name
        .as_deref()
        .or(a.user_display_name.as_deref())
        .map(|n| sanitize_name(n, USER_NAME_MAX_CHARS))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "(unnamed account)".into());
    match a.nickname.as_deref().filter(|n| !n.is_empty()) {
        Some(nick) => format!("{name} ({})", sanitize_name(nick, USER_NAME_MAX_CHARS)),
        None => name,
    }
}

/// The prompt in words, for stderr.
fn describe(p: &Prompt) -> String {
    let site = sanitize_name(&p.rp_id, RP_ID_MAX_CHARS);
    let program = p
        .client
        .as_deref()
        .map(|c| format!("{c} asks through the security key"))
        .unwrap_or_else(|| "a program asks through the security key".into());
    let what = match p.operation {
        PromptOperation::Create => format!("create a passkey for {site}"),
        PromptOperation::SignIn if site.is_empty() => "use Latchkey as the security key".to_owned(),
        PromptOperation::SignIn if p.accounts.is_empty() => {
            format!("sign in to {site}: there is no passkey for it here (approving signs nothing)")
        }
        PromptOperation::SignIn => format!("sign in to {site}"),
        PromptOperation::Delete => format!("delete a passkey for {site}"),
        PromptOperation::Unlock => format!("unlock Latchkey for {site}"),
        PromptOperation::Manage if site.is_empty() => {
            "manage your passkeys (list, rename, delete) for up to 10 minutes".to_owned()
        }
        PromptOperation::Manage => {
            format!("manage your passkeys for {site} (list, rename, delete) for up to 10 minutes")
        }
    };
    let mut out = format!("{program}: {what}");
    for (n, a) in p.accounts.iter().enumerate() {
        out.push_str(&format!("\n  {}. {}", n + 1, account_label(a)));
    }
    out
}

/// The index `--account` designates among the prompt's accounts.
fn designated(p: &Prompt, name: &str) -> Option<usize> {
    let accounts: Vec<Account> = p
        .accounts
        .iter()
        .map(|a| Account {
            credential_id: Vec::new(),
            user_handle: Vec::new(),
            user_name: a.user_name.clone(),
            user_display_name: a.user_display_name.clone(),
            nickname: a.nickname.clone(),
        })
        .collect();
    matching_accounts(&accounts, name).first().copied()
}

/// Answers the session's prompts until `stop()` says so: each is written to `out`, then
/// approved at once (`answers` is `None`: `--yes`) or after the next line of `answers`: "y" or
/// "yes" approves, a number approves with that account, anything else or the end of input
/// denies. A prompt withdrawn or timed out while its answer is awaited is reported as such.
pub(crate) fn answer_prompts(
    session: &Session,
    answers: Option<&Receiver<Option<String>>>,
    account: Option<&str>,
    out: &mut dyn Write,
    stop: &dyn Fn() -> bool,
) -> Result<(), CliError> {
    let mut input_over = false;
    while !stop() {
        let Some(prompt) = session.current_prompt() else {
            std::thread::sleep(Duration::from_millis(20));
            continue;
        };
        let _ = writeln!(out, "latchkey: {}", describe(&prompt));
        let several = prompt.accounts.len() > 1;
        let mut pick = match account {
            Some(name)
                if prompt.operation == PromptOperation::SignIn && !prompt.accounts.is_empty() =>
            {
                match designated(&prompt, name) {
                    Some(i) => Some(i),
                    None => {
                        let _ = writeln!(
                            out,
                            "latchkey: denied: no account there matches --account {name:?}"
                        );
                        let _ = session.answer_prompt(&prompt.id, false, None);
                        continue;
                    }
                }
            }
            _ => None,
        };
        let approve = match answers {
            None => {
                let _ = writeln!(out, "latchkey: approved (--yes); the OS check runs now");
                true
            }
            Some(lines) => {
                let question = if several && pick.is_none() {
                    format!(
                        "Approve? [y/N] (or the account's number, 1-{}) ",
                        prompt.accounts.len()
                    )
                } else {
                    "Approve? [y/N] ".to_owned()
                };
                let _ = write!(out, "latchkey: {question}");
                let _ = out.flush();
                match wait_line(session, &prompt, lines, &mut input_over, stop) {
                    Waited::Line(line) => {
                        let line = line.trim().to_ascii_lowercase();
                        match line.parse::<usize>() {
                            Ok(n) if n >= 1 && n <= prompt.accounts.len() => {
                                pick = Some(n - 1);
                                true
                            }
                            _ => line == "y" || line == "yes",
                        }
                    }
                    Waited::EndOfInput => {
                        let _ = writeln!(out);
                        false
                    }
                    Waited::Gone => {
                        let _ = writeln!(
                            out,
                            "\nlatchkey: the request was withdrawn by the program, or timed out; nothing to answer"
                        );
                        continue;
                    }
                    Waited::Stopped => break,
                }
            }
        };
        match session.answer_prompt(&prompt.id, approve, pick) {
            Ok(()) if approve => {
                let _ = writeln!(out, "latchkey: approved");
            }
            Ok(()) => {
                let _ = writeln!(out, "latchkey: denied");
            }
            Err(e) if approve => {
                // The OS check refused (the prompt stays): deny it rather than ask forever.
                let _ = writeln!(out, "latchkey: {e}; denied");
                let _ = session.answer_prompt(&prompt.id, false, None);
            }
            Err(e) => {
                let _ = writeln!(out, "latchkey: {e}");
            }
        }
    }
    Ok(())
}

enum Waited {
    Line(String),
    EndOfInput,
    /// The prompt is no longer waiting (withdrawn, timed out).
    Gone,
    Stopped,
}

fn still_shown(session: &Session, prompt: &Prompt) -> bool {
    session.current_prompt().is_some_and(|p| p.id == prompt.id)
}

fn wait_line(
    session: &Session,
    prompt: &Prompt,
    lines: &Receiver<Option<String>>,
    input_over: &mut bool,
    stop: &dyn Fn() -> bool,
) -> Waited {
    loop {
        if stop() {
            return Waited::Stopped;
        }
        if !still_shown(session, prompt) {
            return Waited::Gone;
        }
        if *input_over {
            return Waited::EndOfInput;
        }
        match lines.recv_timeout(Duration::from_millis(50)) {
            // A line that arrives as the prompt goes was typed for it: it answers nothing.
            Ok(Some(line)) if still_shown(session, prompt) => return Waited::Line(line),
            Ok(Some(_)) => return Waited::Gone,
            Ok(None) | Err(RecvTimeoutError::Disconnected) => *input_over = true,
            Err(RecvTimeoutError::Timeout) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    //! The terminal's answers to the security key's prompts, over a real session (real vault,
    //! key in the real Secret Service) and raw CTAP requests as the door passes them on.

    use std::sync::Mutex;

    use ciborium::Value;
    use latchkey_session::{CtapState, RequestInfo};
    use latchkey_vault::KeyStore;
    use latchkey_verify::{VerificationRequest, Verifier, VerifyError};

    use super::*;

    struct Pass;
    impl Verifier for Pass {
        fn verify(&self, _: &VerificationRequest<'_>) -> Result<(), VerifyError> {
            Ok(())
        }
    }

    struct Fixture {
        _dir: tempfile::TempDir,
        session: Arc<Session>,
    }

    impl Drop for Fixture {
        fn drop(&mut self) {
            let vault = self._dir.path().join("vault/vault.json");
            if let Ok(text) = std::fs::read_to_string(vault) {
                let v: serde_json::Value = serde_json::from_str(&text).unwrap();
                let _ = OsKeychain::with_service("dev.latchkey.test")
                    .delete(v["vault_id"].as_str().unwrap());
            }
        }
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let session = Session::new(
            &dir.path().join("vault"),
            Box::new(OsKeychain::with_service("dev.latchkey.test")),
            Box::new(Pass),
            Arc::new(NoEvents),
        );
        session
            .unlock()
            .expect("unlock (run under scripts/test-env.sh)");
        Fixture { _dir: dir, session }
    }

    fn make_credential(user: &str) -> Vec<u8> {
        let t = |s: &str| Value::Text(s.into());
        let i = |n: i64| Value::Integer(n.into());
        let params = Value::Map(vec![
            (i(1), Value::Bytes(vec![7; 32])),
            (i(2), Value::Map(vec![(t("id"), t("example.com"))])),
            (
                i(3),
                Value::Map(vec![
                    (t("id"), Value::Bytes(user.as_bytes().to_vec())),
                    (t("name"), t(user)),
                ]),
            ),
            (
                i(4),
                Value::Array(vec![Value::Map(vec![
                    (t("alg"), i(-7)),
                    (t("type"), t("public-key")),
                ])]),
            ),
        ]);
        let mut out = vec![0x01];
        ciborium::ser::into_writer(&params, &mut out).unwrap();
        out
    }

    /// Sends makeCredentials one after another (as a program would) while the terminal loop
    /// answers with `input`; returns the statuses and what the terminal showed.
    fn serve_requests(users: &[&str], input: Option<&[&str]>) -> (Vec<u8>, String) {
        let f = fixture();
        let rx = input.map(|lines| {
            let (tx, rx) = mpsc::channel();
            for l in lines {
                tx.send(Some((*l).to_owned())).unwrap();
            }
            tx.send(None).unwrap();
            rx
        });
        let done = AtomicBool::new(false);
        let shown = Mutex::new(Vec::new());
        let statuses = std::thread::scope(|scope| {
            let client = scope.spawn(|| {
                let mut state = CtapState::new();
                let statuses: Vec<u8> = users
                    .iter()
                    .map(|u| {
                        let info = RequestInfo {
                            tag: Some(format!("hid-{u}")),
                            client: Some("fido2-cred".into()),
                        };
                        f.session
                            .ctap(&make_credential(u), &mut state, info, &|_| {})[0]
                    })
                    .collect();
                done.store(true, Ordering::SeqCst);
                statuses
            });
            let mut out = Vec::new();
            answer_prompts(&f.session, rx.as_ref(), None, &mut out, &|| {
                done.load(Ordering::SeqCst)
            })
            .unwrap();
            shown.lock().unwrap().extend(out);
            client.join().unwrap()
        });
        let text = String::from_utf8(shown.into_inner().unwrap()).unwrap();
        (statuses, text)
    }

    #[test]
    fn a_line_per_prompt_y_approves_others_and_end_of_input_deny() {
        let (statuses, text) =
            serve_requests(&["alice", "bob", "carol", "dave"], Some(&["y", "n", "yes"]));
        assert_eq!(statuses, [0x00, 0x27, 0x00, 0x27], "{text}");
        assert!(
            text.contains(
                "fido2-cred asks through the security key: create a passkey for example.com"
            ),
            "{text}"
        );
        assert!(
            text.contains("1. alice") && text.contains("Approve? [y/N]"),
            "{text}"
        );
        assert_eq!(text.matches("latchkey: approved").count(), 2, "{text}");
        assert_eq!(text.matches("latchkey: denied").count(), 2, "{text}");
    }

    #[test]
    fn yes_approves_without_reading_and_the_os_check_runs() {
        let (statuses, text) = serve_requests(&["alice", "bob"], None);
        assert_eq!(statuses, [0x00, 0x00], "{text}");
        assert!(
            text.contains("approved (--yes); the OS check runs now"),
            "{text}"
        );
    }

    #[test]
    fn a_withdrawn_prompt_is_reported_and_not_answered() {
        let f = fixture();
        let (tx, rx) = mpsc::channel::<Option<String>>();
        let done = AtomicBool::new(false);
        let mut out = Vec::new();
        std::thread::scope(|scope| {
            let client = scope.spawn(|| {
                let info = RequestInfo {
                    tag: Some("hid-9".into()),
                    client: None,
                };
                f.session.ctap(
                    &make_credential("alice"),
                    &mut CtapState::new(),
                    info,
                    &|_| {},
                )[0]
            });
            let canceller = scope.spawn(|| {
                while f.session.current_prompt().is_none() {
                    std::thread::sleep(Duration::from_millis(10));
                }
                std::thread::sleep(Duration::from_millis(200));
                assert!(f.session.cancel(latchkey_session::Door::Hid, "hid-9"));
                let status = client.join().unwrap();
                // A line typed after the withdrawal answers nothing.
                tx.send(Some("y".into())).unwrap();
                std::thread::sleep(Duration::from_millis(200));
                done.store(true, Ordering::SeqCst);
                status
            });
            answer_prompts(&f.session, Some(&rx), None, &mut out, &|| {
                done.load(Ordering::SeqCst)
            })
            .unwrap();
            assert_eq!(canceller.join().unwrap(), 0x2D);
        });
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("withdrawn by the program"), "{text}");
        assert!(!text.contains("latchkey: approved"), "{text}");
        assert!(f.session.list().unwrap().is_empty());
    }
}
