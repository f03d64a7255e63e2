//! The settings MAC: checks what its own vault made, nothing else (another vault's MAC, a
//! changed byte, a truncated MAC), and survives closing and reopening the vault.

mod common;

use common::*;

#[test]
fn a_settings_mac_verifies_only_for_its_vault_and_its_bytes() {
    let (guard, vault) = TestVault::new();
    let bytes = br#"{"autoLockMinutes":15,"verification":{"kind":"every-use"}}"#;
    let mac = vault.settings_mac(bytes);
    assert!(vault.settings_mac_matches(bytes, &mac));
    let mut changed = bytes.to_vec();
    changed[20] ^= 1;
    assert!(!vault.settings_mac_matches(&changed, &mac));
    assert!(!vault.settings_mac_matches(bytes, &mac[..31]));
    let mut flipped = mac;
    flipped[0] ^= 0x80;
    assert!(!vault.settings_mac_matches(bytes, &flipped));

    vault.lock();
    let reopened = guard.open();
    assert!(
        reopened.settings_mac_matches(bytes, &mac),
        "same key after reopening"
    );

    let (_other_guard, other) = TestVault::new();
    assert!(
        !other.settings_mac_matches(bytes, &mac),
        "another vault's key"
    );
    assert_ne!(other.settings_mac(bytes), mac);
}
