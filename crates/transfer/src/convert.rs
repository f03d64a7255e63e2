//! The conversion rules every source shares: what a passkey must be to come in, whatever file
//! it came from. Why one place: the checks (the key opens and will sign, the relying party is a
//! real domain, ids have sane sizes, names are cleaned) are the import's safety net, and four
//! formats must not get four slightly different nets.

use base64::Engine;
use latchkey_authenticator::keys::CredentialKey;
use latchkey_vault::{alg, sanitize_name, PasskeyRecord};
use p256::pkcs8::{der::Decode, PrivateKeyInfo};
use zeroize::Zeroizing;

use crate::ItemProblem;

/// Longest credential id accepted (CTAP 2.1 caps credential ids at 1023 bytes).
pub(crate) const MAX_CREDENTIAL_ID: usize = 1023;
/// Longest user handle (WebAuthn: at most 64 bytes).
pub(crate) const MAX_USER_HANDLE: usize = 64;
/// Names are cut to what the vault keeps (see `latchkey_vault::names`).
const NAME_MAX: usize = 64;
/// A CredRandom is exactly 32 bytes (CTAP 2.1 hmac-secret).
const CRED_RANDOM_LEN: usize = 32;

/// What a source gave for one passkey, before the checks.
#[derive(Default)]
pub(crate) struct Draft {
    pub credential_id: Vec<u8>,
    pub rp_id: String,
    pub rp_name: Option<String>,
    pub user_handle: Vec<u8>,
    pub user_name: Option<String>,
    pub user_display_name: Option<String>,
    pub nickname: Option<String>,
    /// The COSE algorithm the source claims; `None` = take it from the key itself.
    pub algorithm: Option<i64>,
    /// PKCS#8 DER.
    pub private_key: Zeroizing<Vec<u8>>,
    pub sign_count: u32,
    pub created_at: Option<u64>,
    pub cred_protect: Option<u8>,
    /// (with UV, without UV) hmac-secret CredRandoms.
    pub cred_randoms: Option<(Vec<u8>, Vec<u8>)>,
}

/// Seconds since the Unix epoch now (a clock before 1970 counts as 0).
pub(crate) fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The COSE algorithm of a PKCS#8 private key, from its AlgorithmIdentifier.
pub(crate) fn pkcs8_algorithm(der: &[u8]) -> Result<i64, String> {
    const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
    const P256: &str = "1.2.840.10045.3.1.7";
    const ED25519: &str = "1.3.101.112";
    const RSA: &str = "1.2.840.113549.1.1.1";
    let info = PrivateKeyInfo::from_der(der)
        .map_err(|_| "the private key is not a valid PKCS#8 key".to_string())?;
    let oid = info.algorithm.oid.to_string();
    match oid.as_str() {
        EC_PUBLIC_KEY => {
            let curve = info
                .algorithm
                .parameters_oid()
                .map(|o| o.to_string())
                .unwrap_or_default();
            if curve == P256 {
                Ok(alg::ES256)
            } else {
                Err(
                    "the key is on an elliptic curve other than P-256, which Latchkey cannot use"
                        .into(),
                )
            }
        }
        ED25519 => Ok(alg::EDDSA),
        RSA => Ok(alg::RS256),
        _ => Err(format!(
            "the key's algorithm ({oid}) is not one Latchkey supports (ES256, EdDSA, RS256)"
        )),
    }
}

