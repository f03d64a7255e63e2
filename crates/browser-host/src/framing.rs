//! Chrome's and Firefox's native messaging frames: a 32-bit length in the machine's byte order,
//! then that many bytes of UTF-8 JSON. Both directions are capped at [`MAX_FRAME_BYTES`]:
//! Chrome refuses a host→browser message over 1 MiB, and although a browser may send up to
//! 64 MiB, no WebAuthn request comes near 1 MiB, so a bigger one is refused before its body is
//! read or any memory is set aside for it.

use std::io::{self, Read, Write};

/// 1 MiB, each way.
pub const MAX_FRAME_BYTES: usize = 1 << 20;

#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("the browser closed the pipe {got} bytes into a frame's 4-byte length")]
    ShortLength { got: usize },
    #[error("the frame announced {expected} bytes but the pipe ended after {got}")]
    ShortBody { expected: usize, got: usize },
    #[error("a frame of {len} bytes is over the 1 MiB limit; nothing bigger is ever needed for WebAuthn")]
    Oversized { len: usize },
    #[error("the frame is not UTF-8 text: {0}")]
    NotUtf8(#[from] std::str::Utf8Error),
    #[error("the frame is not JSON: {0}")]
    NotJson(#[from] serde_json::Error),
    #[error("the pipe to the browser failed: {0}")]
    Io(#[from] io::Error),
}

impl FrameError {
    /// Whether the stream can go on after this error. A bad body (not UTF-8, not JSON) was read
    /// whole, so the next frame starts where it should; after a short or oversized frame (whose
    /// body is left unread) or a pipe error there is no telling where the next one starts.
    pub fn is_fatal(&self) -> bool {
        !matches!(self, FrameError::NotUtf8(_) | FrameError::NotJson(_))
    }
}

/// Reads until `buf` is full or the reader ends; returns how many bytes came. Short reads
/// (a pipe delivering a frame in pieces) are normal.
fn read_full<R: Read>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match reader.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// The next frame, parsed. `Ok(None)` when the browser closed the pipe between frames (the
/// normal way a host is told to stop).
pub fn read_frame<R: Read>(reader: &mut R) -> Result<Option<serde_json::Value>, FrameError> {
    let mut len = [0u8; 4];
    match read_full(reader, &mut len)? {
        0 => return Ok(None),
        4 => {}
        got => return Err(FrameError::ShortLength { got }),
    }
    let len = u32::from_ne_bytes(len) as usize;
    if len > MAX_FRAME_BYTES {
        return Err(FrameError::Oversized { len });
    }
    let mut body = vec![0u8; len];
    let got = read_full(reader, &mut body)?;
    if got < len {
        return Err(FrameError::ShortBody { expected: len, got });
    }
    let text = std::str::from_utf8(&body)?;
    Ok(Some(serde_json::from_str(text)?))
}

/// Writes `message` as one frame and flushes it. A message over the cap is refused whole
/// (`Oversized`, nothing written), so the browser never sees a frame it would drop the
/// connection for.
pub fn write_frame<W: Write>(
    writer: &mut W,
    message: &serde_json::Value,
) -> Result<(), FrameError> {
    let body = serde_json::to_vec(message)?;
    if body.len() > MAX_FRAME_BYTES {
        return Err(FrameError::Oversized { len: body.len() });
    }
    let len = u32::try_from(body.len()).expect("capped at 1 MiB");
    writer.write_all(&len.to_ne_bytes())?;
    writer.write_all(&body)?;
    writer.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::io::Cursor;

    fn frame(body: &[u8]) -> Vec<u8> {
        let mut out = (body.len() as u32).to_ne_bytes().to_vec();
        out.extend_from_slice(body);
        out
    }

    /// Hands out one byte per read, like a pipe under load.
    struct Trickle<R>(R);
    impl<R: Read> Read for Trickle<R> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(1);
            self.0.read(&mut buf[..n])
        }
    }

    /// Counts what was taken from the inner reader.
    struct Counting<R> {
        inner: R,
        taken: usize,
    }
    impl<R: Read> Read for Counting<R> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.inner.read(buf)?;
            self.taken += n;
            Ok(n)
        }
    }

    #[test]
    fn frames_round_trip_and_eof_between_frames_is_a_clean_end() {
        let messages = [json!({"id": 1, "type": "status"}), json!("ü€"), json!([])];
        let mut wire = Vec::new();
        for m in &messages {
            write_frame(&mut wire, m).unwrap();
        }
        let first = serde_json::to_vec(&messages[0]).unwrap();
        assert_eq!(&wire[..4], &(first.len() as u32).to_ne_bytes());
        let mut r = Cursor::new(wire);
        for m in &messages {
            assert_eq!(read_frame(&mut r).unwrap().as_ref(), Some(m));
        }
        assert!(read_frame(&mut r).unwrap().is_none());
        assert!(read_frame(&mut Cursor::new(Vec::new())).unwrap().is_none());
    }

    #[test]
    fn frames_arriving_one_byte_at_a_time_are_read_whole() {
        let mut wire = frame(br#"{"id":"a","type":"get"}"#);
        wire.extend(frame(br#"{"id":2}"#));
        let mut r = Trickle(Cursor::new(wire));
        assert_eq!(
            read_frame(&mut r).unwrap(),
            Some(json!({"id": "a", "type": "get"}))
        );
        assert_eq!(read_frame(&mut r).unwrap(), Some(json!({"id": 2})));
        assert!(read_frame(&mut r).unwrap().is_none());
    }

    #[test]
    fn a_short_length_or_short_body_is_a_fatal_error() {
        let e = read_frame(&mut Cursor::new(vec![5, 0])).unwrap_err();
        assert!(matches!(e, FrameError::ShortLength { got: 2 }), "{e}");
        assert!(e.is_fatal());
        let mut wire = frame(b"{\"id\":1}");
        wire.truncate(wire.len() - 3);
        let e = read_frame(&mut Trickle(Cursor::new(wire))).unwrap_err();
        assert!(
            matches!(
                e,
                FrameError::ShortBody {
                    expected: 8,
                    got: 5
                }
            ),
            "{e}"
        );
        assert!(e.is_fatal());
    }

    #[test]
    fn an_oversized_frame_is_refused_before_its_body_is_read() {
        for len in [MAX_FRAME_BYTES as u32 + 1, 64 << 20, u32::MAX] {
            let mut wire = len.to_ne_bytes().to_vec();
            // A body follows; none of it may be consumed (nor memory set aside for it).
            wire.extend_from_slice(&[b' '; 64]);
            let mut r = Counting {
                inner: Cursor::new(wire),
                taken: 0,
            };
            let e = read_frame(&mut r).unwrap_err();
            assert!(
                matches!(e, FrameError::Oversized { len: l } if l == len as usize),
                "{e}"
            );
            assert!(e.is_fatal());
            assert_eq!(r.taken, 4, "only the length was read");
        }
        // Exactly at the cap is allowed.
        let mut body = vec![b' '; MAX_FRAME_BYTES - 2];
        body.insert(0, b'"');
        body.push(b'"');
        let v = read_frame(&mut Cursor::new(frame(&body))).unwrap().unwrap();
        assert_eq!(v.as_str().unwrap().len(), MAX_FRAME_BYTES - 2);
    }

    #[test]
    fn bad_utf8_or_bad_json_is_an_error_the_stream_survives() {
        let mut wire = frame(b"\"\xff\xfe\"");
        wire.extend(frame(b"{not json"));
        wire.extend(frame(b""));
        wire.extend(frame(b"{\"id\":3}"));
        let mut r = Cursor::new(wire);
        let e = read_frame(&mut r).unwrap_err();
        assert!(matches!(e, FrameError::NotUtf8(_)), "{e}");
        assert!(!e.is_fatal());
        for _ in 0..2 {
            let e = read_frame(&mut r).unwrap_err();
            assert!(matches!(e, FrameError::NotJson(_)), "{e}");
            assert!(!e.is_fatal());
        }
        assert_eq!(read_frame(&mut r).unwrap(), Some(json!({"id": 3})));
    }

    #[test]
    fn a_message_over_the_cap_is_not_written_at_all() {
        let big = json!("x".repeat(MAX_FRAME_BYTES));
        let mut out = Vec::new();
        let e = write_frame(&mut out, &big).unwrap_err();
        assert!(matches!(e, FrameError::Oversized { .. }), "{e}");
        assert!(out.is_empty(), "nothing written");
        let fits = json!("x".repeat(MAX_FRAME_BYTES - 2));
        write_frame(&mut out, &fits).unwrap();
        assert_eq!(out.len(), 4 + MAX_FRAME_BYTES);
    }
}
