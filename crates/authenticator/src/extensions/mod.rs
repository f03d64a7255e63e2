//! CTAP extensions Latchkey implements: credProtect and hmac-secret (which carries WebAuthn's
//! PRF). credProps is a client-side extension and lives in `client`.

pub mod cred_protect;
pub mod hmac_secret;

pub use hmac_secret::{HmacSecretInput, HmacSecretOutput};

#[derive(Debug, Clone, Default)]
pub struct MakeCredentialExtensionInputs {
    /// credProtect policy 1..=3.
    pub cred_protect: Option<u8>,
    /// hmac-secret: true = create CredRandom for this credential.
    pub hmac_secret: Option<bool>,
    /// hmac-secret-mc (CTAP 2.2): evaluate at creation; used for PRF `eval` at create time.
    pub hmac_secret_mc: Option<HmacSecretInput>,
}

#[derive(Debug, Clone, Default)]
pub struct MakeCredentialExtensionOutputs {
    pub cred_protect: Option<u8>,
    pub hmac_secret: Option<bool>,
    pub hmac_secret_mc: Option<HmacSecretOutput>,
}

#[derive(Debug, Clone, Default)]
pub struct GetAssertionExtensionInputs {
    pub hmac_secret: Option<HmacSecretInput>,
    /// Per-credential inputs (WebAuthn PRF `evalByCredential`, in-process client only): they
    /// win over `hmac_secret` for the credential they name.
    pub hmac_secret_by_credential: Vec<(Vec<u8>, HmacSecretInput)>,
}

impl GetAssertionExtensionInputs {
    /// The hmac-secret input that applies to `credential_id`.
    pub fn hmac_secret_for(&self, credential_id: &[u8]) -> Option<&HmacSecretInput> {
        self.hmac_secret_by_credential
            .iter()
            .find(|(id, _)| id == credential_id)
            .map(|(_, input)| input)
            .or(self.hmac_secret.as_ref())
    }
}

#[derive(Debug, Clone, Default)]
pub struct GetAssertionExtensionOutputs {
    pub hmac_secret: Option<HmacSecretOutput>,
}