/// Runs every rule of the contract on `d` and returns the record the vault will store.
pub(crate) fn finish(d: Draft) -> Result<PasskeyRecord, String> {
    if d.credential_id.is_empty() || d.credential_id.len() > MAX_CREDENTIAL_ID {
        return Err(format!(
            "the credential id has {} bytes (must be 1 to {MAX_CREDENTIAL_ID})",
            d.credential_id.len()
        ));
    }
    if d.user_handle.is_empty() || d.user_handle.len() > MAX_USER_HANDLE {
        return Err(format!(
            "the user handle has {} bytes (must be 1 to {MAX_USER_HANDLE})",
            d.user_handle.len()
        ));
    }
    check_rp_id(&d.rp_id)?;
    let key_alg = pkcs8_algorithm(&d.private_key)?;
    if let Some(claimed) = d.algorithm {
        if claimed != key_alg {
            return Err(format!(
                "the file says the key is {} but it is a {} key",
                alg::name(claimed),
                alg::name(key_alg)
            ));
        }
    }
    // The authenticator's own parser is the judge: what opens here opens at sign-in. The DER is
    // kept as the source wrote it (re-encoding would cost a second scalar multiplication per
    // key, and the same parser reads it either way).
    CredentialKey::from_pkcs8(key_alg, &d.private_key)
        .map_err(|_| format!("the {} private key does not open", alg::name(key_alg)))?;
    if key_alg == alg::RS256 {
        check_rsa_size(&d.private_key)?;
    }
    let cred_protect = d.cred_protect.unwrap_or(1);
    if !(1..=3).contains(&cred_protect) {
        return Err(format!("credProtect level {cred_protect} is not 1, 2 or 3"));
    }
    let (with_uv, without_uv) = match d.cred_randoms {
        Some((a, b)) => {
            if a.len() != CRED_RANDOM_LEN || b.len() != CRED_RANDOM_LEN {
                return Err("the hmac-secret values are not 32 bytes each".into());
            }
            (Some(a), Some(b))
        }
        None => (None, None),
    };
    let clean = |s: Option<String>| {
        s.map(|s| sanitize_name(&s, NAME_MAX))
            .filter(|s| !s.is_empty())
    };
    Ok(PasskeyRecord {
        credential_id: d.credential_id,
        rp_id: d.rp_id,
        rp_name: clean(d.rp_name),
        user_handle: d.user_handle,
        user_name: clean(d.user_name),
        user_display_name: clean(d.user_display_name),
        nickname: clean(d.nickname),
        algorithm: key_alg,
        private_key: d.private_key.to_vec(),
        sign_count: d.sign_count,
        created_at: d.created_at.unwrap_or_else(now),
        last_used_at: None,
        use_count: 0,
        cred_protect,
        cred_random_with_uv: with_uv,
        cred_random_without_uv: without_uv,
        backup_eligible: true,
        backup_state: false,
    })
}

/// A relying party ID must be a plain, canonical (lowercase, ASCII) domain a site could claim:
/// the same rule the WebAuthn client applies, so nothing comes in that could never be used.
fn check_rp_id(rp_id: &str) -> Result<(), String> {
    if rp_id.is_empty() {
        return Err("the relying party id (rpId) is missing".into());
    }
    let origin = format!("https://{rp_id}");
    match latchkey_authenticator::client::effective_rp_id(&origin, Some(rp_id)) {
        Ok(canonical) if canonical == rp_id => Ok(()),
        Ok(canonical) => Err(format!(
            "the relying party id \"{}\" is not in canonical form (\"{canonical}\")",
            sanitize_name(rp_id, 253)
        )),
        Err(_) => Err(format!(
            "the relying party id \"{}\" is not a valid domain",
            sanitize_name(rp_id, 253)
        )),
    }
}

/// RS256 keys below 2048 bits are refused (too weak to keep), above 8192 too (a signing
/// cost trap).
fn check_rsa_size(der: &[u8]) -> Result<(), String> {
    use p256::pkcs8::DecodePrivateKey;
    use rsa::traits::PublicKeyParts;
    let key = rsa::RsaPrivateKey::from_pkcs8_der(der)
        .map_err(|_| "the RS256 private key does not open".to_string())?;
    let bits = key.size() * 8;
    if !(2048..=8192).contains(&bits) {
        return Err(format!(
            "the RSA key has {bits} bits (Latchkey accepts 2048 to 8192)"
        ));
    }
    Ok(())
}

/// Base64 in any of the spellings exporters use (url-safe or standard, padded or not).
pub(crate) fn b64_any(text: &str) -> Option<Vec<u8>> {
    let t: String = text
        .trim()
        .trim_end_matches('=')
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect();
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(t.as_bytes())
        .ok()
}

/// A short, clean name for an item in a problem report: title, else rpId and user.
pub(crate) fn item_label(title: Option<&str>, rp_id: Option<&str>, user: Option<&str>) -> String {
    let pick = |s: Option<&str>| {
        s.map(|s| sanitize_name(s, NAME_MAX))
            .filter(|s| !s.is_empty())
    };
    let rp = pick(rp_id);
    let user = pick(user);
    let site = match (rp, user) {
        (Some(r), Some(u)) => Some(format!("{r} ({u})")),
        (Some(r), None) => Some(r),
        (None, Some(u)) => Some(u),
        (None, None) => None,
    };
    match (pick(title), site) {
        (Some(t), Some(s)) if !s.starts_with(&t) => format!("{t} — {s}"),
        (Some(_), Some(s)) => s,
        (Some(t), None) => t,
        (None, Some(s)) => s,
        (None, None) => "(unnamed item)".into(),
    }
}

