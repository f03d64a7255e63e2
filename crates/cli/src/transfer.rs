//! `latchkey export` and `latchkey import`: the session's import/export (crates/session's
//! transfer.rs) on a terminal. The CLI opens the vault itself (the app is not running, see
//! main.rs), so the work, the checks and the activity entries are the app's own.
//!
//! Passphrases: asked on the terminal without echo (twice for an export), or one line read
//! from stdin when stdin is not a terminal (scripts). They are never printed or logged.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;

use latchkey_session::{
    display_name, import_read_path, Door, FormatChoice, ImportPreview, ImportProgress, ImportStage,
    ItemProblem, NoEvents, Parsed, Session, SessionError, TransferError,
};
use latchkey_vault::{sanitize_name, OsKeychain, RP_ID_MAX_CHARS, USER_NAME_MAX_CHARS};
use zeroize::Zeroizing;

use crate::args::FormatArg;
use crate::error::CliError;
use crate::terminal;

/// Shorter passphrases are refused for an export: the file may travel anywhere.
const MIN_PASSPHRASE_CHARS: usize = 8;
/// Problems printed on the terminal before "and N more" (`--json` lists them all).
const SHOWN_PROBLEMS: usize = 20;

/// The warning `--plain` prints (stderr) before anything is written.
pub const PLAIN_WARNING: &str = "WARNING: --plain writes every exported private key in clear text. Anyone who can read the file (a backup, a synced folder, another program, another user) can sign in as you on every site in it. Prefer an encrypted export (leave out --plain), and delete a clear file as soon as it has been imported.";

fn choice(format: FormatArg) -> FormatChoice {
    match format {
        FormatArg::Auto => FormatChoice::Auto,
        FormatArg::Cxf => FormatChoice::Cxf,
        FormatArg::Bitwarden => FormatChoice::Bitwarden,
        FormatArg::Keepassxc => FormatChoice::Keepassxc,
    }
}

/// A session over the vault in `dir`, opened as the other vault commands open it.
fn session(dir: &Path) -> Result<Arc<Session>, CliError> {
    let s = Session::new(
        dir,
        Box::new(OsKeychain::new()),
        latchkey_verify::platform_verifier(),
        Arc::new(NoEvents),
    );
    s.open_for_command().map_err(|e| fail(None, e))?;
    Ok(s)
}

/// The exit code and message for a session error; `file` is named when the file is at fault.
fn fail(file: Option<&Path>, e: SessionError) -> CliError {
    let e = match e {
        SessionError::Vault(v) => return CliError::Vault(v),
        e => e,
    };
    let code = match &e {
        SessionError::Locked | SessionError::PassphraseNeeded => 5,
        SessionError::Transfer(TransferError::WrongPassphrase) => 5,
        SessionError::Transfer(TransferError::Io(_)) => 1,
        SessionError::Transfer(_) | SessionError::ImportHasProblems(_) => 4,
        SessionError::Verification(_) => 3,
        _ => 1,
    };
    let hint = match e {
        SessionError::ImportHasProblems(_) => " (pass --skip-bad to import the others)",
        _ => "",
    };
    let message = match file {
        Some(f) => format!("{}: {e}{hint}", f.display()),
        None => format!("{e}{hint}"),
    };
    CliError::Transfer { code, message }
}

/// A passphrase piped on stdin: one line, without its line ending (spaces at either end are
/// part of it).
fn stdin_line() -> Result<Zeroizing<String>, CliError> {
    terminal::stdin_line(u64::MAX, "the passphrase from stdin")
}

fn ask_hidden(prompt: &str) -> Result<Zeroizing<String>, CliError> {
    rpassword::prompt_password(prompt)
        .map(Zeroizing::new)
        .map_err(|e| CliError::Usage(format!("could not read the passphrase: {e}")))
}

/// The export passphrase: twice on the terminal (they must match), or one stdin line.
fn new_passphrase() -> Result<Zeroizing<String>, CliError> {
    let passphrase = if std::io::stdin().is_terminal() {
        let first = ask_hidden("Passphrase for the export file: ")?;
        let second = ask_hidden("The same passphrase again: ")?;
        if *first != *second {
            return Err(CliError::Usage(
                "the two passphrases differ; nothing was exported".into(),
            ));
        }
        first
    } else {
        stdin_line()?
    };
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(CliError::Usage(format!(
            "the passphrase is too short: use at least {MIN_PASSPHRASE_CHARS} characters (a few random words are best); nothing was exported"
        )));
    }
    Ok(passphrase)
}

/// `--plain` needs a typed "yes" on the terminal, or `--yes`.
fn confirm_plain(yes: bool) -> Result<(), CliError> {
    eprintln!("{PLAIN_WARNING}");
    if yes {
        return Ok(());
    }
    let answer = terminal::ask_tty(
        "Type yes to write the private keys in clear text: ",
        "--plain needs a confirmation and there is no terminal to ask on; pass --yes as well to write clear JSON from a script (nothing was exported)",
    )?;
    if answer != "yes" {
        return Err(CliError::Usage(
            "not confirmed; nothing was exported".into(),
        ));
    }
    Ok(())
}

pub fn export(
    dir: &Path,
    out: &Path,
    sites: &[String],
    plain: bool,
    yes: bool,
) -> Result<(), CliError> {
    // Never over an existing file: it may be the person's only copy of something.
    if out.exists() {
        return Err(CliError::Usage(format!(
            "{} already exists; choose a new file name (nothing was exported)",
            out.display()
        )));
    }
    let passphrase = if plain {
        confirm_plain(yes)?;
        None
    } else {
        Some(new_passphrase()?)
    };
    let s = session(dir)?;
    let count = s
        .export_to_as(
            out,
            sites,
            passphrase.as_deref().map(|p| p.as_str()),
            Door::Cli,
        )
        .map_err(|e| fail(None, e))?;
    let how = if plain {
        "clear CXF JSON: keep it safe, and delete it once imported"
    } else {
        "CXF, encrypted with your passphrase"
    };
    println!("Exported {} to {} ({how}).", passkeys(count), out.display());
    Ok(())
}

