//! Any bytes read as a KeePassXC `.passkey` file (JSON with a PEM private key).
#![no_main]

use libfuzzer_sys::fuzz_target;

include!("import_common.rs");

fuzz_target!(|data: &[u8]| {
    // KDBX magic routes to the database reader, which import_kdbx covers.
    if data.starts_with(&[0x03, 0xD9, 0xA2, 0x9A]) {
        return;
    }
    check_read(data, Some("site.passkey"), FormatChoice::Keepassxc, None);
});
