//! Any bytes as a CTAP2 request (command byte + CBOR parameters): the authenticator must answer
//! with a status, never panic, and never store anything for a request it rejected.
#![no_main]

use latchkey_authenticator::{
    Approval, ApprovalRequest, Authenticator, Caller, CredentialStore, MemoryStore, Refusal,
    UserInteraction,
};
use libfuzzer_sys::fuzz_target;

struct AlwaysApprove;

impl UserInteraction for AlwaysApprove {
    fn approve(&self, request: &ApprovalRequest<'_>) -> Result<Approval, Refusal> {
        Ok(Approval { account: (!request.accounts.is_empty()).then_some(0), user_verified: true })
    }
}

fuzz_target!(|data: &[u8]| {
    let mut auth = Authenticator::new(MemoryStore::new(), AlwaysApprove);
    let response = auth.handle_request(data, &Caller::default());
    assert!(!response.is_empty(), "every request gets a status byte");
    if response[0] != 0 {
        assert!(auth.store().list().unwrap().is_empty(), "a rejected request stored something");
    }
});
