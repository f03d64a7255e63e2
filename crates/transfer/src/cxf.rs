//! FIDO CXF documents, written and read with Bitwarden's `credential-exchange-format` types.
//!
//! Reading goes in two steps so one bad item cannot sink a file: a thin shell finds the items
//! (borrowed, unparsed), then each item is parsed with the crate's `Item` type on its own and
//! its problems are reported against it.

use credential_exchange_format::{
    Account, B64Url, Credential, Extension, Fido2Extensions, Fido2HmacCredentialAlgorithm,
    Fido2HmacCredentials, Header, Item, PasskeyCredential, Version,
};
use latchkey_vault::{alg, PasskeyRecord};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use zeroize::Zeroizing;

use crate::convert::{item_label, Collector, Draft};
use crate::{Format, Limits, Parsed, TransferError};

/// The CXF version written: 1.0, the published level the crate's types follow.
const CXF_VERSION: (u8, u8) = (1, 0);
const EXPORTER_RP_ID: &str = "latchkey.dev";
const EXPORTER_NAME: &str = "Latchkey";
const FORMAT_NAME: &str = "CXF";

/// Latchkey's own item extension. Other importers ignore an unknown extension; Latchkey reads
/// it back so counters, credProtect and nicknames survive a move between Latchkey vaults.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LatchkeyExtension {
    name: LatchkeyTag,
    sign_count: u32,
    cred_protect: u8,
    /// COSE algorithm name ("ES256", "EdDSA", "RS256").
    algorithm: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rp_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nickname: Option<String>,
}

/// The extension's `name`: exactly "latchkey", so no other extension is mistaken for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum LatchkeyTag {
    #[serde(rename = "latchkey")]
    Latchkey,
}

/// The CXF document (clear JSON bytes) for `records`. Each passkey is one Item with one
/// `passkey` credential; Latchkey's own extras (signCount, credProtect, nickname, rpName,
/// algorithm) ride in an item extension `{"name":"latchkey", ...}` so a Latchkey→Latchkey
/// move keeps counters; other importers ignore it.
pub fn write_cxf(
    records: &[PasskeyRecord],
    exported_at: u64,
) -> Result<Zeroizing<Vec<u8>>, TransferError> {
    let mut items = Vec::with_capacity(records.len());
    let mut estimate = 1024usize;
    for r in records {
        estimate += 1024 + r.private_key.len() * 2 + r.credential_id.len() * 2;
        items.push(item_for(r));
    }
    let mut header: Header<LatchkeyExtension> = Header {
        version: Version {
            major: CXF_VERSION.0,
            minor: CXF_VERSION.1,
        },
        exporter_rp_id: EXPORTER_RP_ID.into(),
        exporter_display_name: EXPORTER_NAME.into(),
        timestamp: exported_at,
        accounts: vec![Account {
            id: B64Url::from(random_id()?),
            username: String::new(),
            email: String::new(),
            full_name: None,
            collections: Vec::new(),
            items,
            extensions: None,
        }],
    };
    // Sized up front so the buffer holding private keys is not reallocated (a reallocation
    // would leave a copy behind that nobody zeroizes).
    let mut out = Zeroizing::new(Vec::with_capacity(estimate));
    let written = serde_json::to_writer(&mut *out, &header);
    wipe_keys(&mut header);
    written.map_err(|e| TransferError::Io(format!("could not write the CXF document: {e}")))?;
    Ok(out)
}

fn item_for(r: &PasskeyRecord) -> Item<LatchkeyExtension> {
    let fido2_extensions = match (&r.cred_random_with_uv, &r.cred_random_without_uv) {
        (Some(with), Some(without)) => Some(Fido2Extensions {
            hmac_credentials: Some(Fido2HmacCredentials {
                algorithm: Fido2HmacCredentialAlgorithm::HmacSha256,
                cred_with_uv: B64Url::from(with.clone()),
                cred_without_uv: B64Url::from(without.clone()),
            }),
            ..Fido2Extensions::default()
        }),
        _ => None,
    };
    let passkey = PasskeyCredential {
        credential_id: B64Url::from(r.credential_id.clone()),
        rp_id: r.rp_id.clone(),
        username: r.user_name.clone().unwrap_or_default(),
        user_display_name: r.user_display_name.clone().unwrap_or_default(),
        user_handle: B64Url::from(r.user_handle.clone()),
        key: B64Url::from(r.private_key.clone()),
        fido2_extensions,
    };
    let title = r
        .nickname
        .clone()
        .or_else(|| r.rp_name.clone())
        .unwrap_or_else(|| r.rp_id.clone());
    Item {
        id: B64Url::from(item_id(&r.credential_id)),
        creation_at: Some(r.created_at),
        modified_at: None,
        title,
        subtitle: r.user_name.clone(),
        favorite: None,
        scope: None,
        credentials: vec![Credential::Passkey(Box::new(passkey))],
        tags: None,
        extensions: Some(vec![Extension::External(LatchkeyExtension {
            name: LatchkeyTag::Latchkey,
            sign_count: r.sign_count,
            cred_protect: r.cred_protect,
            algorithm: alg::name(r.algorithm).into(),
            rp_name: r.rp_name.clone(),
            nickname: r.nickname.clone(),
        })]),
    }
}

