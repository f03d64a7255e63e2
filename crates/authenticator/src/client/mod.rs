//! The WebAuthn client rules (W3C WebAuthn Level 3 §5.1.3, §5.1.4): what a browser does in front
//! of an authenticator. Takes the W3C JSON forms plus the caller's origin, checks origin and RP
//! ID, builds clientDataJSON, maps to CTAP2 and back to `RegistrationResponseJSON` /
//! `AuthenticationResponseJSON`.

mod client_data;
mod options;
mod public_key;
mod rp_id;

pub use options::{CreationOptions, PrfSalts, RequestOptions};
pub use rp_id::{effective_rp_id, serialized_origin};

use serde_json::json;

use crate::auth_data::AuthenticatorData;
use crate::extensions::{
    GetAssertionExtensionInputs, HmacSecretInput, HmacSecretOutput, MakeCredentialExtensionInputs,
};
use crate::get_assertion::GetAssertionRequest;
use crate::make_credential::{
    AttestationPreference, CredentialDescriptor, CredentialParameter, MakeCredentialRequest,
    Options, RpEntity, UserEntity,
};
use crate::{
    Authenticator, AuthenticatorError, Caller, CredentialStore, CtapError, Door, Refusal,
    UserInteraction,
};
use options::enc;

/// Why a ceremony failed, named after the DOMException a browser would raise so a web page or
/// a person sees the familiar meaning. The message is for a person; [`ClientError::dom_name`]
/// is for code.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("{0}")]
    NotAllowed(String),
    #[error("{0}")]
    InvalidState(String),
    #[error("{0}")]
    Security(String),
    #[error("{0}")]
    NotSupported(String),
    #[error("{0}")]
    Type(String),
    #[error("{0}")]
    Unknown(String),
}

impl ClientError {
    /// The DOMException name a browser would use for this error.
    pub fn dom_name(&self) -> &'static str {
        match self {
            ClientError::NotAllowed(_) => "NotAllowedError",
            ClientError::InvalidState(_) => "InvalidStateError",
            ClientError::Security(_) => "SecurityError",
            ClientError::NotSupported(_) => "NotSupportedError",
            ClientError::Type(_) => "TypeError",
            ClientError::Unknown(_) => "UnknownError",
        }
    }

    fn from_authenticator(e: AuthenticatorError, rp_id: &str) -> Self {
        match e {
            AuthenticatorError::Refused(Refusal::Denied) => {
                ClientError::NotAllowed("the request was denied at the prompt".into())
            }
            AuthenticatorError::Refused(Refusal::TimedOut) => {
                ClientError::NotAllowed("nobody answered the prompt in time; try again".into())
            }
            AuthenticatorError::Refused(Refusal::VerificationFailed(why)) => {
                ClientError::NotAllowed(format!("the OS verification failed: {why}"))
            }
            AuthenticatorError::Refused(Refusal::Unavailable(why)) => ClientError::NotAllowed(why),
            AuthenticatorError::Ctap(CtapError::CredentialExcluded) => ClientError::InvalidState(
                format!("a passkey for this account on {rp_id} already exists on this PC"),
            ),
            AuthenticatorError::Ctap(CtapError::NoCredentials) => {
                ClientError::NotAllowed(format!("there is no passkey for {rp_id} on this PC"))
            }
            AuthenticatorError::Ctap(CtapError::UnsupportedAlgorithm) => ClientError::NotSupported(
                "none of the site's signature algorithms is supported (ES256, EdDSA, RS256 are)"
                    .into(),
            ),
            AuthenticatorError::Ctap(
                c @ (CtapError::OperationDenied
                | CtapError::UserActionTimeout
                | CtapError::ActionTimeout
                | CtapError::NotAllowed),
            ) => ClientError::NotAllowed(format!("the authenticator refused ({c:?})")),
            AuthenticatorError::Store(v) => ClientError::Unknown(format!("the vault failed: {v}")),
            AuthenticatorError::Ctap(c) => {
                ClientError::Unknown(format!("the authenticator failed ({c:?})"))
            }
        }
    }
}

