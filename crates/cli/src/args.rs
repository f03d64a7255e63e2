//! The command line, as clap sees it. This is a contract: scripts and later doors rely on these
//! names, so change them only with care.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "latchkey",
    version,
    about = "Latchkey: passkeys on this PC, encrypted under a key in the OS keychain"
)]
pub struct Cli {
    /// Where the vault lives (default: $LATCHKEY_DATA_DIR, else the platform's data directory).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new, empty vault and its data key in the OS keychain.
    Init,
    /// List the passkeys stored here.
    List {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Show one passkey (ID: its credential id in base64url, or a unique prefix of it).
    Show {
        #[arg(allow_hyphen_values = true)]
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Give a passkey a nickname (shown only here, never sent to the site).
    Rename {
        #[arg(allow_hyphen_values = true)]
        id: String,
        name: String,
    },
    /// Delete a passkey. The site keeps its public key; you will not be able to sign in with it.
    Delete {
        #[arg(allow_hyphen_values = true)]
        id: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Forget the data key and close the vault (the CLI never keeps it open between commands).
    Lock,
    /// Repair a vault that no longer opens after a crash: keeps a copy of every vault file in
    /// <data dir>/damaged-<time>/ first, then rebuilds the database's index from its log.
    Repair,
    /// Run a WebAuthn ceremony as a browser would, for scripts and tests.
    #[command(subcommand)]
    Webauthn(WebauthnCommand),
}

#[derive(Debug, Subcommand)]
pub enum WebauthnCommand {
    /// Read PublicKeyCredentialCreationOptionsJSON on stdin, print RegistrationResponseJSON.
    Create(CeremonyArgs),
    /// Read PublicKeyCredentialRequestOptionsJSON on stdin, print AuthenticationResponseJSON.
    Get(CeremonyArgs),
}

#[derive(Debug, clap::Args)]
pub struct CeremonyArgs {
    /// The web origin asking, e.g. https://example.com
    #[arg(long)]
    pub origin: String,
    /// Approve without asking on the terminal (the OS verification still runs).
    #[arg(long)]
    pub yes: bool,
    /// Which account to use when the site has several here (user name, display name or nickname).
    #[arg(long, value_name = "NAME")]
    pub account: Option<String>,
}