fn passkeys(n: usize) -> String {
    if n == 1 {
        "1 passkey".into()
    } else {
        format!("{n} passkeys")
    }
}

/// Progress on stderr, only for a person watching a terminal.
fn progress_printer() -> impl Fn(ImportProgress) {
    let tty = std::io::stderr().is_terminal();
    move |p: ImportProgress| {
        if tty && p.total > 0 {
            let what = match p.stage {
                ImportStage::Reading => "Reading",
                ImportStage::Adding => "Adding",
            };
            eprint!("\r{what} {}/{}   ", p.done, p.total);
            if p.done >= p.total {
                eprintln!();
            }
        }
    }
}

/// Reads the file, asking for its passphrase only when it turns out to need one. The vault is
/// not opened yet: a file refused here leaves the data directory exactly as it was.
fn read_file(
    file: &Path,
    format: FormatChoice,
    progress: &dyn Fn(ImportProgress),
) -> Result<Parsed, CliError> {
    match import_read_path(file, format, None, progress) {
        Err(SessionError::PassphraseNeeded) => {
            let passphrase = if std::io::stdin().is_terminal() {
                ask_hidden(&format!("Passphrase for {}: ", file.display()))?
            } else {
                stdin_line()?
            };
            import_read_path(file, format, Some(&passphrase), progress)
                .map_err(|e| fail(Some(file), e))
        }
        other => other.map_err(|e| fail(Some(file), e)),
    }
}

fn problem_line(p: &ItemProblem) -> String {
    format!(
        "  item {} ({}): {}",
        p.index,
        sanitize_name(&p.item, 120),
        sanitize_name(&p.reason, 300)
    )
}

fn print_problems(to_stderr: bool, heading: &str, problems: &[ItemProblem]) {
    if problems.is_empty() {
        return;
    }
    let mut text = format!("{heading}\n");
    for p in problems.iter().take(SHOWN_PROBLEMS) {
        text.push_str(&problem_line(p));
        text.push('\n');
    }
    if problems.len() > SHOWN_PROBLEMS {
        text.push_str(&format!(
            "  … and {} more (--json lists them all)\n",
            problems.len() - SHOWN_PROBLEMS
        ));
    }
    if to_stderr {
        eprint!("{text}");
    } else {
        print!("{text}");
    }
}

fn print_preview(file: &Path, p: &ImportPreview) {
    println!(
        "{}: {}, {}: {} new, {} already here, {} with problems; {} other item(s) ignored.",
        file.display(),
        p.format,
        passkeys(p.total),
        p.new,
        p.duplicates,
        p.problems.len(),
        p.ignored
    );
    for item in &p.items {
        let account = item
            .user_name
            .as_deref()
            .or(item.user_display_name.as_deref())
            .map(|n| sanitize_name(n, USER_NAME_MAX_CHARS))
            .unwrap_or_else(|| "(unnamed account)".into());
        println!(
            "  {:<9} {:<30} {:<30} {}",
            if item.duplicate { "duplicate" } else { "new" },
            sanitize_name(&item.rp_id, RP_ID_MAX_CHARS),
            account,
            item.algorithm
        );
    }
    if p.items.len() < p.total - p.problems.len() {
        println!(
            "  … and {} more",
            p.total - p.problems.len() - p.items.len()
        );
    }
    print_problems(false, "Problems:", &p.problems);
}

pub fn import(
    dir: &Path,
    file: &Path,
    format: FormatArg,
    skip_bad: bool,
    dry_run: bool,
    json: bool,
) -> Result<(), CliError> {
    let progress = progress_printer();
    let parsed = read_file(file, choice(format), &progress)?;
    if !parsed.problems.is_empty() && !skip_bad && !dry_run {
        // Refused before the vault is even opened: its files stay byte for byte as they were.
        print_problems(true, "These items cannot be imported:", &parsed.problems);
        return Err(fail(
            Some(file),
            SessionError::ImportHasProblems(parsed.problems.len()),
        ));
    }
    let s = session(dir)?;
    let preview = s
        .import_stage(parsed, &display_name(file))
        .map_err(|e| fail(Some(file), e))?;
    if dry_run {
        s.import_discard(&preview.token);
        if json {
            println!(
                "{}",
                serde_json::to_string(&preview).map_err(|e| CliError::Other(e.to_string()))?
            );
        } else {
            print_preview(file, &preview);
            println!("Dry run: nothing was imported.");
        }
        return Ok(());
    }
    let summary = s
        .import_commit_as(&preview.token, skip_bad, Door::Cli, &progress)
        .map_err(|e| fail(Some(file), e))?;
    if json {
        println!(
            "{}",
            serde_json::to_string(&summary).map_err(|e| CliError::Other(e.to_string()))?
        );
        return Ok(());
    }
    let mut line = format!(
        "Imported {} from {}",
        passkeys(summary.added),
        file.display()
    );
    if summary.duplicates > 0 {
        line.push_str(&format!(
            "; skipped {} already here",
            passkeys(summary.duplicates)
        ));
    }
    if !summary.skipped.is_empty() {
        line.push_str(&format!(
            "; skipped {} bad item(s), listed below",
            summary.skipped.len()
        ));
    }
    println!("{line}.");
    print_problems(false, "Skipped:", &summary.skipped);
    Ok(())
}