/// A label made only if the item has a problem (most never need one).
type Label = Box<dyn FnOnce() -> String + Send>;

/// Items waiting for their checks, in file order.
type Pending = Vec<(usize, Label, Result<Draft, String>)>;

/// Most items checked in one batch; bounds what waits in memory between progress reports.
const BATCH: usize = 1024;

/// Collects converted items and problems, in file order, and reports progress at most every
/// 1% or 1000 items (whichever is more often), always ending with `(total, total)`.
///
/// The checks of [`finish`] (opening every key: a few elliptic-curve or RSA operations each)
/// are most of an import's time, so a batch is checked on all cores; results keep file order.
pub(crate) struct Collector<'a> {
    pub items: Vec<crate::Incoming>,
    pub problems: Vec<ItemProblem>,
    pub ignored: usize,
    pending: Pending,
    total: usize,
    done: usize,
    step: usize,
    next_report: usize,
    progress: &'a mut dyn FnMut(usize, usize),
}

impl<'a> Collector<'a> {
    pub fn new(total: usize, progress: &'a mut dyn FnMut(usize, usize)) -> Self {
        let step = (total / 100).clamp(1, 1000);
        Collector {
            items: Vec::with_capacity(total.min(1 << 16)),
            problems: Vec::new(),
            ignored: 0,
            pending: Vec::new(),
            total,
            done: 0,
            step,
            next_report: step,
            progress,
        }
    }

    /// One more item of the file has been looked at.
    pub fn tick(&mut self) {
        self.done += 1;
        if self.done >= self.next_report && self.done < self.total {
            self.flush();
            (self.progress)(self.done, self.total);
            self.next_report = self.done + self.step;
        } else if self.pending.len() >= BATCH {
            self.flush();
        }
    }

    /// A passkey to check; `label` names it if it fails.
    pub fn push(
        &mut self,
        index: usize,
        label: impl FnOnce() -> String + Send + 'static,
        draft: Result<Draft, String>,
    ) {
        self.pending.push((index, Box::new(label), draft));
    }

    /// An item already known to be bad.
    pub fn problem(&mut self, index: usize, item: String, reason: String) {
        self.pending
            .push((index, Box::new(move || item), Err(reason)));
    }

    /// Checks everything pending (in parallel for big batches) and files the results in order.
    fn flush(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        let checked: Vec<(usize, Label, Result<PasskeyRecord, String>)> = {
            let threads = std::thread::available_parallelism()
                .map(|n| n.get().min(8))
                .unwrap_or(1);
            if threads < 2 || pending.len() < 64 {
                check_all(pending)
            } else {
                let chunk = pending.len().div_ceil(threads);
                let mut parts: Vec<Pending> = Vec::new();
                let mut rest = pending;
                while rest.len() > chunk {
                    let tail = rest.split_off(chunk);
                    parts.push(rest);
                    rest = tail;
                }
                parts.push(rest);
                std::thread::scope(|scope| {
                    let handles: Vec<_> = parts
                        .into_iter()
                        .map(|part| scope.spawn(move || check_all(part)))
                        .collect();
                    handles
                        .into_iter()
                        .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                        .collect()
                })
            }
        };
        for (index, label, result) in checked {
            match result {
                Ok(record) => self.items.push(crate::Incoming { index, record }),
                Err(reason) => self.problems.push(ItemProblem {
                    index,
                    item: label(),
                    reason,
                }),
            }
        }
    }

    pub fn finish(mut self, format: crate::Format) -> crate::Parsed {
        self.flush();
        (self.progress)(self.total, self.total);
        crate::Parsed {
            format,
            items: self.items,
            problems: self.problems,
            ignored: self.ignored,
        }
    }
}

fn check_all(part: Pending) -> Vec<(usize, Label, Result<PasskeyRecord, String>)> {
    part.into_iter()
        .map(|(index, label, draft)| (index, label, draft.and_then(finish)))
        .collect()
}
