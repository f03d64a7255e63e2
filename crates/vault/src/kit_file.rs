//! `<data dir>/recovery.json`: the vault's data key wrapped under the recovery key, next to the
//! vault. Nothing in it names a site, an account or a passkey; without the recovery key it is
//! random bytes. Writing a new one replaces (retires) the old: only the newest kit's key opens.
//!
//! Wrapping: AES-256-GCM under HKDF-SHA256(ikm = the recovery key's 130 bits, salt = vault id,
//! info = [`WRAP_INFO`]); the associated data binds the file format, the vault id and the kit
//! id, so a kit file moved to another vault, or edited, does not open.

use std::path::{Path, PathBuf};

use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey, NONCE_LEN};
use ring::hkdf;
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::keychain::DataKey;
use crate::recovery_key::RecoveryKey;
use crate::VaultError;

pub(crate) const KIT_FILE: &str = "recovery.json";
const KIT_FORMAT: u32 = 1;
const WRAP_INFO: &[u8] = b"latchkey recovery kit v1: data key wrap";

/// What a kit file tells without its key: which vault, which kit, when it was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryInfo {
    pub vault_id: String,
    /// Random; a new kit gets a new id, so the app can tell kits apart.
    pub kit_id: String,
    /// Unix seconds.
    pub created_at: u64,
}

#[derive(Serialize, Deserialize)]
struct KitFile {
    format: u32,
    vault_id: String,
    kit_id: String,
    created_at: u64,
    /// Hex of nonce ‖ AES-256-GCM(data key) ‖ tag.
    wrapped_key: String,
}

pub(crate) fn kit_path(dir: &Path) -> PathBuf {
    dir.join(KIT_FILE)
}

fn wrapping_key(key: &RecoveryKey, vault_id: &str) -> LessSafeKey {
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, vault_id.as_bytes()).extract(key.secret());
    let unbound: UnboundKey = prk
        .expand(&[WRAP_INFO], &aead::AES_256_GCM)
        .expect("HKDF length is fixed and valid")
        .into();
    LessSafeKey::new(unbound)
}

fn aad(vault_id: &str, kit_id: &str) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(b"latchkey-recovery\0");
    out.extend_from_slice(&KIT_FORMAT.to_be_bytes());
    out.extend_from_slice(&(vault_id.len() as u32).to_be_bytes());
    out.extend_from_slice(vault_id.as_bytes());
    out.extend_from_slice(&(kit_id.len() as u32).to_be_bytes());
    out.extend_from_slice(kit_id.as_bytes());
    out
}

fn random_bytes<const N: usize>() -> Result<[u8; N], VaultError> {
    let mut out = [0u8; N];
    SystemRandom::new()
        .fill(&mut out)
        .map_err(|_| VaultError::Storage("the OS random generator failed".into()))?;
    Ok(out)
}

fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Wraps `data_key` under a fresh recovery key and writes the kit file, replacing any older
/// one. Durable before it returns (temp file, fsync, rename, fsync of the directory).
pub(crate) fn write_new(
    dir: &Path,
    vault_id: &str,
    data_key: &DataKey,
) -> Result<(RecoveryKey, RecoveryInfo), VaultError> {
    let key = RecoveryKey::generate()?;
    let kit_id = crate::hex::encode(&random_bytes::<16>()?);
    let created_at = now_unix();
    let nonce = random_bytes::<NONCE_LEN>()?;
    let mut body = Zeroizing::new(data_key.as_bytes().to_vec());
    wrapping_key(&key, vault_id)
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad(vault_id, &kit_id)),
            &mut *body,
        )
        .map_err(|_| VaultError::Storage("encryption failed".into()))?;
    let mut wrapped = nonce.to_vec();
    wrapped.extend_from_slice(&body);
    let file = KitFile {
        format: KIT_FORMAT,
        vault_id: vault_id.to_owned(),
        kit_id: kit_id.clone(),
        created_at,
        wrapped_key: crate::hex::encode(&wrapped),
    };
    let bytes = serde_json::to_vec_pretty(&file)
        .map_err(|e| VaultError::Storage(format!("could not encode the recovery kit: {e}")))?;
    write_private_atomically(&kit_path(dir), &bytes)?;
    Ok((
        key,
        RecoveryInfo {
            vault_id: vault_id.to_owned(),
            kit_id,
            created_at,
        },
    ))
}

fn read(dir: &Path) -> Result<Option<KitFile>, VaultError> {
    let path = kit_path(dir);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(VaultError::Storage(format!(
                "cannot read {}: {e}",
                path.display()
            )))
        }
    };
    let file: KitFile = serde_json::from_slice(&bytes).map_err(|_| {
        VaultError::CorruptRecord(format!("{} is not a recovery kit file", path.display()))
    })?;
    if file.format != KIT_FORMAT {
        return Err(VaultError::CorruptRecord(format!(
            "recovery kit format {} is not supported by this Latchkey; update Latchkey",
            file.format
        )));
    }
    Ok(Some(file))
}

/// The kit on disk, if any (no key needed).
pub(crate) fn info(dir: &Path) -> Result<Option<RecoveryInfo>, VaultError> {
    Ok(read(dir)?.map(|f| RecoveryInfo {
        vault_id: f.vault_id,
        kit_id: f.kit_id,
        created_at: f.created_at,
    }))
}

/// The data key in `dir`'s kit, for the vault `vault_id`, opened with `key`.
pub(crate) fn unwrap(dir: &Path, vault_id: &str, key: &RecoveryKey) -> Result<DataKey, VaultError> {
    let path = kit_path(dir);
    let file = read(dir)?.ok_or_else(|| VaultError::NoRecoveryKit {
        path: path.display().to_string(),
    })?;
    if file.vault_id != vault_id {
        return Err(VaultError::RecoveryKitForeign {
            path: path.display().to_string(),
        });
    }
    let wrapped = crate::hex::decode(&file.wrapped_key)
        .filter(|w| w.len() > NONCE_LEN)
        .ok_or_else(|| {
            VaultError::CorruptRecord(format!("{}: the wrapped key is malformed", path.display()))
        })?;
    let nonce: [u8; NONCE_LEN] = wrapped[..NONCE_LEN].try_into().expect("length checked");
    let mut body = Zeroizing::new(wrapped[NONCE_LEN..].to_vec());
    let plain = wrapping_key(key, vault_id)
        .open_in_place(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad(vault_id, &file.kit_id)),
            &mut body,
        )
        .map_err(|_| VaultError::WrongRecoveryKey)?;
    DataKey::from_bytes(plain).map_err(|_| VaultError::WrongRecoveryKey)
}

/// Writes `bytes` to `path` with mode 0600: temp file, fsync, rename, fsync of the directory.
/// A crash leaves the old file or the new one, never a mix.
fn write_private_atomically(path: &Path, bytes: &[u8]) -> Result<(), VaultError> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let io =
        |e: std::io::Error| VaultError::Storage(format!("cannot write {}: {e}", path.display()));
    let tmp = path.with_extension("json.tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(&tmp).map_err(io)?;
    f.write_all(bytes).map_err(io)?;
    f.sync_all().map_err(io)?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(io)?;
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io)?;
    Ok(())
}
