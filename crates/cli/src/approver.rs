//! The terminal's approval prompt: before any key is used the person sees the site and the
//! account and says yes (or `--yes` says it for a script), then the OS verification runs
//! (polkit on Linux). A no, or a failed check, signs nothing.

use std::io::{BufRead, BufReader, Write};

use latchkey_authenticator::{
    matching_accounts, Account, Approval, ApprovalRequest, Operation, Refusal, UserInteraction,
};
use latchkey_vault::{
    sanitize_name, DISPLAY_NAME_MAX_CHARS, NICKNAME_MAX_CHARS, RP_ID_MAX_CHARS, USER_NAME_MAX_CHARS,
};
use latchkey_verify::{VerificationRequest, Verifier};

pub struct TerminalApprover {
    /// Approve without asking (scripts). The OS verification still runs.
    pub yes: bool,
    /// `--account NAME`: which account to use when a site has several.
    pub account: Option<String>,
    pub verifier: Box<dyn Verifier>,
}

fn what(op: Operation) -> &'static str {
    match op {
        Operation::MakeCredential => "create a passkey",
        Operation::GetAssertion => "sign in",
        Operation::CredentialManagement => "manage passkeys",
        Operation::Selection => "use Latchkey",
    }
}

/// "alice (Work laptop)": the account as the site knows it, and the person's nickname, cleaned
/// and capped for the terminal (a site chose the names; see latchkey_vault::sanitize_name).
fn describe(a: &Account) -> String {
    let name = a
        .user_name
        .as_deref()
        .map(|n| sanitize_name(n, USER_NAME_MAX_CHARS))
        .or_else(|| {
            a.user_display_name
                .as_deref()
                .map(|n| sanitize_name(n, DISPLAY_NAME_MAX_CHARS))
        })
        .filter(|n| !n.is_empty());
    let nick = a
        .nickname
        .as_deref()
        .map(|n| sanitize_name(n, NICKNAME_MAX_CHARS))
        .filter(|n| !n.is_empty());
    match (name, nick) {
        (Some(n), Some(nick)) => format!("{n} ({nick})"),
        (Some(n), None) | (None, Some(n)) => n,
        (None, None) => "(unnamed account)".into(),
    }
}

/// The site's RP ID, safe to print (over raw CTAP it is any text a client sent).
fn site(request: &ApprovalRequest<'_>) -> String {
    sanitize_name(request.rp_id, RP_ID_MAX_CHARS)
}

fn labels(accounts: &[Account]) -> String {
    accounts.iter().map(describe).collect::<Vec<_>>().join(", ")
}

/// The controlling terminal, for questions: stdin carries the options JSON.
struct Tty {
    reader: BufReader<std::fs::File>,
    writer: std::fs::File,
}

impl Tty {
    fn open() -> Result<Tty, Refusal> {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .map_err(|_| {
                Refusal::Unavailable(
                    "there is no terminal to ask for approval; pass --yes to approve from a script"
                        .into(),
                )
            })?;
        let writer = file
            .try_clone()
            .map_err(|e| Refusal::Unavailable(e.to_string()))?;
        Ok(Tty {
            reader: BufReader::new(file),
            writer,
        })
    }

    fn ask(&mut self, question: &str) -> Result<String, Refusal> {
        write!(self.writer, "{question}").map_err(|e| Refusal::Unavailable(e.to_string()))?;
        self.writer.flush().ok();
        let mut line = String::new();
        self.reader
            .read_line(&mut line)
            .map_err(|e| Refusal::Unavailable(e.to_string()))?;
        Ok(line.trim().to_owned())
    }
}

impl TerminalApprover {
    /// Which candidate to sign with, for a sign-in; `None` for the other operations.
    fn choose(
        &self,
        request: &ApprovalRequest<'_>,
        tty: &mut Option<Tty>,
    ) -> Result<Option<usize>, Refusal> {
        let accounts = request.accounts;
        if request.operation != Operation::GetAssertion || accounts.is_empty() {
            return Ok(None);
        }
        if let Some(name) = &self.account {
            return match matching_accounts(accounts, name).as_slice() {
                [i] => Ok(Some(*i)),
                [] => Err(Refusal::Unavailable(format!(
                    "no passkey for {} matches --account {name:?}; the accounts here are: {}",
                    site(request),
                    labels(accounts)
                ))),
                _ => Err(Refusal::Unavailable(format!(
                    "--account {name:?} matches several passkeys for {}; use a nickname to tell them apart (latchkey rename)",
                    site(request)
                ))),
            };
        }
        if accounts.len() == 1 {
            return Ok(Some(0));
        }
        if self.yes {
            return Err(Refusal::Unavailable(format!(
                "{} has several passkeys here ({}); choose one with --account NAME",
                site(request),
                labels(accounts)
            )));
        }
        let t = tty.get_or_insert(Tty::open()?);
        let mut menu = format!("{} has several passkeys here:\n", site(request));
        for (i, a) in accounts.iter().enumerate() {
            menu.push_str(&format!("  {}) {}\n", i + 1, describe(a)));
        }
        menu.push_str(&format!("Which account? [1-{}] ", accounts.len()));
        let answer = t.ask(&menu)?;
        match answer.parse::<usize>() {
            Ok(n) if (1..=accounts.len()).contains(&n) => Ok(Some(n - 1)),
            _ => Err(Refusal::Denied),
        }
    }
}

impl UserInteraction for TerminalApprover {
    fn approve(&self, request: &ApprovalRequest<'_>) -> Result<Approval, Refusal> {
        // A sign-in with no accounts is the authenticator's "no passkey here" prompt. The
        // person at this terminal is the one asking, so there is nothing to hide from them:
        // answer at once, without the OS check. The authenticator then reports NoCredentials
        // ("there is no passkey for SITE on this PC", exit code 3) whatever this says.
        if request.operation == Operation::GetAssertion && request.accounts.is_empty() {
            return Err(Refusal::Unavailable(format!(
                "there is no passkey for {} on this PC",
                site(request)
            )));
        }
        let mut tty = None;
        let chosen = self.choose(request, &mut tty)?;
        let account = match (request.operation, chosen) {
            (Operation::GetAssertion, Some(i)) => request.accounts.get(i),
            (Operation::MakeCredential, _) => request.accounts.first(),
            _ => None,
        };
        let from = request
            .origin
            .map(|o| format!(" (asked by {})", sanitize_name(o, RP_ID_MAX_CHARS + 16)))
            .unwrap_or_default();
        let as_account = account
            .map(|a| format!(" as {}", describe(a)))
            .unwrap_or_default();
        let line = format!(
            "Latchkey: {} on {}{as_account}{from}",
            what(request.operation),
            site(request)
        );
        if self.yes {
            eprintln!("{line}: approved by --yes");
        } else {
            let t = match tty.as_mut() {
                Some(t) => t,
                None => tty.insert(Tty::open()?),
            };
            let answer = t.ask(&format!("{line}\nApprove? [y/N] "))?;
            if !matches!(answer.to_lowercase().as_str(), "y" | "yes") {
                return Err(Refusal::Denied);
            }
        }
        let site = site(request);
        let label = account.map(describe);
        self.verifier
            .verify(&VerificationRequest {
                operation: what(request.operation),
                rp_id: &site,
                account: label.as_deref(),
            })
            .map_err(|e| Refusal::VerificationFailed(e.to_string()))?;
        Ok(Approval {
            account: chosen,
            user_verified: true,
        })
    }
}
