//! The age (scrypt passphrase) wrapping of an export.
//!
//! The scrypt work factor is fixed rather than calibrated to the machine, so a file made on a
//! fast desktop opens on a slow laptop in about the same second, and the memory a file may ask
//! for when opened is capped: a hostile file cannot make Latchkey allocate gigabytes.

use std::io::{Read, Write};

use age::secrecy::SecretString;
use zeroize::Zeroizing;

use crate::TransferError;

/// The magic line every binary age file starts with.
pub(crate) const AGE_MAGIC: &[u8] = b"age-encryption.org/v1\n";
/// The armored (PEM-like) spelling of an age file.
pub(crate) const AGE_ARMOR: &[u8] = b"-----BEGIN AGE ENCRYPTED FILE-----";
/// scrypt log2(N) for new files: 2^18 × 1 KiB = 256 MiB, about a second of work.
const WORK_FACTOR: u8 = 18;
/// Largest scrypt log2(N) accepted when opening: 2^20 = 1 GiB of memory.
const MAX_WORK_FACTOR: u8 = 20;

/// age (scrypt recipient) around `plain`.
pub fn encrypt(plain: &[u8], passphrase: &str) -> Result<Vec<u8>, TransferError> {
    if passphrase.is_empty() {
        return Err(TransferError::PassphraseNeeded);
    }
    let mut recipient = age::scrypt::Recipient::new(SecretString::from(passphrase.to_owned()));
    recipient.set_work_factor(WORK_FACTOR);
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
            .map_err(|e| TransferError::Io(format!("could not start encrypting: {e}")))?;
    let io = |e: std::io::Error| TransferError::Io(format!("could not encrypt: {e}"));
    let mut out = Vec::with_capacity(plain.len() + plain.len() / 4096 + 512);
    let mut writer = encryptor.wrap_output(&mut out).map_err(io)?;
    writer.write_all(plain).map_err(io)?;
    writer.finish().map_err(io)?;
    Ok(out)
}

/// Opens an age file written by [`encrypt`] (or any age file with one passphrase recipient).
/// A wrong passphrase is `WrongPassphrase`; a file cut short is `Truncated`.
pub fn decrypt(bytes: &[u8], passphrase: &str) -> Result<Zeroizing<Vec<u8>>, TransferError> {
    if bytes.starts_with(AGE_ARMOR) {
        return Err(TransferError::Unsupported(
            "armored (text) age files; decrypt it with `age -d` or export again".into(),
        ));
    }
    if bytes.len() < AGE_MAGIC.len() && AGE_MAGIC.starts_with(bytes) && !bytes.is_empty() {
        return Err(TransferError::Truncated(
            "the file ends inside the age header".into(),
        ));
    }
    let decryptor = age::Decryptor::new(bytes).map_err(|e| header_error(bytes, e))?;
    if !decryptor.is_scrypt() {
        return Err(TransferError::Unsupported(
            "age files encrypted to a key instead of a passphrase".into(),
        ));
    }
    let mut identity = age::scrypt::Identity::new(SecretString::from(passphrase.to_owned()));
    identity.set_max_work_factor(MAX_WORK_FACTOR);
    let mut reader = decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::DecryptionFailed
            | age::DecryptError::KeyDecryptionFailed
            | age::DecryptError::NoMatchingKeys => TransferError::WrongPassphrase,
            age::DecryptError::ExcessiveWork { required, .. } => TransferError::Unsupported(
                format!("the file asks for scrypt work factor {required}; Latchkey allows at most {MAX_WORK_FACTOR}"),
            ),
            age::DecryptError::InvalidMac => TransferError::NotFormat {
                format: "age",
                detail: "the header was altered or damaged".into(),
            },
            other => header_error(bytes, other),
        })?;
    let mut plain = Zeroizing::new(Vec::with_capacity(bytes.len()));
    reader.read_to_end(&mut plain).map_err(|_| {
        // The header (and with it the passphrase) checked out, so a payload that fails to
        // authenticate was cut off or damaged after it was written.
        TransferError::Truncated("the encrypted data is cut off or damaged".into())
    })?;
    Ok(plain)
}

fn header_error(bytes: &[u8], e: age::DecryptError) -> TransferError {
    // A complete header ends with the "--- <mac>" line; without one, the file was cut in it.
    let cut = match bytes.windows(5).position(|w| w == b"\n--- ") {
        None => true,
        Some(at) => !bytes[at + 5..].contains(&b'\n'),
    };
    match e {
        age::DecryptError::Io(ref io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            TransferError::Truncated("the file ends right after the age header".into())
        }
        age::DecryptError::Io(_) | age::DecryptError::InvalidHeader if cut => {
            TransferError::Truncated("the file ends inside the age header".into())
        }
        other => TransferError::NotFormat {
            format: "age",
            detail: other.to_string(),
        },
    }
}
