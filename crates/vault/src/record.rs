//! The plaintext shape of a stored passkey. It only ever exists in memory: on disk it is
//! sealed (see `seal.rs`), and every secret field is zeroized when the value is dropped.

use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// COSE algorithm identifiers Latchkey creates keys for (RFC 9053 / IANA COSE registry).
pub mod alg {
    /// ECDSA with P-256 and SHA-256. Advertised first and preferred (Firefox breaks otherwise).
    pub const ES256: i64 = -7;
    /// Ed25519 signatures.
    pub const EDDSA: i64 = -8;
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    pub const RS256: i64 = -257;

    /// The name people and JSON see for a COSE algorithm; "unknown" for any other.
    pub fn name(alg: i64) -> &'static str {
        match alg {
            ES256 => "ES256",
            EDDSA => "EdDSA",
            RS256 => "RS256",
            _ => "unknown",
        }
    }

    /// The COSE algorithm [`name`] gives `name` for.
    pub fn from_name(name: &str) -> Option<i64> {
        [ES256, EDDSA, RS256]
            .into_iter()
            .find(|&a| self::name(a) == name)
    }
}

/// One passkey, decrypted. Everything that names a site, an account or a key lives here and
/// therefore only inside a sealed record.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct PasskeyRecord {
    /// The WebAuthn credential id the relying party knows the passkey by.
    pub credential_id: Vec<u8>,
    pub rp_id: String,
    pub rp_name: Option<String>,
    /// The relying party's opaque user handle (`user.id`).
    pub user_handle: Vec<u8>,
    pub user_name: Option<String>,
    pub user_display_name: Option<String>,
    /// A display nickname the person chose; never sent to a site.
    pub nickname: Option<String>,
    /// COSE algorithm of the key pair (see [`alg`]).
    pub algorithm: i64,
    /// PKCS#8 DER of the private key.
    pub private_key: Vec<u8>,
    /// The WebAuthn signature counter last reported to the site.
    pub sign_count: u32,
    /// Unix seconds.
    pub created_at: u64,
    /// Unix seconds of the last successful sign-in, if any.
    pub last_used_at: Option<u64>,
    /// How many assertions this passkey has produced.
    pub use_count: u64,
    /// CTAP credProtect level: 1 = userVerificationOptional, 2 = ...WithCredentialIDList,
    /// 3 = userVerificationRequired.
    pub cred_protect: u8,
    /// hmac-secret CredRandom used when the assertion was user-verified (32 bytes).
    pub cred_random_with_uv: Option<Vec<u8>>,
    /// hmac-secret CredRandom used without user verification (32 bytes).
    pub cred_random_without_uv: Option<Vec<u8>>,
    /// WebAuthn BE flag: the passkey may be backed up (export/sync).
    pub backup_eligible: bool,
    /// WebAuthn BS flag: the passkey is currently backed up.
    pub backup_state: bool,
}

impl std::fmt::Debug for PasskeyRecord {
    // Never print key material or account data by accident (logs, panics).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasskeyRecord")
            .field("algorithm", &self.algorithm)
            .field("sign_count", &self.sign_count)
            .finish_non_exhaustive()
    }
}

/// What the UI and `latchkey list` need: everything but the secrets, so listing never has to
/// open a private key.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct PasskeyMeta {
    pub credential_id: Vec<u8>,
    pub rp_id: String,
    pub rp_name: Option<String>,
    pub user_handle: Vec<u8>,
    pub user_name: Option<String>,
    pub user_display_name: Option<String>,
    pub nickname: Option<String>,
    pub algorithm: i64,
    pub sign_count: u32,
    pub created_at: u64,
    pub last_used_at: Option<u64>,
    pub use_count: u64,
    pub cred_protect: u8,
    pub backup_eligible: bool,
    pub backup_state: bool,
}

impl std::fmt::Debug for PasskeyMeta {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasskeyMeta")
            .field("algorithm", &self.algorithm)
            .field("sign_count", &self.sign_count)
            .finish_non_exhaustive()
    }
}

impl From<&PasskeyRecord> for PasskeyMeta {
    fn from(r: &PasskeyRecord) -> Self {
        PasskeyMeta {
            credential_id: r.credential_id.clone(),
            rp_id: r.rp_id.clone(),
            rp_name: r.rp_name.clone(),
            user_handle: r.user_handle.clone(),
            user_name: r.user_name.clone(),
            user_display_name: r.user_display_name.clone(),
            nickname: r.nickname.clone(),
            algorithm: r.algorithm,
            sign_count: r.sign_count,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            use_count: r.use_count,
            cred_protect: r.cred_protect,
            backup_eligible: r.backup_eligible,
            backup_state: r.backup_state,
        }
    }
}
