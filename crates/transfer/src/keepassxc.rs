//! KeePassXC's `.passkey` export file and the PEM keys it (and its database entries) carry.
//!
//! Fields checked against keepassxreboot/keepassxc: src/gui/passkeys/PasskeyExporter.cpp writes
//! relyingParty, url, username, credentialId, userHandle, privateKey; PasskeyImporter.cpp
//! requires all six and a privateKey between "-----BEGIN PRIVATE KEY-----" and
//! "-----END PRIVATE KEY-----"; credentialId and userHandle are base64url without padding
//! (BrowserMessageBuilder::getBase64FromArray); keys are Botan PKCS#8 PEM (P-256, Ed25519, RSA).

use base64::Engine;
use serde::Deserialize;
use zeroize::{Zeroize, Zeroizing};

use crate::convert::{b64_any, item_label, Collector, Draft};
use crate::cxf::json_error;
use crate::{Format, Limits, Parsed, TransferError};

const FORMAT: &str = "KeePassXC .passkey";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PasskeyFile {
    relying_party: Option<String>,
    #[allow(dead_code)]
    url: Option<String>,
    username: Option<String>,
    credential_id: Option<String>,
    user_handle: Option<String>,
    private_key: Option<String>,
}

/// The DER inside a "PRIVATE KEY" PEM block (PKCS#8).
pub(crate) fn pem_pkcs8(pem: &str) -> Result<Zeroizing<Vec<u8>>, String> {
    const BEGIN: &str = "-----BEGIN PRIVATE KEY-----";
    const END: &str = "-----END PRIVATE KEY-----";
    let pem = pem.trim();
    let body = pem
        .strip_prefix(BEGIN)
        .and_then(|b| b.strip_suffix(END))
        .ok_or_else(|| {
            if pem.contains("-----BEGIN") {
                "the private key is not a PKCS#8 \"PRIVATE KEY\" PEM block".to_string()
            } else {
                "the private key is missing or not PEM".to_string()
            }
        })?;
    let mut b64: Zeroizing<String> =
        Zeroizing::new(body.chars().filter(|c| !c.is_whitespace()).collect());
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64.as_bytes())
        .map_err(|_| "the private key's PEM is not valid base64".to_string());
    b64.zeroize();
    der.map(Zeroizing::new)
}

/// A KeePassXC passkey's fields as a [`Draft`] (shared by `.passkey` files and KDBX entries).
pub(crate) fn draft(
    relying_party: Option<&str>,
    username: Option<&str>,
    credential_id: Option<&str>,
    user_handle: Option<&str>,
    private_key_pem: Option<&str>,
    created_at: Option<u64>,
) -> Result<Draft, String> {
    let credential_id = b64_any(credential_id.ok_or("credentialId is missing")?)
        .ok_or("credentialId is not base64url")?;
    let user_handle = b64_any(user_handle.ok_or("userHandle is missing")?)
        .ok_or("userHandle is not base64url")?;
    let private_key = pem_pkcs8(private_key_pem.unwrap_or(""))?;
    Ok(Draft {
        credential_id,
        rp_id: relying_party.unwrap_or_default().to_string(),
        user_handle,
        user_name: username.map(str::to_string),
        private_key,
        created_at,
        ..Draft::default()
    })
}

pub(crate) fn read(
    bytes: &[u8],
    limits: &Limits,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Parsed, TransferError> {
    let _ = limits;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut file: PasskeyFile = serde_json::from_slice(bytes).map_err(|e| json_error(FORMAT, e))?;
    let mut out = Collector::new(1, progress);
    let pem = Zeroizing::new(file.private_key.take().unwrap_or_default());
    let d = draft(
        file.relying_party.as_deref(),
        file.username.as_deref(),
        file.credential_id.as_deref(),
        file.user_handle.as_deref(),
        Some(&pem),
        None,
    );
    let (rp, user) = (file.relying_party.clone(), file.username.clone());
    out.push(
        1,
        move || item_label(None, rp.as_deref(), user.as_deref()),
        d,
    );
    out.tick();
    Ok(out.finish(Format::KeepassxcPasskey))
}
