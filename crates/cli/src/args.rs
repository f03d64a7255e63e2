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
    /// Create a new, empty vault and its data key in the OS keychain, and its recovery kit:
    /// prints the recovery key once, on a line starting with `Recovery key: `.
    Init {
        /// Also write the printable recovery kit page (HTML) to FILE (never overwritten).
        #[arg(long, value_name = "FILE")]
        kit: Option<PathBuf>,
    },
    /// The recovery kit: the second way to the vault's key if the OS keychain loses it.
    #[command(subcommand)]
    Recovery(RecoveryCommand),
    /// Open the vault with its recovery key (typed on the terminal, or one line on stdin) and
    /// put its data key back into the OS keychain. Exit code 5 when the key is wrong.
    Recover,
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
    /// Export passkeys to a file in the FIDO Credential Exchange Format (CXF), encrypted with a
    /// passphrase you choose (age). Asks for the passphrase twice on the terminal, or reads one
    /// line from stdin when stdin is not a terminal. Runs the OS check first.
    Export {
        /// The file to write (it must not exist yet); written whole or not at all, mode 0600.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Only the passkeys for this site (its RP ID, e.g. example.com); repeat for more.
        #[arg(long = "site", value_name = "SITE")]
        sites: Vec<String>,
        /// Write clear JSON instead: every private key readable by anyone who gets the file.
        #[arg(long)]
        plain: bool,
        /// With --plain: do not ask to confirm the clear-text export.
        #[arg(long)]
        yes: bool,
    },
    /// Import passkeys from a file: a CXF export (clear or age-encrypted, e.g. from `latchkey
    /// export`, Bitwarden or 1Password), Bitwarden's JSON export (plain or password-protected),
    /// a KeePassXC .passkey file or a .kdbx database. Passkeys already here are skipped. A file
    /// with bad items is refused whole unless --skip-bad. Asks for a passphrase only when the
    /// file is encrypted. Exit code: 4 the file or one of its items is bad, 5 vault, keychain or
    /// wrong passphrase.
    Import {
        file: PathBuf,
        /// The file's format (default: recognised from the file).
        #[arg(long, value_enum, default_value_t = FormatArg::Auto, value_name = "FORMAT")]
        format: FormatArg,
        /// Import the good passkeys and skip (and list) the items that cannot be imported.
        #[arg(long)]
        skip_bad: bool,
        /// Show what would be imported (new, already here, problems) and import nothing.
        #[arg(long)]
        dry_run: bool,
        /// Machine-readable output: the preview (--dry-run) or the summary.
        #[arg(long)]
        json: bool,
    },
    /// Run a WebAuthn ceremony as a browser would, for scripts and tests.
    #[command(subcommand)]
    Webauthn(WebauthnCommand),
    /// Set up the browsers to reach Latchkey: the native messaging host manifest that lets the
    /// Latchkey extension start latchkey-browser-host.
    #[command(subcommand)]
    Browser(BrowserCommand),
    /// Latchkey as a FIDO2 security key for every program on this PC (Linux, /dev/uhid): the
    /// same prompts and OS check as every other way in.
    #[command(subcommand)]
    Hid(HidCommand),
    /// Check a sign-in (magic) link against your sites before anything opens, or open it.
    /// Exit code: 0 trusted, 6 unknown site, 3 anything else.
    #[command(subcommand)]
    Link(LinkCommand),
}

#[derive(Debug, Subcommand)]
pub enum HidCommand {
    /// Run the virtual security key in the foreground until Ctrl+C (SIGINT) or SIGTERM. Prints
    /// `ready: /dev/hidrawN` on stdout once the device exists, then one line per request; each
    /// prompt goes to stderr and is answered by one line on stdin ("y" approves; anything else
    /// or the end of input denies). Refused while the app runs (use its setting instead).
    /// Exit code: 1 the device cannot be created (the message says why), 5 vault or keychain.
    Serve {
        /// Approve every prompt without reading stdin (the OS check still runs).
        #[arg(long)]
        yes: bool,
        /// Sign in with the account of this name when a site has several here (user name,
        /// display name or nickname); a sign-in with no such account is denied.
        #[arg(long, value_name = "NAME")]
        account: Option<String>,
    },
    /// Whether the virtual security key can run here, and if not, what to do. Exit code 0
    /// ready, 1 not.
    Status {
        /// Machine-readable output: {"state","ready","message"}.
        #[arg(long)]
        json: bool,
    },
}

/// `latchkey import --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    Auto,
    Cxf,
    Bitwarden,
    Keepassxc,
}

#[derive(Debug, Subcommand)]
pub enum RecoveryCommand {
    /// Make a new recovery key (after the OS check) and print it once; the old key no longer
    /// opens the vault.
    New {
        /// Also write the printable recovery kit page (HTML) to FILE (never overwritten).
        #[arg(long, value_name = "FILE")]
        kit: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum LinkCommand {
    /// Judge the link (trusted, unknown-site, lookalike, refused, already-used, expired); opens nothing.
    Check {
        url: String,
        /// Machine-readable output: {"verdict","site","reasons","imitates","url"}.
        #[arg(long)]
        json: bool,
    },
    /// Judge the link and open it in your browser only if it passes: an unknown site after
    /// you confirm, a lookalike only with --override; refused, used or expired links never.
    Open {
        url: String,
        /// Open an unknown site's link without asking.
        #[arg(long)]
        yes: bool,
        /// Open a link Latchkey judged a lookalike of one of your sites (be certain first).
        #[arg(long = "override")]
        override_: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum BrowserCommand {
    /// Write the host manifest (default: for every browser that has been used here).
    Install(BrowserArgs),
    /// Remove Latchkey's host manifest (a file under its name that is not Latchkey's is kept).
    Uninstall(BrowserArgs),
    /// Say, per browser, whether the host is installed and points at an existing binary.
    Status {
        #[command(flatten)]
        args: BrowserArgs,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, clap::Args)]
pub struct BrowserArgs {
    /// Which browser; `all` means every one whose configuration directory exists (a named
    /// browser is set up even if it has not been started yet).
    #[arg(long, value_enum, default_value_t = BrowserChoice::All, value_name = "NAME")]
    pub browser: BrowserChoice,
    /// One Chromium-family profile directory (what `chromium --user-data-dir=DIR` uses): the
    /// manifest goes to DIR/NativeMessagingHosts/.
    #[arg(long, value_name = "DIR")]
    pub user_data_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BrowserChoice {
    All,
    Chromium,
    Chrome,
    Brave,
    Edge,
    Vivaldi,
    Firefox,
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
