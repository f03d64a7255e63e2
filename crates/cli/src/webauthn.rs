//! `latchkey webauthn create|get`: the WebAuthn client in a terminal. Options JSON on stdin,
//! response JSON on stdout, the approval on the terminal and the OS verification before signing.

use std::io::Read;
use std::path::Path;

use latchkey_authenticator::{client, Authenticator, Door};

use crate::approver::TerminalApprover;
use crate::args::CeremonyArgs;
use crate::error::CliError;
use crate::manage;

/// Options are small; anything bigger is not options.
const MAX_OPTIONS_BYTES: u64 = 1 << 20;

pub fn read_options() -> Result<String, CliError> {
    let mut s = String::new();
    std::io::stdin()
        .take(MAX_OPTIONS_BYTES + 1)
        .read_to_string(&mut s)
        .map_err(|e| CliError::Usage(format!("could not read the options from stdin: {e}")))?;
    if s.len() as u64 > MAX_OPTIONS_BYTES {
        return Err(CliError::Usage(
            "the options on stdin are larger than 1 MiB".into(),
        ));
    }
    if s.trim().is_empty() {
        return Err(CliError::Usage(
            "expected the WebAuthn options as JSON on stdin".into(),
        ));
    }
    Ok(s)
}

fn authenticator(
    dir: &Path,
    args: &CeremonyArgs,
) -> Result<Authenticator<latchkey_vault::Vault, TerminalApprover>, CliError> {
    let vault = manage::open(dir)?;
    let approver = TerminalApprover {
        yes: args.yes,
        account: args.account.clone(),
        verifier: latchkey_verify::platform_verifier(),
    };
    Ok(Authenticator::new(vault, approver))
}

pub fn create(dir: &Path, args: &CeremonyArgs) -> Result<(), CliError> {
    let options = read_options()?;
    let mut auth = authenticator(dir, args)?;
    let response = client::create(&mut auth, &args.origin, &options, Door::Cli)?;
    println!("{response}");
    Ok(())
}

pub fn get(dir: &Path, args: &CeremonyArgs) -> Result<(), CliError> {
    let options = read_options()?;
    let mut auth = authenticator(dir, args)?;
    let response = client::get(&mut auth, &args.origin, &options, Door::Cli)?;
    println!("{response}");
    Ok(())
}
