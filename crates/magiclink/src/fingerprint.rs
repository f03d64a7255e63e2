//! Keyed fingerprints of opened links, so "already used" works with nothing readable on disk.
//!
//! A plain hash of a link would let anyone holding the vault file test guesses ("did they open
//! a link to bank.example?") and, for short tokens, recover them; an HMAC under a key derived
//! inside the vault ("magic-link" purpose key) is useless without the vault's secret.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// HMAC-SHA256 of a normalized link under the vault's 32-byte link key.
///
/// The bytes are public so the vault can store them sealed as it likes; `Debug` shows only a
/// short prefix because the full value is a stable identifier of one link.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct LinkFingerprint(pub [u8; 32]);

impl std::fmt::Debug for LinkFingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "LinkFingerprint({:02x}{:02x}{:02x}{:02x}…)",
            self.0[0], self.0[1], self.0[2], self.0[3]
        )
    }
}

/// Fingerprints `normalized_url` (the `url` of a [`crate::LinkReport`], i.e. exactly what opens)
/// under `key`. Same key and URL give the same fingerprint; any other key gives an unrelated one.
pub fn fingerprint(key: &[u8; 32], normalized_url: &str) -> LinkFingerprint {
    // A 32-byte key is always a valid HMAC key (any length is), so this cannot fail.
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(normalized_url.as_bytes());
    LinkFingerprint(mac.finalize().into_bytes().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_rfc4231_style_known_answer() {
        // HMAC-SHA256 with key = 32 bytes of 0x0b and data "Hi There", computed independently
        // (RFC 4231 case 1 uses a 20-byte key; this is the same construction with 32 bytes).
        let fp = fingerprint(&[0x0b; 32], "Hi There");
        let hex: String = fp.0.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "198a607eb44bfbc69903a0f1cf2bbdc5ba0aa3f3d9ae3c1c7a3b1696a0b68cf7"
        );
    }

    #[test]
    fn same_input_same_fingerprint_other_key_or_link_differs() {
        let a = fingerprint(&[1; 32], "https://bank.example/link/abc");
        assert_eq!(a, fingerprint(&[1; 32], "https://bank.example/link/abc"));
        assert_ne!(a, fingerprint(&[2; 32], "https://bank.example/link/abc"));
        assert_ne!(a, fingerprint(&[1; 32], "https://bank.example/link/abd"));
    }

    #[test]
    fn debug_shows_only_a_prefix() {
        let s = format!("{:?}", fingerprint(&[1; 32], "x"));
        assert!(s.len() < 30, "{s}");
    }
}
