//! Any bytes read as a KeePass database with a fixed password: the header checks (KDF bounds,
//! block stream) and the keepass crate never panic. Seeds: crates/transfer/tests/fixtures/*.kdbx
//! (password "correct horse battery staple", the one used here).
#![no_main]

use libfuzzer_sys::fuzz_target;

include!("import_common.rs");

fuzz_target!(|data: &[u8]| {
    check_read(
        data,
        Some("passwords.kdbx"),
        FormatChoice::Keepassxc,
        Some("correct horse battery staple"),
    );
});
