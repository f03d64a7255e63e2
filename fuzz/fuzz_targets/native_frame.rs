//! Any bytes a browser (or anything posing as one) can write to the native messaging host's
//! stdin: the frame reader answers with frames or errors, never a panic; it never consumes an
//! oversized frame's body; a malformed body leaves the stream at the next frame; whatever it
//! reads writes back as a frame that reads back; and every message parses into a
//! request or a TypeError, a request never carrying a client name from the frame nor a tag
//! outside 1..=128 characters.
#![no_main]

use std::io::Cursor;

use latchkey_browser_host::framing::{read_frame, write_frame, FrameError};
use latchkey_bridge::protocol::Op;
use latchkey_browser_host::message::{parse, Action, MAX_TAG_CHARS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut r = Cursor::new(data);
    loop {
        let start = r.position();
        match read_frame(&mut r) {
            Ok(None) => break,
            Ok(Some(message)) => {
                let mut out = Vec::new();
                write_frame(&mut out, &message).expect("what was read fits when written");
                let again = read_frame(&mut Cursor::new(out))
                    .expect("and reads back")
                    .expect("as one frame");
                // Same shape; not compared exactly, as serde_json's float parsing is not exact
                // both ways (1.8888888888e34 reads back one ulp off).
                assert_eq!(
                    std::mem::discriminant(&again),
                    std::mem::discriminant(&message)
                );
                match parse(&message) {
                    Err(e) => assert_eq!(e.name, "TypeError"),
                    Ok(request) => {
                        if let Some(tag) = request.tag() {
                            assert!((1..=MAX_TAG_CHARS).contains(&tag.chars().count()));
                        }
                        if let Action::Relay(
                            Op::WebauthnCreate { client, .. } | Op::WebauthnGet { client, .. },
                        ) = &request.action
                        {
                            assert!(client.is_none(), "the client never comes from a frame");
                        }
                    }
                }
            }
            Err(e @ FrameError::Oversized { .. }) => {
                assert_eq!(r.position(), start + 4, "the body is never read: {e}");
                break;
            }
            Err(e) if e.is_fatal() => break,
            Err(_) => assert!(r.position() > start, "a bad body is consumed whole"),
        }
    }
});
