//! Timing marks for `scripts/bench-browser.sh`, which prints the share of each hop of a
//! browser sign-in. Only when `LATCHKEY_BENCH_TRACE=<file>` is set (the bench sets it; normal
//! runs never do, and then nothing is opened or written): the host appends one line per mark,
//! `<unix µs> host <label> <request id>`. Labels are fixed words and the id is the extension's
//! counter: never a request's content, never a secret.
//!
//! Wall-clock microseconds rather than a monotonic clock: the marks of the page, the host and
//! the app (each its own process) are lined up against each other, and the page's only shared
//! clock is `performance.timeOrigin + performance.now()`, which is wall-clock time.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::{Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

pub const TRACE_ENV: &str = "LATCHKEY_BENCH_TRACE";

/// A file the marks are appended to, each line in one `write` (the app writes to it too).
pub struct Trace {
    file: Mutex<File>,
}

impl Trace {
    pub fn open(path: &Path) -> std::io::Result<Trace> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Trace {
            file: Mutex::new(file),
        })
    }

    /// Appends `label` for request `id` (a number or string the extension chose; anything else
    /// is written as `-`).
    pub fn mark(&self, label: &str, id: &serde_json::Value) {
        let us = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_micros())
            .unwrap_or(0);
        let id = match id {
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::String(s)
                if !s.is_empty()
                    && s.len() <= 64
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
            {
                s.clone()
            }
            _ => "-".into(),
        };
        let line = format!("{us} host {label} {id}\n");
        let mut f = self.file.lock().unwrap_or_else(|p| p.into_inner());
        let _ = f.write_all(line.as_bytes());
    }
}

/// Marks `label` in the trace named by [`TRACE_ENV`], if it is set (opened once).
pub fn mark(label: &str, id: &serde_json::Value) {
    static TRACE: OnceLock<Option<Trace>> = OnceLock::new();
    let trace = TRACE.get_or_init(|| {
        let path = std::env::var_os(TRACE_ENV)?;
        match Trace::open(Path::new(&path)) {
            Ok(t) => Some(t),
            Err(e) => {
                eprintln!("latchkey-browser-host: {TRACE_ENV} is set but cannot be written ({e}); no marks");
                None
            }
        }
    });
    if let Some(t) = trace {
        t.mark(label, id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn marks_are_lines_of_time_door_label_and_a_safe_id() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trace");
        let t = Trace::open(&path).unwrap();
        t.mark("request-read", &json!(7));
        t.mark("app-replied", &json!("req-7"));
        // An id that is not a plain word is not copied into the file.
        t.mark("reply-written", &json!("a b\nfake 1 line"));
        t.mark("reply-written", &json!({"x": 1}));
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<Vec<&str>> = text.lines().map(|l| l.split(' ').collect()).collect();
        assert_eq!(lines.len(), 4, "{text}");
        let rest: Vec<&[&str]> = lines.iter().map(|l| &l[1..]).collect();
        assert_eq!(
            rest,
            [
                &["host", "request-read", "7"][..],
                &["host", "app-replied", "req-7"][..],
                &["host", "reply-written", "-"][..],
                &["host", "reply-written", "-"][..],
            ]
        );
        let times: Vec<u128> = lines.iter().map(|l| l[0].parse().unwrap()).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]));
    }
}
