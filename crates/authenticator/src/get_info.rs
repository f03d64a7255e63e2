//! authenticatorGetInfo (CTAP 2.1 §6.4).
//!
//! SKELETON: to be written.

use crate::authenticator::Authenticator;
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
    pub fn to_cbor(&self) -> Vec<u8> {
        todo!("get_info: encode")
    }
}

impl<S: CredentialStore, U: UserInteraction> Authenticator<S, U> {
    pub fn get_info(&self) -> GetInfoResponse {
        todo!("get_info")
    }
}
