//! Attestation statements (WebAuthn §8): "none", and "packed" self attestation where the new
//! credential's own key signs authData || clientDataHash (Latchkey has no batch certificate).

use ciborium::Value;

use crate::cbor;
use crate::keys::CredentialKey;

/// `fmt: "none"`: an empty attStmt.
pub fn none_statement() -> (String, Value) {
    ("none".to_owned(), Value::Map(Vec::new()))
}

/// `fmt: "packed"` self attestation: {alg, sig} with no x5c.
pub fn packed_self(
    key: &CredentialKey,
    auth_data: &[u8],
    client_data_hash: &[u8],
) -> (String, Value) {
    let mut msg = Vec::with_capacity(auth_data.len() + client_data_hash.len());
    msg.extend_from_slice(auth_data);
    msg.extend_from_slice(client_data_hash);
    let sig = key.sign(&msg);
    let stmt = cbor::canonical_map(vec![
        (cbor::text("alg"), cbor::int(key.alg())),
        (cbor::text("sig"), Value::Bytes(sig)),
    ]);
    ("packed".to_owned(), stmt)
}
