//! Any text as WebAuthn options JSON (what a web page controls): parsing and the whole client
//! ceremony must answer with a result or a typed error, never panic. A rejected create must
//! store nothing.
#![no_main]

use latchkey_authenticator::client::{self, CreationOptions, RequestOptions};
use latchkey_authenticator::{
    Approval, ApprovalRequest, Authenticator, CredentialStore, Door, MemoryStore, Refusal,
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
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = CreationOptions::from_json(text);
    let _ = RequestOptions::from_json(text);
    let mut auth = Authenticator::new(MemoryStore::new(), AlwaysApprove);
    if client::create(&mut auth, "https://example.com", text, Door::Cli).is_err() {
        assert!(auth.store().list().unwrap().is_empty(), "a rejected create stored something");
    }
    let _ = client::get(&mut auth, "https://example.com", text, Door::Cli);
});
