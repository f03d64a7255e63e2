//! hmac-secret (CTAP 2.1 §12.5), the basis of WebAuthn PRF.
//!
//! SKELETON: types are the contract other modules use; bodies are to be written.

/// The hmac-secret input. Over CTAP the salts arrive encrypted under the PIN/UV auth protocol's
/// shared secret; the in-process WebAuthn client (same address space, no transport) passes them
/// in the clear and gets the outputs in the clear.
#[derive(Debug, Clone)]
pub enum HmacSecretInput {
    /// From a CTAP client: keyAgreement (COSE key), saltEnc, saltAuth, pinUvAuthProtocol.
    Encrypted {
        key_agreement: coset::CoseKey,
        salt_enc: Vec<u8>,
        salt_auth: Vec<u8>,
        pin_uv_auth_protocol: u32,
    },
    /// From the in-process WebAuthn client (PRF): one or two 32-byte salts.
    Plain { salt1: [u8; 32], salt2: Option<[u8; 32]> },
}

/// The hmac-secret output, matching the input's form.
#[derive(Debug, Clone)]
pub enum HmacSecretOutput {
    /// Encrypted output1 (|| output2) for a CTAP client.
    Encrypted(Vec<u8>),
    /// Plain outputs for the in-process client.
    Plain { output1: [u8; 32], output2: Option<[u8; 32]> },
}
