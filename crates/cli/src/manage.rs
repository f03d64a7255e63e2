//! The vault-management commands: init, list, show, rename, delete, lock.

use std::io::{BufRead, Write};
use std::path::Path;

use latchkey_vault::{OsKeychain, PasskeyMeta, Vault, VaultError};

use crate::error::CliError;
use crate::output;

pub fn open(dir: &Path) -> Result<Vault, CliError> {
    Ok(Vault::open(dir, &OsKeychain::new())?)
}

pub fn init(dir: &Path) -> Result<(), CliError> {
    let vault = Vault::init(dir, &OsKeychain::new())?;
    println!(
        "Created an empty vault in {} (its key is in the OS keychain as {}).",
        dir.display(),
        OsKeychain::new().entry_name(vault.id())
    );
    Ok(())
}

fn sorted(vault: &Vault) -> Result<Vec<PasskeyMeta>, CliError> {
    let mut items = vault.list()?;
    items.sort_by(|a, b| {
        (a.rp_id.as_str(), output::account(a), a.created_at).cmp(&(
            b.rp_id.as_str(),
            output::account(b),
            b.created_at,
        ))
    });
    Ok(items)
}

pub fn list(dir: &Path, json: bool) -> Result<(), CliError> {
    let vault = open(dir)?;
    let items = sorted(&vault)?;
    if json {
        let all: Vec<_> = items.iter().map(output::to_json).collect();
        println!("{}", serde_json::Value::Array(all));
    } else if items.is_empty() {
        println!("No passkeys yet. Sites offer to create one when you sign up or in their security settings.");
    } else {
        print!("{}", output::table(&items));
    }
    Ok(())
}

/// Finds a passkey by its full credential id (base64url) or a unique prefix of it.
fn resolve(vault: &Vault, id: &str) -> Result<PasskeyMeta, CliError> {
    let id = id.trim().trim_end_matches('=');
    if id.is_empty() {
        return Err(CliError::Usage(
            "the passkey ID is empty; see `latchkey list`".into(),
        ));
    }
    let hits: Vec<PasskeyMeta> = vault
        .list()?
        .into_iter()
        .filter(|m| output::b64(&m.credential_id).starts_with(id))
        .collect();
    let exact = hits
        .iter()
        .position(|m| output::b64(&m.credential_id) == id);
    match (exact, hits.len()) {
        (Some(i), _) => Ok(hits[i].clone()),
        (None, 1) => Ok(hits[0].clone()),
        (None, 0) => Err(CliError::Other(format!(
            "no passkey has the ID {id}; `latchkey list` shows the IDs"
        ))),
        (None, n) => Err(CliError::Usage(format!(
            "{n} passkeys have IDs starting with {id}; type more of the ID"
        ))),
    }
}

pub fn show(dir: &Path, id: &str, json: bool) -> Result<(), CliError> {
    let vault = open(dir)?;
    let m = resolve(&vault, id)?;
    if json {
        println!("{}", output::to_json(&m));
    } else {
        print!("{}", output::details(&m));
    }
    Ok(())
}

pub fn rename(dir: &Path, id: &str, name: &str) -> Result<(), CliError> {
    let vault = open(dir)?;
    let m = resolve(&vault, id)?;
    let name = name.trim();
    if name.chars().count() > 64 {
        return Err(CliError::Usage(
            "a nickname has at most 64 characters".into(),
        ));
    }
    // An empty name clears the nickname.
    vault.rename(&m.credential_id, (!name.is_empty()).then_some(name))?;
    if name.is_empty() {
        println!(
            "Cleared the nickname of the passkey for {} ({}).",
            m.rp_id,
            output::account(&m)
        );
    } else {
        println!(
            "Renamed the passkey for {} ({}) to {name:?}.",
            m.rp_id,
            output::account(&m)
        );
    }
    Ok(())
}

pub fn delete(dir: &Path, id: &str, yes: bool) -> Result<(), CliError> {
    let vault = open(dir)?;
    let m = resolve(&vault, id)?;
    let what = format!("the passkey for {} ({})", m.rp_id, output::account(&m));
    if !yes
        && !confirm(&format!(
            "Delete {what}? You will not be able to sign in with it. [y/N] "
        ))?
    {
        return Err(CliError::Other("nothing was deleted".into()));
    }
    if !vault.delete(&m.credential_id)? {
        return Err(VaultError::NotFound.into());
    }
    println!("Deleted {what}.");
    Ok(())
}

fn confirm(question: &str) -> Result<bool, CliError> {
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|_| {
            CliError::Usage(
                "there is no terminal to confirm on; pass --yes to delete from a script".into(),
            )
        })?;
    let mut w = tty
        .try_clone()
        .map_err(|e| CliError::Other(e.to_string()))?;
    write!(w, "{question}").ok();
    w.flush().ok();
    let mut line = String::new();
    std::io::BufReader::new(tty)
        .read_line(&mut line)
        .map_err(|e| CliError::Other(e.to_string()))?;
    Ok(matches!(line.trim().to_lowercase().as_str(), "y" | "yes"))
}

/// The CLI opens the vault per command and forgets the key when the command ends, so there is
/// no CLI session to end; this checks that nothing else holds it open.
pub fn lock(dir: &Path) -> Result<(), CliError> {
    match open(dir) {
        Ok(vault) => {
            vault.lock();
            println!("Locked: no Latchkey process holds the vault or its key.");
            Ok(())
        }
        Err(CliError::Vault(VaultError::InUse { path })) => Err(CliError::Other(format!(
            "the vault at {path} is held open by another Latchkey process (the app); lock it there"
        ))),
        Err(e) => Err(e),
    }
}
