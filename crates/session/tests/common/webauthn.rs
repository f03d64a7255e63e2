//! A relying party (webauthn-rs) for example.com, and a registration through the session's CLI
//! door that it judges: what the session, security, browser, usage and recovery tests share.

use latchkey_authenticator::Door;
use latchkey_session::{PromptOperation, SessionError};
use webauthn_rs::prelude::*;
use webauthn_rs::{Webauthn, WebauthnBuilder};

use super::{wait_prompt, Fixture};

pub const ORIGIN: &str = "https://example.com";

pub fn rp() -> Webauthn {
    WebauthnBuilder::new("example.com", &Url::parse(ORIGIN).unwrap())
        .unwrap()
        .build()
        .unwrap()
}

/// Starts a registration of `name` through the session's CLI door on another thread (the
/// ceremony blocks on the prompt).
pub fn start_register(
    f: &Fixture,
    name: &str,
) -> (
    PasskeyRegistration,
    std::thread::JoinHandle<Result<serde_json::Value, SessionError>>,
) {
    let (ccr, state) = rp()
        .start_passkey_registration(Uuid::new_v4(), name, name, None)
        .unwrap();
    let s = f.session.clone();
    let options = serde_json::to_string(&ccr).unwrap();
    let t = std::thread::spawn(move || s.webauthn_create(Door::Cli, ORIGIN, &options));
    (state, t)
}

/// Registers `name` through the session's CLI door, approving its prompt; webauthn-rs checks
/// the result.
pub fn register(f: &Fixture, name: &str) -> Passkey {
    let (state, t) = start_register(f, name);
    let p = wait_prompt(&f.session);
    assert_eq!(p.operation, PromptOperation::Create);
    f.session.answer_prompt(&p.id, true, None).unwrap();
    let response = t.join().unwrap().unwrap();
    rp().finish_passkey_registration(&serde_json::from_value(response).unwrap(), &state)
        .unwrap()
}
