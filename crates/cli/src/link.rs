//! `latchkey link check|open URL`: a sign-in (magic) link judged before anything opens.
//!
//! The checks are the app's (latchkey-session over latchkey-magiclink): through the app when it
//! runs (it opens the link with its own opener), on the vault directly otherwise (then this
//! command opens it with the OS's URL handler). Either way only the normalized URL that passed
//! is handed to the browser: a trusted site at once, an unknown site after a confirmation on the
//! terminal (or `--yes`), a lookalike only with `--override`, never a refused, used or expired
//! link. Exit codes: 0 trusted, 6 unknown site, 3 anything else (printed before exiting).

use std::io::{BufRead, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use latchkey_bridge::protocol::Op;
use latchkey_bridge::BridgeClient;
use latchkey_session::{judge_link, may_open, record_link_opened, Door, LinkReport, Verdict};

use crate::error::CliError;

/// Exit code for an unknown site (0 is trusted, 3 the rest).
const EXIT_UNKNOWN_SITE: i32 = 6;

/// The longest line of a report printed on the terminal (a link can be long).
const LINE_MAX_CHARS: usize = 300;

/// Where the vault is for these commands: the app's socket, or the files.
pub enum Holder<'a> {
    App(&'a mut BridgeClient),
    Files(&'a Path),
}

/// What the terminal shows for a verdict.
fn verdict_words(v: Verdict) -> &'static str {
    match v {
        Verdict::Trusted => "trusted: one of your sites",
        Verdict::UnknownSite => "unknown site: not one of your sites",
        Verdict::Lookalike => "LOOKALIKE: imitates one of your sites",
        Verdict::Refused => "refused",
        Verdict::AlreadyUsed => "already used",
        Verdict::Expired => "expired",
    }
}

fn verdict_name(v: Verdict) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|j| j.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// A line from the report, safe on a terminal: the site and the reasons can carry names a
/// site chose (no escapes, no direction controls, bounded).
fn clean(s: &str) -> String {
    latchkey_vault::sanitize_name(s, LINE_MAX_CHARS)
}

fn print_report(r: &LinkReport) {
    println!("Verdict: {}", verdict_words(r.verdict));
    if let Some(site) = &r.site {
        println!("Site: {}", clean(site));
    }
    if let Some(imitates) = &r.imitates {
        println!("Imitates: {}", clean(imitates));
    }
    for reason in &r.reasons {
        println!("- {}", clean(reason));
    }
}

/// The exit for a verdict: Ok for trusted, 6 for an unknown site, 3 otherwise.
fn exit_for(r: &LinkReport, what: &str) -> Result<(), CliError> {
    match r.verdict {
        Verdict::Trusted => Ok(()),
        Verdict::UnknownSite => Err(CliError::App {
            code: EXIT_UNKNOWN_SITE,
            message: format!("{what}: the link is for a site Latchkey does not know"),
        }),
        v => Err(CliError::App {
            code: 3,
            message: format!("{what}: the link is {}", verdict_name(v).replace('-', " ")),
        }),
    }
}

fn check_via(holder: &mut Holder<'_>, url: &str) -> Result<LinkReport, CliError> {
    match holder {
        Holder::App(app) => serde_json::from_value(app.call(Op::LinkCheck { url: url.into() })?)
            .map_err(|e| CliError::Other(format!("the app's answer is unreadable: {e}"))),
        Holder::Files(dir) => Ok(judge_link(&crate::manage::open(dir)?, url)?),
    }
}

/// `latchkey link check URL [--json]`.
pub fn check(mut holder: Holder<'_>, url: &str, json: bool) -> Result<(), CliError> {
    let report = check_via(&mut holder, url)?;
    if json {
        println!(
            "{}",
            serde_json::to_value(&report).unwrap_or(serde_json::Value::Null)
        );
    } else {
        print_report(&report);
    }
    exit_for(&report, "checked, nothing opened")
}

/// `latchkey link open URL [--yes] [--override]`.
pub fn open(mut holder: Holder<'_>, url: &str, yes: bool, override_: bool) -> Result<(), CliError> {
    let report = check_via(&mut holder, url)?;
    print_report(&report);
    let confirm = match report.verdict {
        Verdict::UnknownSite if !yes => {
            ask("Latchkey does not know this site. Open the link anyway? [y/N] ")?
        }
        Verdict::UnknownSite => true,
        _ => false,
    };
    if !may_open(report.verdict, confirm, override_) {
        let hint = match report.verdict {
            Verdict::Lookalike => {
                "not opened; if you are certain this is your site, pass --override"
            }
            Verdict::UnknownSite => "not opened (not confirmed; --yes opens it without asking)",
            _ => "not opened",
        };
        println!("{}", hint[..1].to_uppercase() + &hint[1..] + ".");
        return exit_for(&report, hint);
    }
    let (final_report, opened) = match &mut holder {
        Holder::App(app) => {
            let answer = app.call(Op::LinkOpen {
                url: url.into(),
                confirm,
                override_lookalike: override_,
            })?;
            let opened = answer["opened"].as_bool().unwrap_or(false);
            let report: LinkReport = serde_json::from_value(answer)
                .map_err(|e| CliError::Other(format!("the app's answer is unreadable: {e}")))?;
            (report, opened)
        }
        Holder::Files(dir) => {
            // Checked again on the vault this command holds, right before opening: what opens
            // is the normalized URL of this very check.
            let vault = crate::manage::open(dir)?;
            let report = judge_link(&vault, url)?;
            match report
                .url
                .clone()
                .filter(|_| may_open(report.verdict, confirm, override_))
            {
                Some(normalized) => {
                    open_in_browser(&normalized)?;
                    record_link_opened(&vault, &normalized, Door::Cli)?;
                    (report, true)
                }
                None => (report, false),
            }
        }
    };
    if opened {
        println!(
            "Opened the link for {} in your browser. Latchkey will not open it again.",
            clean(final_report.site.as_deref().unwrap_or("the site"))
        );
        exit_for(&final_report, "opened")
    } else {
        println!("Not opened.");
        exit_for(&final_report, "not opened")
    }
}

/// Asks on the controlling terminal (stdin may be a script's); no terminal means no.
fn ask(question: &str) -> Result<bool, CliError> {
    let Ok(tty) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
    else {
        eprintln!("latchkey: there is no terminal to confirm on; pass --yes to open an unknown site's link from a script");
        return Ok(false);
    };
    let mut w = tty
        .try_clone()
        .map_err(|e| CliError::Other(format!("cannot use the terminal: {e}")))?;
    write!(w, "{question}").and_then(|_| w.flush()).ok();
    let mut line = String::new();
    std::io::BufReader::new(tty)
        .read_line(&mut line)
        .map_err(|e| CliError::Other(format!("cannot read the answer: {e}")))?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes" | "Yes"))
}

/// Hands `url` (a link that passed the checks) to the OS's URL handler and waits for it to
/// take the link. On Linux `xdg-open` (which follows the desktop's default browser, or
/// `$BROWSER`).
fn open_in_browser(url: &str) -> Result<(), CliError> {
    let mut command = if cfg!(target_os = "macos") {
        let mut c = Command::new("open");
        c.arg(url);
        c
    } else if cfg!(windows) {
        // Not `cmd /c start`: cmd would interpret & and ^ in the URL.
        let mut c = Command::new("rundll32");
        c.arg("url.dll,FileProtocolHandler").arg(url);
        c
    } else {
        let mut c = Command::new("xdg-open");
        c.arg(url);
        c
    };
    let status = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .map_err(|e| {
            CliError::Other(format!(
                "could not start the browser opener ({e}); copy the link into your browser yourself (nothing was recorded)"
            ))
        })?;
    if !status.success() {
        return Err(CliError::Other(format!(
            "the browser opener failed ({status}); copy the link into your browser yourself (nothing was recorded)"
        )));
    }
    Ok(())
}
