//! A software passkey for the tests: ES256, "none" attestation, user verification claimed.
//! The site's webauthn-rs verifies everything it makes, so accounts can be created and signed
//! in to without the `latchkey` CLI.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use ciborium::value::Value as Cbor;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use rand_core::{OsRng, RngCore};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub struct SoftPasskey {
    key: SigningKey,
    id: Vec<u8>,
    user_handle: Vec<u8>,
    counter: u32,
    origin: String,
}

fn cbor(v: &Cbor) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(v, &mut out).unwrap();
    out
}

fn challenge(options: &Value) -> String {
    options["publicKey"]["challenge"]
        .as_str()
        .expect("options carry a challenge")
        .to_string()
}

fn client_data(kind: &str, options: &Value, origin: &str) -> Vec<u8> {
    json!({ "type": kind, "challenge": challenge(options), "origin": origin, "crossOrigin": false })
        .to_string()
        .into_bytes()
}

impl SoftPasskey {
    /// Answers `navigator.credentials.create()` for the options of /api/register/start.
    pub fn create(options: &Value, origin: &str) -> (SoftPasskey, Value) {
        let key = SigningKey::random(&mut OsRng);
        let mut id = vec![0u8; 16];
        OsRng.fill_bytes(&mut id);
        let user_handle = B64
            .decode(options["publicKey"]["user"]["id"].as_str().unwrap())
            .unwrap();
        let point = key.verifying_key().to_encoded_point(false);
        let cose = Cbor::Map(vec![
            (Cbor::from(1), Cbor::from(2)),
            (Cbor::from(3), Cbor::from(-7)),
            (Cbor::from(-1), Cbor::from(1)),
            (Cbor::from(-2), Cbor::Bytes(point.x().unwrap().to_vec())),
            (Cbor::from(-3), Cbor::Bytes(point.y().unwrap().to_vec())),
        ]);
        let mut auth = Sha256::digest(b"localhost").to_vec();
        auth.push(0x45); // user present, user verified, attested credential data
        auth.extend(0u32.to_be_bytes());
        auth.extend([0u8; 16]);
        auth.extend((id.len() as u16).to_be_bytes());
        auth.extend(&id);
        auth.extend(cbor(&cose));
        let att = Cbor::Map(vec![
            (Cbor::from("fmt"), Cbor::from("none")),
            (Cbor::from("attStmt"), Cbor::Map(vec![])),
            (Cbor::from("authData"), Cbor::Bytes(auth)),
        ]);
        let response = json!({
            "id": B64.encode(&id),
            "rawId": B64.encode(&id),
            "type": "public-key",
            "response": {
                "attestationObject": B64.encode(cbor(&att)),
                "clientDataJSON": B64.encode(client_data("webauthn.create", options, origin)),
            },
            "clientExtensionResults": {},
        });
        let pk = SoftPasskey {
            key,
            id,
            user_handle,
            counter: 0,
            origin: origin.to_string(),
        };
        (pk, response)
    }

    /// Answers `navigator.credentials.get()` for the options of /api/login/start.
    pub fn get(&mut self, options: &Value) -> Value {
        self.counter += 1;
        let cd = client_data("webauthn.get", options, &self.origin);
        let mut auth = Sha256::digest(b"localhost").to_vec();
        auth.push(0x05); // user present, user verified
        auth.extend(self.counter.to_be_bytes());
        let mut signed = auth.clone();
        signed.extend(Sha256::digest(&cd));
        let sig: Signature = self.key.sign(&signed);
        json!({
            "id": B64.encode(&self.id),
            "rawId": B64.encode(&self.id),
            "type": "public-key",
            "response": {
                "authenticatorData": B64.encode(auth),
                "clientDataJSON": B64.encode(cd),
                "signature": B64.encode(sig.to_der().as_bytes()),
                "userHandle": B64.encode(&self.user_handle),
            },
            "clientExtensionResults": {},
        })
    }
}
