//! What can go wrong with a whole file. Item-level problems are not errors: they are listed in
//! [`crate::Parsed::problems`] so one bad passkey does not block the others.

/// A file-level failure. Messages say what to do next and never contain key material or
/// passphrases.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    #[error("this file is not a passkey export Latchkey can read (CXF, Bitwarden JSON, KeePassXC .passkey or .kdbx); choose the format explicitly if you know it")]
    UnknownFormat,
    #[error("the file is not a valid {format} file: {detail}")]
    NotFormat {
        format: &'static str,
        detail: String,
    },
    #[error(
        "the file ends too early ({0}); it was probably cut off while copying — export it again"
    )]
    Truncated(String),
    #[error("wrong passphrase or password for this file; check it and try again")]
    WrongPassphrase,
    #[error("this file is encrypted; enter its passphrase or password")]
    PassphraseNeeded,
    #[error("the file is larger than the {limit}-byte limit; split the export into smaller files")]
    TooBig { limit: u64 },
    #[error("the file holds more than {limit} items; split the export into smaller files")]
    TooManyItems { limit: usize },
    #[error("unsupported: {0}")]
    Unsupported(String),
    #[error("could not read or write the data: {0}")]
    Io(String),
}
