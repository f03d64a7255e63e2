//! Bitwarden's JSON export (unencrypted and password-protected).
//!
//! Fields checked against Bitwarden's clients: libs/common/src/models/export/
//! fido2-credential.export.ts (every value is a string: `counter` "0", `discoverable` "true"),
//! libs/common/src/platform/services/fido2/credential-id-utils.ts (a credentialId is a UUID
//! string meaning its 16 bytes, or "b64." + base64url), and the fido2 authenticator, which
//! stores keyValue (PKCS#8) and userHandle as base64url.

use serde::Deserialize;
use serde_json::value::RawValue;
use zeroize::Zeroizing;

use crate::bitwarden_crypto::{self, Kdf, Opened};
use crate::convert::{b64_any, item_label, Collector, Draft};
use crate::cxf::json_error;
use crate::{Format, Limits, Parsed, TransferError};

const FORMAT: &str = "Bitwarden JSON";
const FORMAT_PROTECTED: &str = "Bitwarden password-protected JSON";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Export<'a> {
    #[serde(default)]
    encrypted: bool,
    #[serde(default)]
    password_protected: bool,
    #[serde(borrow, default)]
    items: Option<Vec<&'a RawValue>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Protected {
    salt: String,
    kdf_type: u8,
    kdf_iterations: u32,
    kdf_memory: Option<u32>,
    kdf_parallelism: Option<u32>,
    #[serde(rename = "encKeyValidation_DO_NOT_EDIT")]
    enc_key_validation: String,
    data: String,
}

#[derive(Deserialize)]
struct BwItem {
    name: Option<String>,
    login: Option<BwLogin>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BwLogin {
    fido2_credentials: Option<Vec<BwFido2>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BwFido2 {
    credential_id: Option<String>,
    key_type: Option<String>,
    key_algorithm: Option<String>,
    key_curve: Option<String>,
    key_value: Option<String>,
    rp_id: Option<String>,
    user_handle: Option<String>,
    user_name: Option<String>,
    /// A string ("0") in exports; a number is accepted too.
    counter: Option<serde_json::Value>,
    rp_name: Option<String>,
    user_display_name: Option<String>,
    /// Read for completeness: every Latchkey passkey is discoverable.
    #[allow(dead_code)]
    discoverable: Option<serde_json::Value>,
    creation_date: Option<String>,
}

pub(crate) fn read(
    bytes: &[u8],
    passphrase: Option<&str>,
    limits: &Limits,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Parsed, TransferError> {
    let text = utf8(bytes, FORMAT)?;
    let export: Export = serde_json::from_str(text).map_err(|e| json_error(FORMAT, e))?;
    if export.password_protected {
        let passphrase = passphrase
            .filter(|p| !p.is_empty())
            .ok_or(TransferError::PassphraseNeeded)?;
        let p: Protected =
            serde_json::from_str(text).map_err(|e| json_error(FORMAT_PROTECTED, e))?;
        let key = bitwarden_crypto::derive(
            passphrase,
            &p.salt,
            &Kdf {
                kdf_type: p.kdf_type,
                iterations: p.kdf_iterations,
                memory_mib: p.kdf_memory,
                parallelism: p.kdf_parallelism,
            },
        )?;
        if let Opened::BadMac = bitwarden_crypto::open(&p.enc_key_validation, &key)? {
            return Err(TransferError::WrongPassphrase);
        }
        let Opened::Plain(inner) = bitwarden_crypto::open(&p.data, &key)? else {
            return Err(TransferError::NotFormat {
                format: FORMAT_PROTECTED,
                detail: "the encrypted data is damaged (its MAC does not match)".into(),
            });
        };
        let inner_text = utf8(&inner, FORMAT_PROTECTED)?;
        let export: Export =
            serde_json::from_str(inner_text).map_err(|e| json_error(FORMAT_PROTECTED, e))?;
        return convert(export, Format::BitwardenEncrypted, limits, progress);
    }
    if export.encrypted {
        return Err(TransferError::Unsupported(
            "Bitwarden exports encrypted with the account key can only be opened by that account; export again choosing \"Password protected\" (or unencrypted JSON)".into(),
        ));
    }
    convert(export, Format::Bitwarden, limits, progress)
}

fn utf8<'a>(bytes: &'a [u8], format: &'static str) -> Result<&'a str, TransferError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        if e.error_len().is_none() {
            TransferError::Truncated("the file ends inside a character".into())
        } else {
            TransferError::NotFormat {
                format,
                detail: "the file is not UTF-8 text".into(),
            }
        }
    })
}

