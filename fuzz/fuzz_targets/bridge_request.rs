//! Any line a local process can write to the app's socket: parsing answers with a request or a
//! ProtocolError, never a panic, and whatever parses re-serializes to something that parses
//! back to the same request.
#![no_main]

use latchkey_bridge::protocol::{parse_request, request_id, ErrorKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(line) = std::str::from_utf8(data) else { return };
    let _ = request_id(line);
    match parse_request(line) {
        Ok(request) => {
            let again = serde_json::to_string(&request).expect("a parsed request serializes");
            assert_eq!(parse_request(&again).expect("and parses back"), request);
        }
        Err(e) => assert_eq!(e.kind, ErrorKind::ProtocolError),
    }
});
