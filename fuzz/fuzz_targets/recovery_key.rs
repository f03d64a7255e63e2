//! Recovery key parsing: any text a person (or a pasted file) gives `latchkey recover` or the
//! lock screen must give a key or a typed error, never a panic; a key that parses displays as
//! a canonical text that parses back to the same key.
#![no_main]

use latchkey_vault::RecoveryKey;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(key) = RecoveryKey::parse(text) {
        let shown = key.display();
        let again = RecoveryKey::parse(&shown).expect("a displayed key parses");
        assert_eq!(*again.display(), *shown);
        assert_eq!(shown.len(), 35);
    }
});
