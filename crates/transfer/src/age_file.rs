//! The age (scrypt passphrase) wrapping of an export.

use zeroize::Zeroizing;

use crate::TransferError;

/// age (scrypt recipient) around `plain`.
pub fn encrypt(plain: &[u8], passphrase: &str) -> Result<Vec<u8>, TransferError> {
    let _ = (plain, passphrase);
    todo!()
}

/// Opens an age file written by [`encrypt`] (or any age scrypt file).
pub fn decrypt(bytes: &[u8], passphrase: &str) -> Result<Zeroizing<Vec<u8>>, TransferError> {
    let _ = (bytes, passphrase);
    todo!()
}
