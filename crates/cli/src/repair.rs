//! `latchkey repair`: brings back a vault that sled can no longer open (see
//! `latchkey_vault::repair`): a copy of every vault file is kept first, then the database is
//! repaired, then every record is opened to prove it.

use std::path::Path;

use latchkey_vault::OsKeychain;

use crate::error::CliError;

pub fn repair(dir: &Path) -> Result<(), CliError> {
    eprintln!(
        "Repairing the vault in {}: a copy of every vault file is kept first.",
        dir.display()
    );
    let report = latchkey_vault::repair(dir, &OsKeychain::new())?;
    println!("{report}");
    Ok(())
}
