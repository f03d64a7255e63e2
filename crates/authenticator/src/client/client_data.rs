//! CollectedClientData (WebAuthn L3 §5.8.1): what the signature binds to the site and challenge.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// Field order is the spec's: type, challenge, origin, crossOrigin.
#[derive(Serialize)]
struct CollectedClientData<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    challenge: String,
    origin: &'a str,
    #[serde(rename = "crossOrigin")]
    cross_origin: bool,
}

/// Returns clientDataJSON and its SHA-256 (the clientDataHash the authenticator signs over).
pub(crate) fn collect(kind: &str, challenge: &[u8], origin: &str) -> (Vec<u8>, [u8; 32]) {
    let data = CollectedClientData {
        kind,
        challenge: super::options::enc(challenge),
        origin,
        cross_origin: false,
    };
    let json = serde_json::to_vec(&data).unwrap_or_default();
    let hash: [u8; 32] = Sha256::digest(&json).into();
    (json, hash)
}
