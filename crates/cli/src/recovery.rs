//! The recovery kit on the command line: the key printed once by `latchkey init` and
//! `latchkey recovery new` (and optionally the printable page, `--kit FILE`), and
//! `latchkey recover`, which puts the data key back into the OS keychain from the kit.

use std::io::{IsTerminal, Write};
use std::path::Path;

use latchkey_vault::{recovery_kit_html, OsKeychain, RecoveryKey, Vault};
use latchkey_verify::VerificationRequest;
use zeroize::Zeroizing;

use crate::error::CliError;
use crate::terminal;

/// What follows the key, so nobody mistakes it for something to throw away.
pub const KEEP_IT_SAFE: &str = "Keep this recovery key safe and offline (write it down, or print the kit): it is shown only this once. If the OS keychain ever loses the vault's key, `latchkey recover` with this key brings your passkeys back; without it they are lost.";

/// Refuses a `--kit` path that exists, before anything else is done, so a refused kit file
/// never leaves a half-made vault or kit behind.
pub fn check_kit_path(kit: Option<&Path>) -> Result<(), CliError> {
    if let Some(path) = kit {
        if path.symlink_metadata().is_ok() {
            return Err(CliError::Usage(format!(
                "{} already exists; refusing to overwrite it. Choose a new file name for the recovery kit",
                path.display()
            )));
        }
    }
    Ok(())
}

/// Makes a new kit for `vault` (retiring any older one) and prints the key on its own line,
/// `Recovery key: XXXXX-…`, then the keep-it-safe line; with `kit`, also writes the page.
/// The kit file is created before the key is made, so a file that cannot be written never
/// costs the old kit; the key is printed before the page is written, so it is never lost.
pub fn make_and_print(vault: &Vault, kit: Option<&Path>) -> Result<(), CliError> {
    let mut file = match kit {
        Some(path) => Some((path, create_new_private(path)?)),
        None => None,
    };
    let (key, info) = match vault.new_recovery_key() {
        Ok(made) => made,
        Err(e) => {
            if let Some((path, f)) = file.take() {
                drop(f);
                let _ = std::fs::remove_file(path);
            }
            return Err(e.into());
        }
    };
    println!("Recovery key: {}", key.display().as_str());
    println!("{KEEP_IT_SAFE}");
    if let Some((path, mut f)) = file {
        let page = recovery_kit_html(&key, &info, vault.dir());
        let io = |e: std::io::Error| {
            CliError::Other(format!(
                "cannot write the recovery kit to {}: {e}. The recovery key above is valid: write it down",
                path.display()
            ))
        };
        f.write_all(page.as_bytes()).map_err(io)?;
        f.sync_all().map_err(io)?;
        println!(
            "Wrote the printable recovery kit to {} (print it, then keep it offline).",
            path.display()
        );
    }
    Ok(())
}

/// `latchkey recovery new [--kit FILE]`: behind the OS check, like signing.
pub fn new_kit(dir: &Path, kit: Option<&Path>) -> Result<(), CliError> {
    check_kit_path(kit)?;
    // A missing vault or key is said before the OS check asks anything; the check runs
    // before the database is opened, so a refusal leaves every file as it was.
    Vault::check_keychain(dir, &OsKeychain::new())?;
    os_check("create a new Latchkey recovery kit")?;
    let vault = crate::manage::open(dir)?;
    make_and_print(&vault, kit)?;
    println!(
        "Made a new recovery kit for the vault in {}; the previous recovery key no longer opens it.",
        dir.display()
    );
    Ok(())
}

/// `latchkey recover`: the key from the terminal or stdin, then the OS check, then the kit.
pub fn recover(dir: &Path) -> Result<(), CliError> {
    let typed = read_key()?;
    // A typo is caught here, before the OS check and before any file is read.
    let key = RecoveryKey::parse(&typed)?;
    drop(typed);
    os_check("recover the Latchkey vault with its recovery key")?;
    let keychain = OsKeychain::new();
    let vault = Vault::recover(dir, &keychain, &key)?;
    // Opens every passkey, private key included, to prove the recovery rather than assume it.
    let metas = vault.list()?;
    for m in &metas {
        if vault.get(&m.credential_id)?.is_none() {
            return Err(CliError::Other(
                "a passkey listed in the vault is missing its record; run `latchkey repair`".into(),
            ));
        }
    }
    println!(
        "Recovered the vault in {}: its key is back in the OS keychain (as {}), and {}.",
        dir.display(),
        keychain.entry_name(vault.id()),
        match metas.len() {
            0 => "it holds no passkeys yet".to_owned(),
            1 => "its 1 passkey opened".to_owned(),
            n => format!("all {n} passkeys opened"),
        }
    );
    println!("Your recovery key still works; keep it safe.");
    Ok(())
}

fn os_check(operation: &str) -> Result<(), CliError> {
    latchkey_verify::platform_verifier()
        .verify(&VerificationRequest {
            operation,
            rp_id: "Latchkey",
            account: None,
        })
        .map_err(|e| CliError::NotAllowed(format!("the OS check did not pass: {e}")))
}

/// One line: typed at the terminal (asked on stderr), or piped on stdin.
fn read_key() -> Result<Zeroizing<String>, CliError> {
    if std::io::stdin().is_terminal() {
        eprint!("Type the recovery key from your kit (spaces and dashes do not matter): ");
        std::io::stderr().flush().ok();
    }
    // 1 KiB is far more than any key; more is not a key.
    let line = terminal::stdin_line(1024, "the recovery key")?;
    if line.trim().is_empty() {
        return Err(CliError::Usage(
            "expected the recovery key on the terminal or on stdin".into(),
        ));
    }
    Ok(line)
}

/// Creates `path` empty with mode 0600, never replacing a file that is there.
fn create_new_private(path: &Path) -> Result<std::fs::File, CliError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            CliError::Usage(format!(
                "{} already exists; refusing to overwrite it. Choose a new file name for the recovery kit",
                path.display()
            ))
        } else {
            CliError::Other(format!(
                "cannot create the recovery kit file {}: {e}",
                path.display()
            ))
        }
    })
}
