//! Any bytes read as a Bitwarden JSON export (plain; a password-protected one stops at
//! PassphraseNeeded, since a KDF per input would make the fuzzer crawl).
#![no_main]

use libfuzzer_sys::fuzz_target;

include!("import_common.rs");

fuzz_target!(|data: &[u8]| {
    check_read(data, Some("bitwarden.json"), FormatChoice::Bitwarden, None);
});
