//! authenticatorGetInfo (CTAP 2.1 §6.4).

use ciborium::Value;
use latchkey_vault::alg;

use crate::authenticator::{Attachment, Authenticator};
use crate::cbor;
use crate::store::CredentialStore;
use crate::user::UserInteraction;

#[derive(Debug, Clone)]
pub struct GetInfoResponse {
    pub versions: Vec<String>,
    pub extensions: Vec<String>,
    pub aaguid: [u8; 16],
    /// (option id, value) in CTAP's `options` map.
    pub options: Vec<(String, bool)>,
    pub max_msg_size: u32,
    pub pin_uv_auth_protocols: Vec<u32>,
    pub max_credential_count_in_list: u32,
    pub max_credential_id_length: u32,
    pub transports: Vec<String>,
    /// COSE algs in order of preference: ES256 first.
    pub algorithms: Vec<i64>,
}

impl GetInfoResponse {
    /// The CTAP map, keys 0x01.. in ascending order.
    pub fn to_cbor(&self) -> Vec<u8> {
        let texts = |v: &[String]| Value::Array(v.iter().map(|s| cbor::text(s)).collect());
        let options = self
            .options
            .iter()
            .map(|(k, v)| (cbor::text(k), Value::Bool(*v)))
            .collect();
        let algs = self
            .algorithms
            .iter()
            .map(|a| {
                cbor::canonical_map(vec![
                    (cbor::text("alg"), cbor::int(*a)),
                    (cbor::text("type"), cbor::text("public-key")),
                ])
            })
            .collect();
        cbor::encode(&cbor::canonical_map(vec![
            (cbor::int(0x01), texts(&self.versions)),
            (cbor::int(0x02), texts(&self.extensions)),
            (cbor::int(0x03), Value::Bytes(self.aaguid.to_vec())),
            (cbor::int(0x04), cbor::canonical_map(options)),
            (cbor::int(0x05), cbor::int(i64::from(self.max_msg_size))),
            (
                cbor::int(0x06),
                Value::Array(
                    self.pin_uv_auth_protocols
                        .iter()
                        .map(|p| cbor::int(i64::from(*p)))
                        .collect(),
                ),
            ),
            (
                cbor::int(0x07),
                cbor::int(i64::from(self.max_credential_count_in_list)),
            ),
            (
                cbor::int(0x08),
                cbor::int(i64::from(self.max_credential_id_length)),
            ),
            (cbor::int(0x09), texts(&self.transports)),
            (cbor::int(0x0A), Value::Array(algs)),
        ]))
    }
}

impl<S: CredentialStore, U: UserInteraction> Authenticator<S, U> {
    /// What this authenticator supports; ES256 is listed first (Firefox expects it).
    ///
    /// No `clientPin` option: Latchkey has no PIN, and with `uv` and `pinUvAuthToken` true
    /// clients (browsers, libfido2, python-fido2) obtain their token through
    /// getPinUvAuthTokenUsingUvWithPermissions or send `uv`, and never ask the person for a PIN.
    pub fn get_info(&self) -> GetInfoResponse {
        let s = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let (platform, transports, max_msg_size) = match self.config.attachment {
            Attachment::Platform => (true, s(&["internal"]), cbor::MAX_MSG_SIZE as u32),
            Attachment::Usb { max_msg_size } => (
                false,
                s(&["usb"]),
                max_msg_size.min(cbor::MAX_MSG_SIZE as u32),
            ),
        };
        let mut options: Vec<(String, bool)> = ["rk", "up", "uv", "credMgmt", "pinUvAuthToken"]
            .iter()
            .map(|k| ((*k).to_owned(), true))
            .collect();
        options.push(("plat".to_owned(), platform));
        GetInfoResponse {
            versions: s(&["FIDO_2_0", "FIDO_2_1"]),
            extensions: s(&["credProtect", "hmac-secret"]),
            aaguid: self.config.aaguid,
            options,
            max_msg_size,
            pin_uv_auth_protocols: vec![2, 1],
            max_credential_count_in_list: 64,
            max_credential_id_length: 64,
            transports,
            algorithms: vec![alg::ES256, alg::EDDSA, alg::RS256],
        }
    }
}
