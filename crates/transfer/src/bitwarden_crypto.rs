//! Bitwarden's password-protected export: the key derivation and the "type 2" EncString
//! (AES-256-CBC + HMAC-SHA256, encrypt-then-MAC) the file is sealed with.
//!
//! Written from Bitwarden's clients (libs/importer bitwarden-password-protected-importer.ts,
//! password-protected-kdf-config.ts, the key generation service's deriveKeyFromPassword and
//! stretchKey): key = KDF(password, salt as the UTF-8 of the file's salt string), PBKDF2-SHA256
//! (kdfType 0) or Argon2id over SHA-256(salt) (kdfType 1, memory in MiB); then
//! enc = HKDF-Expand(key, "enc", 32), mac = HKDF-Expand(key, "mac", 32).

use aes::cipher::{block_padding::Pkcs7, BlockDecryptMut, KeyIvInit};
use zeroize::Zeroizing;

use crate::convert::b64_any;
use crate::TransferError;

const FORMAT: &str = "Bitwarden password-protected JSON";

/// KDF parameters as the file states them; bounds are Bitwarden's own import bounds, so a
/// file cannot ask for unbounded memory or time.
pub(crate) struct Kdf {
    pub kdf_type: u8,
    pub iterations: u32,
    pub memory_mib: Option<u32>,
    pub parallelism: Option<u32>,
}

/// The 64-byte stretched key: encryption half, MAC half.
pub(crate) struct ExportKey {
    enc: Zeroizing<[u8; 32]>,
    mac: Zeroizing<[u8; 32]>,
}

/// Derives the export key from the password, checking the KDF bounds first.
pub(crate) fn derive(password: &str, salt: &str, kdf: &Kdf) -> Result<ExportKey, TransferError> {
    let bad = |detail: String| TransferError::NotFormat {
        format: FORMAT,
        detail,
    };
    let mut master = Zeroizing::new([0u8; 32]);
    match kdf.kdf_type {
        0 => {
            if !(5_000..=2_000_000).contains(&kdf.iterations) {
                return Err(bad(format!(
                    "PBKDF2 iterations {} are outside 5000..=2000000",
                    kdf.iterations
                )));
            }
            let iterations = std::num::NonZeroU32::new(kdf.iterations).expect("checked above");
            ring::pbkdf2::derive(
                ring::pbkdf2::PBKDF2_HMAC_SHA256,
                iterations,
                salt.as_bytes(),
                password.as_bytes(),
                &mut master[..],
            );
        }
        1 => {
            let memory = kdf.memory_mib.unwrap_or(64);
            let parallelism = kdf.parallelism.unwrap_or(4);
            if !(2..=10).contains(&kdf.iterations)
                || !(16..=1024).contains(&memory)
                || !(1..=16).contains(&parallelism)
            {
                return Err(bad(format!(
                    "Argon2id parameters (iterations {}, memory {memory} MiB, parallelism {parallelism}) are outside Bitwarden's bounds",
                    kdf.iterations
                )));
            }
            let salt_hash = ring::digest::digest(&ring::digest::SHA256, salt.as_bytes());
            let params = argon2::Params::new(memory * 1024, kdf.iterations, parallelism, Some(32))
                .map_err(|e| bad(format!("Argon2id parameters: {e}")))?;
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
                .hash_password_into(password.as_bytes(), salt_hash.as_ref(), &mut master[..])
                .map_err(|e| bad(format!("Argon2id: {e}")))?;
        }
        other => return Err(bad(format!("unknown kdfType {other}"))),
    }
    let prk = ring::hkdf::Prk::new_less_safe(ring::hkdf::HKDF_SHA256, &master[..]);
    let expand = |info: &[u8]| -> Result<Zeroizing<[u8; 32]>, TransferError> {
        let mut out = Zeroizing::new([0u8; 32]);
        prk.expand(&[info], Len32)
            .and_then(|okm| okm.fill(&mut out[..]))
            .map_err(|_| TransferError::Io("HKDF failed".into()))?;
        Ok(out)
    };
    Ok(ExportKey {
        enc: expand(b"enc")?,
        mac: expand(b"mac")?,
    })
}

struct Len32;
impl ring::hkdf::KeyType for Len32 {
    fn len(&self) -> usize {
        32
    }
}

/// The outcome of opening an EncString: a failed MAC is not an error here because what it
/// means (wrong password, damaged file) depends on which field it was.
pub(crate) enum Opened {
    Plain(Zeroizing<Vec<u8>>),
    BadMac,
}

/// Opens a type-2 EncString "2.iv|ct|mac" (standard base64 parts).
pub(crate) fn open(enc_string: &str, key: &ExportKey) -> Result<Opened, TransferError> {
    let bad = |detail: &str| TransferError::NotFormat {
        format: FORMAT,
        detail: detail.into(),
    };
    let rest = enc_string
        .strip_prefix("2.")
        .ok_or_else(|| bad("an encrypted field is not of type 2 (AES-256-CBC + HMAC-SHA256)"))?;
    let mut parts = rest.split('|');
    let (Some(iv), Some(ct), Some(mac), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad(
            "an encrypted field does not have the form 2.iv|data|mac",
        ));
    };
    let (Some(iv), Some(ct), Some(mac)) = (b64_any(iv), b64_any(ct), b64_any(mac)) else {
        return Err(bad("an encrypted field is not base64"));
    };
    if iv.len() != 16 || mac.len() != 32 || ct.is_empty() || ct.len() % 16 != 0 {
        return Err(bad("an encrypted field has the wrong sizes"));
    }
    let mac_key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key.mac[..]);
    let mut signed = Vec::with_capacity(iv.len() + ct.len());
    signed.extend_from_slice(&iv);
    signed.extend_from_slice(&ct);
    if ring::hmac::verify(&mac_key, &signed, &mac).is_err() {
        return Ok(Opened::BadMac);
    }
    let mut buf = Zeroizing::new(ct);
    let plain = cbc::Decryptor::<aes::Aes256>::new((&key.enc[..]).into(), iv.as_slice().into())
        .decrypt_padded_mut::<Pkcs7>(&mut buf)
        .map_err(|_| bad("an encrypted field has bad padding"))?
        .to_vec();
    Ok(Opened::Plain(Zeroizing::new(plain)))
}
