//! A MAC for the app's settings file. The settings decide how often the OS check runs and when
//! the vault locks, so a program that can write the data directory must not be able to widen
//! them; the file stays readable JSON, and its security part carries this MAC, keyed from the
//! vault's data key (so it can only be made, and checked, while the vault is unlocked).

use ring::hmac;

use crate::Vault;

/// HKDF info for the settings key; changing it invalidates every settings MAC.
const SETTINGS_PURPOSE: &[u8] = b"settings-mac-v1";

impl Vault {
    /// HMAC-SHA256 of `bytes` under a key derived for the settings alone (not a record key).
    pub fn settings_mac(&self, bytes: &[u8]) -> [u8; 32] {
        let key = self.keys().purpose_key(SETTINGS_PURPOSE);
        let mut out = [0u8; 32];
        out.copy_from_slice(hmac::sign(&key, bytes).as_ref());
        out
    }

    /// Whether `mac` is [`Vault::settings_mac`] of `bytes`, compared in constant time.
    pub fn settings_mac_matches(&self, bytes: &[u8], mac: &[u8]) -> bool {
        let key = self.keys().purpose_key(SETTINGS_PURPOSE);
        hmac::verify(&key, bytes, mac).is_ok()
    }
}