/// ES256 and RS256: what §5.1.3 step 10 uses when pubKeyCredParams is empty.
const DEFAULT_ALGS: [i64; 2] = [-7, -257];

/// navigator.credentials.create() (§5.1.3 "Create a New Credential"); returns
/// RegistrationResponseJSON.
pub fn create<S: CredentialStore, U: UserInteraction>(
    auth: &mut Authenticator<S, U>,
    origin: &str,
    options_json: &str,
    door: Door,
) -> Result<serde_json::Value, ClientError> {
    let opts = CreationOptions::from_json(options_json)?;
    // Step 7: the origin as a browser serializes it; every later step (RP ID check,
    // clientDataJSON, the prompt's "asked by") uses this form, never the caller's spelling.
    let origin = serialized_origin(origin)?;
    let origin = origin.as_str();
    // Steps 7-8: origin check, RP ID = given or the origin's effective domain.
    let rp_id = effective_rp_id(origin, opts.rp_id.as_deref())?;
    // Step 10: credential types and algorithms; empty means ES256 then RS256.
    let algs = if opts.algs.is_empty() {
        DEFAULT_ALGS.to_vec()
    } else {
        opts.algs.clone()
    };
    if !algs
        .iter()
        .any(|a| crate::keys::CredentialKey::is_supported(*a))
    {
        return Err(ClientError::NotSupported(
            "none of the site's signature algorithms is supported (ES256, EdDSA, RS256 are)".into(),
        ));
    }
    // Steps 13-14: collected client data and its hash.
    let (client_data_json, hash) = client_data::collect("webauthn.create", &opts.challenge, origin);
    let req = MakeCredentialRequest {
        client_data_hash: hash.to_vec(),
        rp: RpEntity {
            id: rp_id.clone(),
            name: Some(opts.rp_name.clone()),
        },
        user: UserEntity {
            id: opts.user_id.clone(),
            name: Some(opts.user_name.clone()),
            display_name: Some(opts.user_display_name.clone()),
        },
        pub_key_cred_params: algs
            .iter()
            .map(|&alg| CredentialParameter { alg })
            .collect(),
        exclude_list: opts
            .exclude
            .iter()
            .map(|id| CredentialDescriptor { id: id.clone() })
            .collect(),
        extensions: MakeCredentialExtensionInputs {
            cred_protect: opts.cred_protect,
            // PRF rides on hmac-secret (WebAuthn L3 §10.1.4).
            hmac_secret: opts.prf.then_some(true),
            hmac_secret_mc: opts.prf_eval.as_ref().map(plain_input),
        },
        // Passkeys are always discoverable on Latchkey.
        options: Options {
            rk: Some(true),
            up: None,
            uv: opts.uv_required.then_some(true),
        },
        pin_uv_auth_param: None,
        pin_uv_auth_protocol: None,
        enterprise_attestation: None,
        attestation_preference: if opts.attestation {
            AttestationPreference::SelfAttestation
        } else {
            AttestationPreference::None
        },
    };
    let caller = Caller::new(door, Some(origin.to_string()));
    let resp = auth
        .make_credential(&req, &caller)
        .map_err(|e| ClientError::from_authenticator(e, &rp_id))?;
    // Registration response: the public key and algorithm come from the attested credential data.
    let parsed = AuthenticatorData::parse(&resp.auth_data).map_err(|e| {
        ClientError::Unknown(format!("the authenticator's answer is malformed ({e:?})"))
    })?;
    let cose = parsed
        .attested_credential_data
        .as_ref()
        .map(|a| a.credential_public_key.clone())
        .unwrap_or_default();
    let (alg, spki) = public_key::alg_and_spki(&cose);
    let mut response = json!({
        "clientDataJSON": enc(&client_data_json),
        "attestationObject": enc(&resp.attestation_object()),
        "authenticatorData": enc(&resp.auth_data),
        "transports": ["internal"],
        "publicKeyAlgorithm": alg,
    });
    if let Some(spki) = spki {
        response["publicKey"] = json!(enc(&spki));
    }
    let mut ext = json!({});
    if opts.cred_props {
        ext["credProps"] = json!({"rk": true});
    }
    if opts.prf {
        ext["prf"] = json!({"enabled": true});
        if let Some(results) = prf_results(resp.unsigned_extension_outputs.hmac_secret_mc.as_ref())
        {
            ext["prf"]["results"] = results;
        }
    }
    Ok(json!({
        "id": enc(&resp.credential_id),
        "rawId": enc(&resp.credential_id),
        "type": "public-key",
        "authenticatorAttachment": "platform",
        "response": response,
        "clientExtensionResults": ext,
    }))
}

