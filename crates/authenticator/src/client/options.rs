//! The W3C JSON forms of the options (WebAuthn L3 §5.1.3 PublicKeyCredentialCreationOptionsJSON,
//! §5.1.4 PublicKeyCredentialRequestOptionsJSON). Binary fields arrive as base64url strings.

use base64::Engine;
use serde::Deserialize;

use super::ClientError;

/// Decodes a base64url field, with or without padding, ignoring stray bits in the last
/// character as browsers' forgiving decoders do; names the field when it is bad.
pub(crate) fn b64(field: &str, s: &str) -> Result<Vec<u8>, ClientError> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    LENIENT
        .decode(s)
        .map_err(|_| ClientError::Type(format!("{field} is not valid base64url")))
}

/// Encodes bytes as base64url without padding, as the JSON responses require.
pub(crate) fn enc(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RpJson {
    id: Option<String>,
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserJson {
    id: String,
    name: String,
    display_name: String,
}

#[derive(Deserialize)]
struct ParamJson {
    #[serde(rename = "type")]
    kind: String,
    alg: i64,
}

#[derive(Deserialize)]
struct DescriptorJson {
    id: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct SelectionJson {
    user_verification: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct CreateExtJson {
    #[serde(default)]
    cred_props: bool,
    credential_protection_policy: Option<String>,
    #[serde(default)]
    enforce_credential_protection_policy: bool,
    prf: Option<PrfJson>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct GetExtJson {
    prf: Option<PrfJson>,
}

/// AuthenticationExtensionsPRFInputs (WebAuthn L3 §10.1.4), binary values as base64url.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct PrfJson {
    eval: Option<PrfValuesJson>,
    #[serde(default)]
    eval_by_credential: std::collections::BTreeMap<String, PrfValuesJson>,
}

#[derive(Deserialize)]
struct PrfValuesJson {
    first: String,
    second: Option<String>,
}

/// PRF inputs hashed into hmac-secret salts: SHA-256("WebAuthn PRF" || 0x00 || input), so a
/// site's PRF values can never collide with a raw hmac-secret use of the same credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrfSalts {
    pub first: [u8; 32],
    pub second: Option<[u8; 32]>,
}

fn prf_salt(input: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"WebAuthn PRF");
    h.update([0u8]);
    h.update(input);
    h.finalize().into()
}

impl PrfValuesJson {
    fn salts(&self, field: &str) -> Result<PrfSalts, ClientError> {
        Ok(PrfSalts {
            first: prf_salt(&b64(&format!("{field}.first"), &self.first)?),
            second: match &self.second {
                Some(s) => Some(prf_salt(&b64(&format!("{field}.second"), s)?)),
                None => None,
            },
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreationJson {
    challenge: String,
    rp: RpJson,
    user: UserJson,
    #[serde(default)]
    pub_key_cred_params: Vec<ParamJson>,
    #[serde(default)]
    exclude_credentials: Vec<DescriptorJson>,
    #[serde(default)]
    authenticator_selection: SelectionJson,
    attestation: Option<String>,
    #[serde(default)]
    extensions: CreateExtJson,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RequestJson {
    challenge: String,
    rp_id: Option<String>,
    #[serde(default)]
    allow_credentials: Vec<DescriptorJson>,
    user_verification: Option<String>,
    #[serde(default)]
    extensions: GetExtJson,
}

/// Decoded creation options, ready to map onto authenticatorMakeCredential.
#[derive(Debug, Clone)]
pub struct CreationOptions {
    pub challenge: Vec<u8>,
    pub rp_id: Option<String>,
    pub rp_name: String,
    pub user_id: Vec<u8>,
    pub user_name: String,
    pub user_display_name: String,
    /// Algorithms in the RP's order of preference (only `public-key` entries).
    pub algs: Vec<i64>,
    pub exclude: Vec<Vec<u8>>,
    pub uv_required: bool,
    /// Whether the RP asked for any attestation other than "none".
    pub attestation: bool,
    pub cred_props: bool,
    /// credProtect level 1..=3 (CTAP 2.1 §12.1), when the RP asked for one.
    pub cred_protect: Option<u8>,
    /// The RP asked for the PRF extension (enables hmac-secret on the new credential).
    pub prf: bool,
    /// PRF values to evaluate right at creation, when given.
    pub prf_eval: Option<PrfSalts>,
}

/// Decoded request options, ready to map onto authenticatorGetAssertion.
#[derive(Debug, Clone)]
pub struct RequestOptions {
    pub challenge: Vec<u8>,
    pub rp_id: Option<String>,
    pub allow: Vec<Vec<u8>>,
    pub uv_required: bool,
    /// PRF `eval`: salts for whichever credential is used.
    pub prf_eval: Option<PrfSalts>,
    /// PRF `evalByCredential`: salts per credential id (each one must be in `allow`).
    pub prf_by_credential: Vec<(Vec<u8>, PrfSalts)>,
}

/// Accepts the bare options or the `{"publicKey": {...}}` wrapper a page passes to the browser.
fn unwrap(s: &str) -> Result<serde_json::Value, ClientError> {
    let v: serde_json::Value = serde_json::from_str(s)
        .map_err(|e| ClientError::Type(format!("the options are not valid JSON: {e}")))?;
    Ok(match v.get("publicKey") {
        Some(inner) => inner.clone(),
        None => v,
    })
}

fn challenge(s: &str) -> Result<Vec<u8>, ClientError> {
    let c = b64("challenge", s)?;
    if c.len() < 16 {
        return Err(ClientError::Type(
            "challenge must be at least 16 bytes".into(),
        ));
    }
    Ok(c)
}

impl CreationOptions {
    /// Parses PublicKeyCredentialCreationOptionsJSON; unknown fields are ignored.
    pub fn from_json(s: &str) -> Result<Self, ClientError> {
        let j: CreationJson = serde_json::from_value(unwrap(s)?)
            .map_err(|e| ClientError::Type(format!("the creation options are malformed: {e}")))?;
        let user_id = b64("user.id", &j.user.id)?;
        if user_id.is_empty() || user_id.len() > 64 {
            return Err(ClientError::Type("user.id must be 1 to 64 bytes".into()));
        }
        let exclude = j
            .exclude_credentials
            .iter()
            .map(|d| b64("excludeCredentials[].id", &d.id))
            .collect::<Result<_, _>>()?;
        Ok(CreationOptions {
            challenge: challenge(&j.challenge)?,
            rp_id: j.rp.id,
            rp_name: j.rp.name,
            user_id,
            user_name: j.user.name,
            user_display_name: j.user.display_name,
            algs: j
                .pub_key_cred_params
                .iter()
                .filter(|p| p.kind == "public-key")
                .map(|p| p.alg)
                .collect(),
            exclude,
            uv_required: j.authenticator_selection.user_verification.as_deref() == Some("required"),
            attestation: !matches!(j.attestation.as_deref(), None | Some("none")),
            cred_props: j.extensions.cred_props,
            cred_protect: match j.extensions.credential_protection_policy.as_deref() {
                None => None,
                Some("userVerificationOptional") => Some(1),
                Some("userVerificationOptionalWithCredentialIDList") => Some(2),
                Some("userVerificationRequired") => Some(3),
                // An unknown policy is ignored unless the RP insists on it (CTAP 2.1 §12.1).
                Some(other) if j.extensions.enforce_credential_protection_policy => {
                    return Err(ClientError::NotSupported(format!(
                        "credential protection policy \"{other}\" is unknown"
                    )))
                }
                Some(_) => None,
            },
            prf: j.extensions.prf.is_some(),
            prf_eval: match j.extensions.prf.as_ref().and_then(|p| p.eval.as_ref()) {
                Some(v) => Some(v.salts("prf.eval")?),
                None => None,
            },
        })
    }
}

impl RequestOptions {
    /// Parses PublicKeyCredentialRequestOptionsJSON; unknown fields are ignored.
    pub fn from_json(s: &str) -> Result<Self, ClientError> {
        let j: RequestJson = serde_json::from_value(unwrap(s)?)
            .map_err(|e| ClientError::Type(format!("the request options are malformed: {e}")))?;
        let allow: Vec<Vec<u8>> = j
            .allow_credentials
            .iter()
            .map(|d| b64("allowCredentials[].id", &d.id))
            .collect::<Result<_, _>>()?;
        let prf = j.extensions.prf.unwrap_or_default();
        let prf_eval = match &prf.eval {
            Some(v) => Some(v.salts("prf.eval")?),
            None => None,
        };
        // §10.1.4: evalByCredential needs an allow list, and every key must name one of it.
        if !prf.eval_by_credential.is_empty() && allow.is_empty() {
            return Err(ClientError::NotSupported(
                "prf.evalByCredential needs allowCredentials".into(),
            ));
        }
        let mut prf_by_credential = Vec::new();
        for (id, values) in &prf.eval_by_credential {
            let id = b64("prf.evalByCredential key", id)?;
            if !allow.contains(&id) {
                return Err(ClientError::NotSupported(
                    "prf.evalByCredential names a credential that is not in allowCredentials"
                        .into(),
                ));
            }
            prf_by_credential.push((id, values.salts("prf.evalByCredential")?));
        }
        Ok(RequestOptions {
            challenge: challenge(&j.challenge)?,
            rp_id: j.rp_id,
            allow,
            uv_required: j.user_verification.as_deref() == Some("required"),
            prf_eval,
            prf_by_credential,
        })
    }
}