/// A stable item id (≤ 64 bytes as CXF requires) from the credential id, which may be longer.
fn item_id(credential_id: &[u8]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, credential_id).as_ref()[..16].to_vec()
}

fn random_id() -> Result<Vec<u8>, TransferError> {
    use ring::rand::SecureRandom;
    let mut id = vec![0u8; 16];
    ring::rand::SystemRandom::new()
        .fill(&mut id)
        .map_err(|_| TransferError::Io("the system random source failed".into()))?;
    Ok(id)
}

/// Overwrites the private keys (and CredRandoms) the document held, once it is written.
fn wipe_keys(header: &mut Header<LatchkeyExtension>) {
    for account in &mut header.accounts {
        for item in &mut account.items {
            for c in &mut item.credentials {
                if let Credential::Passkey(p) = c {
                    wipe_passkey(p);
                }
            }
        }
    }
}

fn wipe_passkey(p: &mut PasskeyCredential) {
    let key: Vec<u8> = std::mem::replace(&mut p.key, B64Url::from(Vec::new())).into();
    drop(Zeroizing::new(key));
    if let Some(h) = p
        .fido2_extensions
        .as_mut()
        .and_then(|e| e.hmac_credentials.as_mut())
    {
        let a: Vec<u8> = std::mem::replace(&mut h.cred_with_uv, B64Url::from(Vec::new())).into();
        let b: Vec<u8> = std::mem::replace(&mut h.cred_without_uv, B64Url::from(Vec::new())).into();
        drop((Zeroizing::new(a), Zeroizing::new(b)));
    }
}

/// A header or a bare account, with the items left unparsed (borrowed from the input).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DocumentShell<'a> {
    version: Option<Version>,
    #[serde(borrow)]
    accounts: Option<Vec<AccountShell<'a>>>,
    #[serde(borrow)]
    items: Option<Vec<&'a RawValue>>,
}

#[derive(Deserialize)]
struct AccountShell<'a> {
    #[serde(borrow)]
    items: Vec<&'a RawValue>,
}

/// A JSON error as a [`TransferError`]: a document that ends early is `Truncated`.
pub(crate) fn json_error(format: &'static str, e: serde_json::Error) -> TransferError {
    if e.is_eof() {
        TransferError::Truncated(format!("the {format} JSON ends at line {}", e.line()))
    } else {
        TransferError::NotFormat {
            format,
            detail: e.to_string(),
        }
    }
}

/// Reads a CXF document: a full header (every account's items), or a bare account. A newer
/// minor version is read (additions are ignorable by definition); another major is refused.
pub(crate) fn read(
    bytes: &[u8],
    format: Format,
    limits: &Limits,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Parsed, TransferError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        if e.error_len().is_none() {
            TransferError::Truncated("the file ends inside a character".into())
        } else {
            TransferError::NotFormat {
                format: FORMAT_NAME,
                detail: "the file is not UTF-8 text".into(),
            }
        }
    })?;
    let doc: DocumentShell = serde_json::from_str(text).map_err(|e| json_error(FORMAT_NAME, e))?;
    let accounts: Vec<Vec<&RawValue>> = match (doc.version, doc.accounts, doc.items) {
        (Some(version), Some(accounts), _) => {
            if version.major != CXF_VERSION.0 {
                return Err(TransferError::Unsupported(format!(
                    "CXF version {}.{}; Latchkey reads version {}.x",
                    version.major, version.minor, CXF_VERSION.0
                )));
            }
            accounts.into_iter().map(|a| a.items).collect()
        }
        (None, Some(_), _) => {
            return Err(TransferError::NotFormat {
                format: FORMAT_NAME,
                detail: "the header has no version".into(),
            })
        }
        (_, None, Some(items)) => vec![items],
        (_, None, None) => {
            return Err(TransferError::NotFormat {
                format: FORMAT_NAME,
                detail: "it has neither accounts nor items".into(),
            })
        }
    };
    let total: usize = accounts.iter().map(Vec::len).sum();
    if total > limits.max_items {
        return Err(TransferError::TooManyItems {
            limit: limits.max_items,
        });
    }
    let mut out = Collector::new(total, progress);
    let mut index = 0;
    for raw in accounts.into_iter().flatten() {
        index += 1;
        read_item(raw, index, &mut out);
        out.tick();
    }
    Ok(out.finish(format))
}