fn convert(
    export: Export,
    format: Format,
    limits: &Limits,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Parsed, TransferError> {
    let items = export.items.unwrap_or_default();
    if items.len() > limits.max_items {
        return Err(TransferError::TooManyItems {
            limit: limits.max_items,
        });
    }
    let mut out = Collector::new(items.len(), progress);
    for (i, raw) in items.into_iter().enumerate() {
        let index = i + 1;
        match serde_json::from_str::<BwItem>(raw.get()) {
            Err(e) => out.problem(
                index,
                item_label(None, None, None),
                format!("the item is not valid Bitwarden JSON: {e}"),
            ),
            Ok(item) => {
                let creds = item
                    .login
                    .and_then(|l| l.fido2_credentials)
                    .unwrap_or_default();
                if creds.is_empty() {
                    out.ignored += 1;
                }
                for c in creds {
                    let title = item.name.clone();
                    let (rp, user) = (c.rp_id.clone(), c.user_name.clone());
                    out.push(
                        index,
                        move || item_label(title.as_deref(), rp.as_deref(), user.as_deref()),
                        draft_from(c),
                    );
                }
            }
        }
        out.tick();
    }
    Ok(out.finish(format))
}

fn draft_from(mut c: BwFido2) -> Result<Draft, String> {
    let key_text = Zeroizing::new(c.key_value.take().unwrap_or_default());
    if let Some(t) = c.key_type.as_deref().filter(|t| !t.is_empty()) {
        if t != "public-key" {
            return Err(format!("keyType \"{}\" is not \"public-key\"", short(t)));
        }
    }
    let algorithm = match (c.key_algorithm.as_deref(), c.key_curve.as_deref()) {
        (Some("ECDSA"), Some("P-256") | None) => Some(latchkey_vault::alg::ES256),
        (Some("ECDSA"), Some(curve)) => {
            return Err(format!(
                "keyCurve \"{}\" is not supported (P-256 is)",
                short(curve)
            ))
        }
        (Some(a), _) if !a.is_empty() => {
            return Err(format!(
                "keyAlgorithm \"{}\" is not supported (ECDSA is)",
                short(a)
            ))
        }
        _ => None,
    };
    let credential_id = credential_id(c.credential_id.as_deref().unwrap_or(""))?;
    let key = Zeroizing::new(b64_any(&key_text).ok_or("keyValue is missing or not base64")?);
    let user_handle = match c.user_handle.as_deref() {
        Some(h) => b64_any(h).ok_or("userHandle is not base64url")?,
        None => Vec::new(),
    };
    let sign_count = match &c.counter {
        None | Some(serde_json::Value::Null) => 0,
        Some(serde_json::Value::String(s)) if s.is_empty() => 0,
        Some(serde_json::Value::String(s)) => s
            .parse::<u32>()
            .map_err(|_| format!("counter \"{}\" is not a number", short(s)))?,
        Some(serde_json::Value::Number(n)) => n
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or("counter is not a 32-bit number")?,
        Some(_) => return Err("counter is not a number".into()),
    };
    let created_at = match c.creation_date.as_deref() {
        Some(d) => Some(
            parse_rfc3339(d)
                .ok_or_else(|| format!("creationDate \"{}\" is not an ISO 8601 date", short(d)))?,
        ),
        None => None,
    };
    Ok(Draft {
        credential_id,
        rp_id: c.rp_id.unwrap_or_default(),
        rp_name: c.rp_name,
        user_handle,
        user_name: c.user_name,
        user_display_name: c.user_display_name,
        nickname: None,
        algorithm,
        private_key: key,
        sign_count,
        created_at,
        cred_protect: None,
        cred_randoms: None,
    })
}

fn short(s: &str) -> String {
    latchkey_vault::sanitize_name(s, 40)
}

/// Bitwarden's credential id: "b64." + base64url, else a UUID string meaning its 16 bytes.
fn credential_id(text: &str) -> Result<Vec<u8>, String> {
    if let Some(b64) = text.strip_prefix("b64.") {
        return b64_any(b64).ok_or_else(|| "credentialId (b64.) is not base64url".to_string());
    }
    let hex: String = text.chars().filter(|&c| c != '-').collect();
    let dashes_ok = text.len() == 36
        && text
            .char_indices()
            .all(|(i, c)| matches!(i, 8 | 13 | 18 | 23) == (c == '-'));
    if !dashes_ok || hex.len() != 32 {
        return Err("credentialId is neither a UUID nor \"b64.\"-prefixed".into());
    }
    latchkey_vault::hex::decode(&hex.to_ascii_lowercase())
        .ok_or_else(|| "credentialId is not a valid UUID".into())
}

/// Unix seconds of an RFC 3339 / ISO 8601 date-time ("2024-03-01T12:34:56.789Z", offsets too).
pub(crate) fn parse_rfc3339(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if b[13] != b':'
        || b[16] != b':'
        || !(1..=12).contains(&mo)
        || !(1..=31).contains(&d)
        || h > 23
        || mi > 59
        || sec > 60
    {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" | "" => 0,
        o if o.len() == 6 && (o.starts_with('+') || o.starts_with('-')) && &o[3..4] == ":" => {
            let oh: i64 = o[1..3].parse().ok()?;
            let om: i64 = o[4..6].parse().ok()?;
            let v = oh * 3600 + om * 60;
            if o.starts_with('-') {
                -v
            } else {
                v
            }
        }
        _ => return None,
    };
    // Days from civil (Howard Hinnant's algorithm).
    let y2 = if mo <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset;
    u64::try_from(secs).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_as_unix_seconds() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339("2024-03-01T12:34:56.789Z"),
            Some(1_709_296_496)
        );
        assert_eq!(
            parse_rfc3339("2024-03-01T14:34:56+02:00"),
            Some(1_709_296_496)
        );
        assert_eq!(parse_rfc3339("2024-13-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("yesterday"), None);
    }

    #[test]
    fn credential_ids_follow_bitwarden() {
        assert_eq!(
            credential_id("00112233-4455-6677-8899-aabbccddeeff").unwrap(),
            (0u8..16).map(|i| i * 0x11).collect::<Vec<_>>()
        );
        assert_eq!(credential_id("b64.AQID").unwrap(), vec![1, 2, 3]);
        assert!(credential_id("not-a-uuid").is_err());
        assert!(credential_id("0011223344-55-6677-8899-aabbccddeeff").is_err());
    }
}
