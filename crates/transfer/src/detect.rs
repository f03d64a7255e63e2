//! Telling formats apart from the bytes alone (no passphrase needed): binary magic first
//! (age, KDBX), then the top-level JSON keys each format is known by.

use serde::Deserialize;

use crate::age_file::{AGE_ARMOR, AGE_MAGIC};
use crate::{Format, FormatChoice, TransferError};

/// KDBX signature 1 and 2 (little-endian 0x9AA2D903, 0xB54BFB67 for KDBX 2-4).
pub(crate) const KDBX_MAGIC: &[u8] = &[0x03, 0xD9, 0xA2, 0x9A];

/// The top-level keys that tell the JSON formats apart; values are skipped, not kept.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Keys {
    version: Option<serde::de::IgnoredAny>,
    accounts: Option<serde::de::IgnoredAny>,
    exporter_rp_id: Option<serde::de::IgnoredAny>,
    items: Option<serde::de::IgnoredAny>,
    collections: Option<serde::de::IgnoredAny>,
    email: Option<serde::de::IgnoredAny>,
    encrypted: Option<serde_json::Value>,
    password_protected: Option<serde_json::Value>,
    folders: Option<serde::de::IgnoredAny>,
    relying_party: Option<serde::de::IgnoredAny>,
    private_key: Option<serde::de::IgnoredAny>,
}

/// Looks at the bytes (and the file name's extension as a hint) without a passphrase.
pub fn detect(
    bytes: &[u8],
    file_name: Option<&str>,
    choice: FormatChoice,
) -> Result<Format, TransferError> {
    let ext = file_name
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase());
    if bytes.is_empty() {
        return Err(TransferError::NotFormat {
            format: "passkey export",
            detail: "the file is empty".into(),
        });
    }
    let is_age = bytes.starts_with(AGE_MAGIC) || bytes.starts_with(AGE_ARMOR);
    let is_kdbx = bytes.starts_with(KDBX_MAGIC);
    // A file cut inside a magic number is still recognisably that format.
    let cut_age = bytes.len() < AGE_MAGIC.len() && AGE_MAGIC.starts_with(bytes) && bytes.len() >= 3;
    let cut_kdbx = bytes.len() < KDBX_MAGIC.len()
        && KDBX_MAGIC.starts_with(bytes)
        && ext.as_deref() == Some("kdbx");
    match choice {
        FormatChoice::Cxf if is_age || cut_age => return Ok(Format::CxfAge),
        FormatChoice::Cxf => return Ok(Format::Cxf),
        FormatChoice::Keepassxc if is_kdbx || ext.as_deref() == Some("kdbx") => {
            return Ok(Format::Kdbx)
        }
        FormatChoice::Keepassxc => return Ok(Format::KeepassxcPasskey),
        FormatChoice::Bitwarden => {
            return Ok(match json_keys(bytes) {
                Ok(Some(k)) if is_true(&k.password_protected) => Format::BitwardenEncrypted,
                _ => Format::Bitwarden,
            })
        }
        FormatChoice::Auto => {}
    }
    if is_age || cut_age {
        return Ok(Format::CxfAge);
    }
    if is_kdbx || cut_kdbx {
        return Ok(Format::Kdbx);
    }
    let Some(keys) = json_keys(bytes)? else {
        return Err(TransferError::UnknownFormat);
    };
    if is_true(&keys.password_protected) {
        return Ok(Format::BitwardenEncrypted);
    }
    if keys.encrypted.is_some() || keys.folders.is_some() {
        if is_true(&keys.encrypted) {
            return Err(TransferError::Unsupported(
                "Bitwarden exports encrypted with the account key can only be opened by that account; export again choosing \"Password protected\" (or unencrypted JSON)".into(),
            ));
        }
        return Ok(Format::Bitwarden);
    }
    if keys.version.is_some() || keys.accounts.is_some() || keys.exporter_rp_id.is_some() {
        return Ok(Format::Cxf);
    }
    if keys.items.is_some() && (keys.collections.is_some() || keys.email.is_some()) {
        return Ok(Format::Cxf);
    }
    if keys.relying_party.is_some()
        || keys.private_key.is_some()
        || ext.as_deref() == Some("passkey")
    {
        return Ok(Format::KeepassxcPasskey);
    }
    if keys.items.is_some() {
        return Ok(Format::Bitwarden);
    }
    Err(TransferError::UnknownFormat)
}

fn is_true(v: &Option<serde_json::Value>) -> bool {
    matches!(v, Some(serde_json::Value::Bool(true)))
}

/// The top-level keys if the bytes are a JSON object; `None` when they are not JSON at all;
/// `Truncated` when they are an object that ends early.
fn json_keys(bytes: &[u8]) -> Result<Option<Keys>, TransferError> {
    let start = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first = start.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        return Ok(None);
    }
    match serde_json::from_slice::<Keys>(start) {
        Ok(k) => Ok(Some(k)),
        Err(e) if e.is_eof() => Err(TransferError::Truncated(format!(
            "the JSON ends at line {}",
            e.line()
        ))),
        Err(e) => Err(TransferError::NotFormat {
            format: "JSON",
            detail: e.to_string(),
        }),
    }
}
