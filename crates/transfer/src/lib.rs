//! Moving passkeys in and out of Latchkey.
//!
//! Export writes the FIDO Alliance Credential Exchange Format (CXF) with Bitwarden's
//! `credential-exchange-format` types, optionally wrapped in `age` under a passphrase. Import
//! reads CXF (clear or age), Bitwarden's JSON export (plain and password-protected), KeePassXC's
//! `.passkey` files and KDBX databases. Every imported key is re-opened with the authenticator's
//! own `CredentialKey::from_pkcs8`, so a passkey that comes in is one that will sign.
//!
//! No session, no vault writes here: [`read`] returns records and per-item problems; the
//! session decides about duplicates and commits.

mod age_file;
mod bitwarden;
mod bitwarden_crypto;
mod convert;
mod cxf;
mod detect;
mod error;
mod kdbx;
mod keepassxc;

use serde::{Deserialize, Serialize};

pub use age_file::{decrypt, encrypt};
pub use cxf::write_cxf;
pub use detect::detect;
pub use error::TransferError;

/// The format a person picked for an import (`--format`), or `Auto` to look at the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FormatChoice {
    Auto,
    Cxf,
    Bitwarden,
    Keepassxc,
}

/// The concrete format of a file, as [`detect`] found it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// Clear CXF JSON.
    Cxf,
    /// CXF JSON inside an age file (scrypt passphrase), as `latchkey export` writes it.
    CxfAge,
    /// Bitwarden's unencrypted JSON export.
    Bitwarden,
    /// Bitwarden's password-protected ("encrypted JSON") export.
    BitwardenEncrypted,
    /// A KeePassXC `.passkey` file (one passkey, JSON).
    KeepassxcPasskey,
    /// A KeePass/KeePassXC database.
    Kdbx,
}

impl Format {
    /// The name shown to people (import preview, CLI summary).
    pub fn label(self) -> &'static str {
        match self {
            Format::Cxf => "CXF",
            Format::CxfAge => "CXF (age-encrypted)",
            Format::Bitwarden => "Bitwarden JSON",
            Format::BitwardenEncrypted => "Bitwarden JSON (password-protected)",
            Format::KeepassxcPasskey => "KeePassXC .passkey",
            Format::Kdbx => "KeePass database (KDBX)",
        }
    }

    /// Whether [`read`] needs a passphrase for this format.
    pub fn needs_passphrase(self) -> bool {
        matches!(
            self,
            Format::CxfAge | Format::BitwardenEncrypted | Format::Kdbx
        )
    }
}

/// Bounds that keep a hostile or mistaken file from exhausting memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest file accepted (the bytes given to [`read`]).
    pub max_file_bytes: u64,
    /// Most items (of any kind) accepted in one file.
    pub max_items: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 512 * 1024 * 1024,
            max_items: 1_000_000,
        }
    }
}

/// Everything a file held, converted.
#[derive(Debug)]
pub struct Parsed {
    pub format: Format,
    pub items: Vec<Incoming>,
    pub problems: Vec<ItemProblem>,
    /// Non-passkey items in the file (passwords, notes) that were ignored.
    pub ignored: usize,
}

/// One passkey that converted cleanly.
#[derive(Debug)]
pub struct Incoming {
    /// position of the item in the file, 1-based, as people count
    pub index: usize,
    pub record: latchkey_vault::PasskeyRecord,
}

/// An item that could not be converted, and why.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemProblem {
    pub index: usize,
    /// what the file calls the item (title, rpId, user)
    pub item: String,
    pub reason: String,
}

/// Parses and converts every passkey in the file. Item-level problems do not fail the call;
/// file-level ones (not the format, truncated, wrong passphrase, too big) do.
/// `progress(done, total)` is called as items are converted (at most every 1%/every 1000).
pub fn read(
    bytes: &[u8],
    file_name: Option<&str>,
    choice: FormatChoice,
    passphrase: Option<&str>,
    limits: &Limits,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Parsed, TransferError> {
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(TransferError::TooBig {
            limit: limits.max_file_bytes,
        });
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let format = detect(bytes, file_name, choice)?;
    let need = || {
        passphrase
            .filter(|p| !p.is_empty())
            .ok_or(TransferError::PassphraseNeeded)
    };
    match format {
        Format::Cxf => cxf::read(bytes, format, limits, progress),
        Format::CxfAge => {
            let plain = decrypt(bytes, need()?)?;
            cxf::read(&plain, format, limits, progress)
        }
        // The file itself says whether it is password-protected.
        Format::Bitwarden | Format::BitwardenEncrypted => {
            bitwarden::read(bytes, passphrase, limits, progress)
        }
        Format::KeepassxcPasskey => keepassxc::read(bytes, limits, progress),
        Format::Kdbx => kdbx::read(bytes, passphrase, limits, progress),
    }
}
