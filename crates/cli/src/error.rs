//! What the CLI reports and with which exit code. Codes are part of the CLI contract:
//! 1 other failure, 2 usage, 3 not allowed (denied, verification failed, no passkey),
//! 4 request rejected (bad origin/RP ID, malformed options, excluded credential, unsupported
//! algorithm), 5 vault or keychain problem (also: a wrong, mistyped or malformed recovery key,
//! no recovery kit, a recovery command while the app runs), 6 a sign-in link for a site Latchkey does not know
//! (`link check|open`; a trusted link is 0, any other verdict 3).
//! `import`/`export`: 4 the file is not one Latchkey reads (unknown or malformed format,
//! truncated, too big, unsupported) or some of its items cannot be imported and `--skip-bad`
//! was not given; 5 vault or keychain problem, or a wrong passphrase; 3 the OS check refused the
//! export; 2 usage (passphrases differ, `--plain` not confirmed, the output file exists);
//! 1 the file cannot be read or written; 5 also while the app runs (use its "Import & export" tab).
//! `hid serve`: 1 the virtual security key cannot be created (no /dev/uhid, no permission) or
//! stopped on an error; 5 vault or keychain problem, or the app runs (turn on its setting).
//! `hid status`: 0 the key can run here, 1 it cannot (the message says what to do).

use latchkey_authenticator::client::ClientError;
use latchkey_vault::VaultError;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error("{name}: {0}", name = .0.dom_name())]
    WebAuthn(#[from] ClientError),
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Other(String),
    /// An import or export failed; `code` follows the table above, `message` names the file.
    #[error("{message}")]
    Transfer { code: i32, message: String },
    /// The OS check (polkit, Windows Hello, Touch ID) refused a vault command.
    #[error("{0}")]
    NotAllowed(String),
    /// A command the running app must do itself (it owns the vault's files while it runs).
    #[error("{0}")]
    AppRunning(String),
    /// The outcome was already printed (e.g. `hid status` not ready): only the exit code.
    #[error("")]
    Silent(i32),
    /// The app answered with an error; `code` follows the table above.
    #[error("{message}")]
    App { code: i32, message: String },
}

impl CliError {
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Other(_) => 1,
            CliError::Usage(_) => 2,
            CliError::WebAuthn(ClientError::NotAllowed(_)) => 3,
            CliError::WebAuthn(ClientError::Unknown(_)) => 1,
            CliError::WebAuthn(_) => 4,
            CliError::NotAllowed(_) => 3,
            CliError::Vault(_) | CliError::AppRunning(_) => 5,
            CliError::App { code, .. } | CliError::Transfer { code, .. } => *code,
            CliError::Silent(code) => *code,
        }
    }
}
