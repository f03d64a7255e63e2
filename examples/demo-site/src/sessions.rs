//! Browser sessions (an opaque random cookie) holding who is signed in and the one ceremony
//! in progress. A challenge is single use (taken on finish) and expires after five minutes.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use base64::Engine;
use rand_core::{OsRng, RngCore};
use webauthn_rs::prelude::{
    DiscoverableAuthentication, PasskeyAuthentication, PasskeyRegistration, Uuid,
};

pub const COOKIE_NAME: &str = "demo_session";
pub const CHALLENGE_TTL: Duration = Duration::from_secs(5 * 60);

/// The server half of a ceremony the browser has started.
pub enum Pending {
    Register {
        user: Uuid,
        username: String,
        email: Option<String>,
        state: PasskeyRegistration,
    },
    LoginDiscoverable(DiscoverableAuthentication),
    LoginAllowList {
        user: Uuid,
        state: PasskeyAuthentication,
    },
}

#[derive(Default)]
pub struct Session {
    pub user: Option<Uuid>,
    /// Signed in with an emailed link (the account page then offers a passkey on this device).
    pub by_link: bool,
    /// The SHA-256 of the last sign-in link this browser asked for: a link asked for
    /// elsewhere is refused here while this browser waits for its own (login CSRF).
    pub waiting_link: Option<[u8; 32]>,
    pending: Option<(Pending, Instant)>,
}

impl Session {
    /// Starting a ceremony replaces any earlier one: only the latest challenge is accepted.
    pub fn set_pending(&mut self, p: Pending) {
        self.pending = Some((p, Instant::now()));
    }

    /// Takes the pending ceremony (so it cannot be finished twice) if it has not expired.
    pub fn take_pending(&mut self) -> Option<Pending> {
        match self.pending.take() {
            Some((p, at)) if at.elapsed() <= CHALLENGE_TTL => Some(p),
            _ => None,
        }
    }
}

#[derive(Default)]
pub struct Sessions {
    map: HashMap<String, Session>,
}

impl Sessions {
    /// The request's session, or a new one (then `new_cookie` is the Set-Cookie to send).
    pub fn get_or_create(&mut self, headers: &HeaderMap) -> (String, Option<HeaderValue>) {
        if let Some(id) = cookie(headers) {
            if self.map.contains_key(&id) {
                return (id, None);
            }
        }
        let mut raw = [0u8; 32];
        OsRng.fill_bytes(&mut raw);
        let id = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw);
        self.map.insert(id.clone(), Session::default());
        let set = HeaderValue::from_str(&format!(
            "{COOKIE_NAME}={id}; Path=/; HttpOnly; SameSite=Lax"
        ))
        .expect("base64url is a valid header value");
        (id, Some(set))
    }

    /// The request's existing session, without creating one (for read-only calls, so that
    /// requests without a cookie do not grow the table).
    pub fn find(&self, headers: &HeaderMap) -> Option<String> {
        cookie(headers).filter(|id| self.map.contains_key(id))
    }

    /// The session `id` if it exists, read-only (a GET of a link page creates nothing).
    pub fn get(&self, id: &str) -> Option<&Session> {
        self.map.get(id)
    }

    pub fn session(&mut self, id: &str) -> &mut Session {
        self.map.entry(id.to_string()).or_default()
    }
}

/// What a sign-in link keeps of the browser that asked for it: the SHA-256 of its session
/// id, so the link can tell that browser from another without holding a usable cookie.
pub fn binding(session_id: &str) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(session_id.as_bytes()).into()
}

fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE_NAME)
        .map(|(_, v)| v.to_string())
}

/// Adds the Set-Cookie header for a new session to a response's headers.
pub fn with_cookie(set: Option<HeaderValue>) -> HeaderMap {
    let mut h = HeaderMap::new();
    if let Some(v) = set {
        h.insert(SET_COOKIE, v);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending() -> Pending {
        let url = url::Url::parse("http://localhost:8787").unwrap();
        let w = webauthn_rs::WebauthnBuilder::new("localhost", &url)
            .unwrap()
            .build()
            .unwrap();
        Pending::LoginDiscoverable(w.start_discoverable_authentication().unwrap().1)
    }

    #[test]
    fn a_challenge_is_taken_once() {
        let mut s = Session::default();
        s.set_pending(pending());
        assert!(s.take_pending().is_some());
        assert!(s.take_pending().is_none());
    }

    #[test]
    fn a_challenge_older_than_five_minutes_is_refused() {
        let mut s = Session::default();
        s.set_pending(pending());
        let old = Instant::now()
            .checked_sub(CHALLENGE_TTL + Duration::from_secs(1))
            .expect("the clock is past five minutes since boot");
        s.pending.as_mut().unwrap().1 = old;
        assert!(s.take_pending().is_none());
    }
}
