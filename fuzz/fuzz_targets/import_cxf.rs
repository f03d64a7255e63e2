//! Any bytes read as a CXF file: `read` never panics, and whatever it accepts opens and signs.
//! No passphrase: age files stop at PassphraseNeeded (scrypt per input would make the fuzzer
//! crawl; the age crate has its own fuzzing).
#![no_main]

use libfuzzer_sys::fuzz_target;

include!("import_common.rs");

fuzz_target!(|data: &[u8]| {
    check_read(data, None, FormatChoice::Cxf, None);
    check_read(data, Some("export.json"), FormatChoice::Auto, None);
});