/// Just enough of an item to name it in a problem when the item itself does not parse.
#[derive(Deserialize)]
struct ItemName {
    title: Option<String>,
}

fn read_item(raw: &RawValue, index: usize, out: &mut Collector) {
    let item: Item<LatchkeyExtension> = match serde_json::from_str(raw.get()) {
        Ok(item) => item,
        Err(e) => {
            let title = serde_json::from_str::<ItemName>(raw.get())
                .ok()
                .and_then(|n| n.title);
            out.problem(
                index,
                item_label(title.as_deref(), None, None),
                format!("the item is not valid CXF: {e}"),
            );
            return;
        }
    };
    let ext = item.extensions.iter().flatten().find_map(|e| match e {
        Extension::External(x) => Some(x.clone()),
        _ => None,
    });
    let mut passkeys = 0;
    for credential in item.credentials {
        let mut p = match credential {
            Credential::Passkey(p) => p,
            // The crate keeps any credential it cannot parse as `Unknown`; a "passkey" that
            // landed there is a broken passkey, not a credential type to skip.
            Credential::Unknown { ty, content } if ty == "passkey" => {
                passkeys += 1;
                let value = serde_json::Value::Object(content);
                let reason = match PasskeyCredential::deserialize(&value) {
                    Err(e) => format!("the passkey is not valid CXF: {e}"),
                    Ok(_) => "the passkey is not valid CXF".to_string(),
                };
                let field = |k: &str| value.get(k).and_then(|v| v.as_str()).map(str::to_string);
                out.problem(
                    index,
                    item_label(
                        Some(&item.title),
                        field("rpId").as_deref(),
                        field("username").as_deref(),
                    ),
                    reason,
                );
                continue;
            }
            _ => continue,
        };
        passkeys += 1;
        let label = {
            let (title, rp, user) = (item.title.clone(), p.rp_id.clone(), p.username.clone());
            move || item_label(Some(&title), Some(&rp), Some(&user))
        };
        let draft = draft_from(&mut p, item.creation_at, ext.as_ref());
        wipe_passkey(&mut p);
        out.push(index, label, draft);
    }
    if passkeys == 0 {
        out.ignored += 1;
    }
}

fn draft_from(
    p: &mut PasskeyCredential,
    creation_at: Option<u64>,
    ext: Option<&LatchkeyExtension>,
) -> Result<Draft, String> {
    let algorithm = match ext {
        Some(x) => Some(alg::from_name(&x.algorithm).ok_or_else(|| {
            format!(
                "the Latchkey extension names an unknown algorithm \"{}\"",
                latchkey_vault::sanitize_name(&x.algorithm, 16)
            )
        })?),
        None => None,
    };
    let cred_randoms = p
        .fido2_extensions
        .as_ref()
        .and_then(|e| e.hmac_credentials.as_ref())
        .and_then(|h| match h.algorithm {
            Fido2HmacCredentialAlgorithm::HmacSha256 => Some((
                h.cred_with_uv.as_ref().to_vec(),
                h.cred_without_uv.as_ref().to_vec(),
            )),
            Fido2HmacCredentialAlgorithm::Other(_) => None,
        });
    let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    Ok(Draft {
        credential_id: p.credential_id.as_ref().to_vec(),
        rp_id: p.rp_id.clone(),
        rp_name: ext.and_then(|x| x.rp_name.clone()),
        user_handle: p.user_handle.as_ref().to_vec(),
        user_name: non_empty(&p.username),
        user_display_name: non_empty(&p.user_display_name),
        nickname: ext.and_then(|x| x.nickname.clone()),
        algorithm,
        private_key: Zeroizing::new(p.key.as_ref().to_vec()),
        sign_count: ext.map(|x| x.sign_count).unwrap_or(0),
        created_at: creation_at,
        cred_protect: ext.map(|x| x.cred_protect),
        cred_randoms,
    })
}
