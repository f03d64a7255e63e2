//! The vault-management commands: init (with the first recovery kit), list, show, rename, delete, lock. The helpers are
//! shared with `via_app.rs`, so output is the same whether the CLI or the app holds the vault.

use std::path::Path;

use latchkey_vault::{OsKeychain, PasskeyMeta, Vault, VaultError};

use crate::error::CliError;
use crate::output;
use crate::terminal;

pub fn open(dir: &Path) -> Result<Vault, CliError> {
    Ok(Vault::open(dir, &OsKeychain::new())?)
}

/// Creates the vault and its first recovery kit; prints the recovery key once.
pub fn init(dir: &Path, kit: Option<&Path>) -> Result<(), CliError> {
    crate::recovery::check_kit_path(kit)?;
    let vault = Vault::init(dir, &OsKeychain::new())?;
    println!(
        "Created an empty vault in {} (its key is in the OS keychain as {}).",
        dir.display(),
        OsKeychain::new().entry_name(vault.id())
    );
    crate::recovery::make_and_print(&vault, kit).map_err(|e| {
        CliError::Vault(VaultError::Storage(format!(
            "the vault was created, but its recovery kit was not ({e}); run `latchkey recovery new` to make one"
        )))
    })
}

/// By site, then account, then age.
pub fn sort(items: &mut [PasskeyMeta]) {
    // Cached: the printed account name is computed (cleaned) once per passkey, not per compare.
    items.sort_by_cached_key(|m| (m.rp_id.clone(), output::account(m), m.created_at));
}

pub fn print_list(items: &[PasskeyMeta], json: bool) {
    if json {
        let all: Vec<_> = items.iter().map(output::to_json).collect();
        println!("{}", serde_json::Value::Array(all));
    } else if items.is_empty() {
        println!("No passkeys yet. Sites offer to create one when you sign up or in their security settings.");
    } else {
        print!("{}", output::table(items));
    }
}

pub fn print_one(m: &PasskeyMeta, json: bool) {
    if json {
        println!("{}", output::to_json(m));
    } else {
        print!("{}", output::details(m));
    }
}

pub fn list(dir: &Path, json: bool) -> Result<(), CliError> {
    let mut items = open(dir)?.list()?;
    sort(&mut items);
    print_list(&items, json);
    Ok(())
}

/// The passkey `id` names: its full credential id (base64url) or a unique prefix of it.
pub fn pick(all: Vec<PasskeyMeta>, id: &str) -> Result<PasskeyMeta, CliError> {
    let id = id.trim().trim_end_matches('=');
    if id.is_empty() {
        return Err(CliError::Usage(
            "the passkey ID is empty; see `latchkey list`".into(),
        ));
    }
    let hits: Vec<PasskeyMeta> = all
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
    let m = pick(open(dir)?.list()?, id)?;
    print_one(&m, json);
    Ok(())
}

/// The nickname to store: trimmed, `None` (clear) when empty, at most 64 characters.
pub fn check_nickname(name: &str) -> Result<Option<&str>, CliError> {
    let name = name.trim();
    if name.chars().count() > 64 {
        return Err(CliError::Usage(
            "a nickname has at most 64 characters".into(),
        ));
    }
    Ok((!name.is_empty()).then_some(name))
}

pub fn report_rename(m: &PasskeyMeta, name: Option<&str>) {
    match name {
        None => println!(
            "Cleared the nickname of the passkey for {} ({}).",
            output::site(m),
            output::account(m)
        ),
        Some(name) => println!(
            "Renamed the passkey for {} ({}) to {name:?}.",
            output::site(m),
            output::account(m)
        ),
    }
}

pub fn rename(dir: &Path, id: &str, name: &str) -> Result<(), CliError> {
    let vault = open(dir)?;
    let m = pick(vault.list()?, id)?;
    let name = check_nickname(name)?;
    vault.rename(&m.credential_id, name)?;
    report_rename(&m, name);
    Ok(())
}

/// Asks before a delete unless `--yes`; refuses without a terminal to ask on.
pub fn confirm_delete(m: &PasskeyMeta, yes: bool) -> Result<(), CliError> {
    let what = format!(
        "the passkey for {} ({})",
        output::site(m),
        output::account(m)
    );
    if !yes
        && !confirm(&format!(
            "Delete {what}? You will not be able to sign in with it. [y/N] "
        ))?
    {
        return Err(CliError::Other("nothing was deleted".into()));
    }
    Ok(())
}

pub fn delete(dir: &Path, id: &str, yes: bool) -> Result<(), CliError> {
    let vault = open(dir)?;
    let m = pick(vault.list()?, id)?;
    confirm_delete(&m, yes)?;
    if !vault.delete(&m.credential_id)? {
        return Err(VaultError::NotFound.into());
    }
    println!(
        "Deleted the passkey for {} ({}).",
        output::site(&m),
        output::account(&m)
    );
    Ok(())
}

/// The delete question on the terminal: "y" or "yes" (any case) deletes, anything else keeps.
fn confirm(question: &str) -> Result<bool, CliError> {
    let answer = terminal::ask_tty(
        question,
        "there is no terminal to confirm on; pass --yes to delete from a script",
    )?;
    Ok(matches!(answer.to_lowercase().as_str(), "y" | "yes"))
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
            "the vault at {path} is held open by another Latchkey process; lock it there"
        ))),
        Err(e) => Err(e),
    }
}