/// navigator.credentials.get() (§5.1.4 "Use an Existing Credential"); returns
/// AuthenticationResponseJSON.
pub fn get<S: CredentialStore, U: UserInteraction>(
    auth: &mut Authenticator<S, U>,
    origin: &str,
    options_json: &str,
    door: Door,
) -> Result<serde_json::Value, ClientError> {
    let opts = RequestOptions::from_json(options_json)?;
    // Step 6: the origin as a browser serializes it (see `create`).
    let origin = serialized_origin(origin)?;
    let origin = origin.as_str();
    // Steps 6-7: origin check and RP ID.
    let rp_id = effective_rp_id(origin, opts.rp_id.as_deref())?;
    // Steps 10-11: collected client data and its hash.
    let (client_data_json, hash) = client_data::collect("webauthn.get", &opts.challenge, origin);
    let req = GetAssertionRequest {
        rp_id: rp_id.clone(),
        client_data_hash: hash.to_vec(),
        allow_list: opts
            .allow
            .iter()
            .map(|id| CredentialDescriptor { id: id.clone() })
            .collect(),
        extensions: GetAssertionExtensionInputs {
            hmac_secret: opts.prf_eval.as_ref().map(plain_input),
            hmac_secret_by_credential: opts
                .prf_by_credential
                .iter()
                .map(|(id, salts)| (id.clone(), plain_input(salts)))
                .collect(),
        },
        options: Options {
            rk: None,
            up: None,
            uv: opts.uv_required.then_some(true),
        },
        pin_uv_auth_param: None,
        pin_uv_auth_protocol: None,
    };
    let caller = Caller::new(door, Some(origin.to_string()));
    let resp = auth
        .get_assertion(&req, &caller)
        .map_err(|e| ClientError::from_authenticator(e, &rp_id))?;
    let user_handle = resp.user.as_ref().map(|u| enc(&u.id));
    let mut ext = json!({});
    if let Some(results) = prf_results(resp.unsigned_extension_outputs.hmac_secret.as_ref()) {
        ext["prf"] = json!({ "results": results });
    }
    Ok(json!({
        "id": enc(&resp.credential_id),
        "rawId": enc(&resp.credential_id),
        "type": "public-key",
        "authenticatorAttachment": "platform",
        "response": {
            "clientDataJSON": enc(&client_data_json),
            "authenticatorData": enc(&resp.auth_data),
            "signature": enc(&resp.signature),
            "userHandle": user_handle,
        },
        "clientExtensionResults": ext,
    }))
}

fn plain_input(salts: &PrfSalts) -> HmacSecretInput {
    HmacSecretInput::Plain {
        salt1: salts.first,
        salt2: salts.second,
    }
}

/// AuthenticationExtensionsPRFValues as JSON, from a plain hmac-secret output.
fn prf_results(out: Option<&HmacSecretOutput>) -> Option<serde_json::Value> {
    match out? {
        HmacSecretOutput::Plain { output1, output2 } => {
            let mut v = json!({ "first": enc(output1) });
            if let Some(o2) = output2 {
                v["second"] = json!(enc(o2));
            }
            Some(v)
        }
        HmacSecretOutput::Encrypted(_) => None,
    }
}
