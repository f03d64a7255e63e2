//! Issued sign-in links. Only the SHA-256 of each token is kept (a copy of this store, or of a
//! memory dump, opens nothing); a link is spent by removing it under the store's one lock, so
//! of two concurrent uses exactly one wins; only the newest link of an address is kept.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant, SystemTime};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use webauthn_rs::prelude::Uuid;

/// A fresh token: 32 bytes from the OS CSPRNG, base64url without padding (43 characters).
pub fn new_token() -> String {
    let mut raw = [0u8; 32];
    OsRng.fill_bytes(&mut raw);
    URL_SAFE_NO_PAD.encode(raw)
}

/// The only form in which a token is stored or looked up.
pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// One link that has been sent and not yet spent.
#[derive(Clone, Debug)]
pub struct IssuedLink {
    pub user: Uuid,
    pub email: String,
    /// `sessions::binding` of the browser that asked for it.
    pub requester: [u8; 32],
    /// Where and when it was asked for, shown when it is opened in another browser.
    pub client_ip: IpAddr,
    pub requested_at: SystemTime,
    issued: Instant,
}

#[derive(Default, Debug)]
pub struct LinkStore {
    by_hash: HashMap<[u8; 32], IssuedLink>,
    /// Address → hash of its newest link; issuing a new one drops the older one.
    newest: HashMap<String, [u8; 32]>,
}

impl LinkStore {
    /// Stores a link by its token's hash, replacing the address's earlier link.
    pub fn issue(
        &mut self,
        hash: [u8; 32],
        user: Uuid,
        email: &str,
        requester: [u8; 32],
        client_ip: IpAddr,
        ttl: Duration,
    ) {
        self.prune(ttl);
        if let Some(old) = self.newest.insert(email.to_string(), hash) {
            self.by_hash.remove(&old);
        }
        self.by_hash.insert(
            hash,
            IssuedLink {
                user,
                email: email.to_string(),
                requester,
                client_ip,
                requested_at: SystemTime::now(),
                issued: Instant::now(),
            },
        );
    }

    /// The link if it is still good (unspent, newest of its address, younger than `ttl`).
    /// Spends nothing.
    pub fn peek(&self, hash: &[u8; 32], ttl: Duration) -> Option<&IssuedLink> {
        self.by_hash.get(hash).filter(|l| l.issued.elapsed() <= ttl)
    }

    /// Spends the link: it is removed, so a second call (or a concurrent one, which waits for
    /// the same lock) finds nothing.
    pub fn claim(&mut self, hash: &[u8; 32], ttl: Duration) -> Option<IssuedLink> {
        self.peek(hash, ttl)?;
        let link = self.by_hash.remove(hash)?;
        if self.newest.get(&link.email) == Some(hash) {
            self.newest.remove(&link.email);
        }
        Some(link)
    }

    /// Forgets expired links so the store stays as small as the links in flight.
    fn prune(&mut self, ttl: Duration) {
        self.by_hash.retain(|_, l| l.issued.elapsed() <= ttl);
        let by_hash = &self.by_hash;
        self.newest.retain(|_, h| by_hash.contains_key(h));
    }

    /// Everything the store holds, for tests that check no token is kept.
    pub fn dump(&self) -> String {
        format!("{self:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TTL: Duration = Duration::from_secs(600);

    fn ip() -> IpAddr {
        IpAddr::from([127, 0, 0, 1])
    }

    #[test]
    fn tokens_are_32_random_bytes_in_base64url() {
        let a = new_token();
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).unwrap().len(), 32);
        assert_ne!(a, new_token());
    }

    #[test]
    fn a_link_is_claimed_once_and_a_newer_one_replaces_it() {
        let mut s = LinkStore::default();
        let (a, b) = (token_hash("a"), token_hash("b"));
        s.issue(a, Uuid::nil(), "x@example.com", [0; 32], ip(), TTL);
        assert!(s.peek(&a, TTL).is_some());
        s.issue(b, Uuid::nil(), "x@example.com", [0; 32], ip(), TTL);
        assert!(s.peek(&a, TTL).is_none(), "the older link is gone");
        assert!(s.claim(&b, TTL).is_some());
        assert!(s.claim(&b, TTL).is_none());
        assert!(s.dump().contains("by_hash: {}"), "{}", s.dump());
    }
}
