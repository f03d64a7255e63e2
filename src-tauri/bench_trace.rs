//! Timing marks for `scripts/bench-browser.sh`, which prints the share of each hop of a
//! browser sign-in. Only when `LATCHKEY_BENCH_TRACE=<file>` is set (the bench sets it; normal
//! runs never do, and then nothing is opened or written): the app appends one line per mark,
//! `<unix µs> app <label>`. Labels are fixed words: never a request's content, never a secret.
//!
//! Wall-clock microseconds rather than a monotonic clock: the marks of the page, the browser
//! host and the app are lined up against each other, and the page's only shared clock is
//! `performance.timeOrigin + performance.now()`, which is wall-clock time.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::{Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use latchkey_verify::{VerificationRequest, Verifier, VerifyError};

pub const TRACE_ENV: &str = "LATCHKEY_BENCH_TRACE";

/// Where marks go: a file opened for appending (each line one `write`, so the host's and the
/// app's lines do not interleave within a line).
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

    pub fn mark(&self, label: &str) {
        let us = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_micros())
            .unwrap_or(0);
        let line = format!("{us} app {label}\n");
        let mut f = self.file.lock().unwrap_or_else(|p| p.into_inner());
        let _ = f.write_all(line.as_bytes());
    }
}

/// The trace named by [`TRACE_ENV`], opened once; `None` (the normal case) when it is unset.
fn global() -> Option<&'static Trace> {
    static TRACE: OnceLock<Option<Trace>> = OnceLock::new();
    TRACE
        .get_or_init(|| {
            let path = std::env::var_os(TRACE_ENV)?;
            match Trace::open(Path::new(&path)) {
                Ok(t) => Some(t),
                Err(e) => {
                    eprintln!("latchkey: {TRACE_ENV} is set but cannot be written ({e}); no marks");
                    None
                }
            }
        })
        .as_ref()
}

/// Marks `label` in the trace, if one was asked for.
pub fn mark(label: &str) {
    if let Some(t) = global() {
        t.mark(label);
    }
}

/// The OS check with a mark before and after it, so the bench can tell the check apart from
/// the signing that follows.
struct Traced<V> {
    inner: V,
    trace: &'static Trace,
}

impl<V: Verifier + ?Sized> Verifier for Traced<Box<V>> {
    fn verify(&self, request: &VerificationRequest<'_>) -> Result<(), VerifyError> {
        self.trace.mark("os-check-start");
        let result = self.inner.verify(request);
        self.trace.mark("os-check-end");
        result
    }
}

/// The platform's verifier, marked when a trace is asked for; otherwise the verifier itself.
pub fn verifier() -> Box<dyn Verifier> {
    let inner = latchkey_verify::platform_verifier();
    match global() {
        Some(trace) => Box::new(Traced { inner, trace }),
        None => inner,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The wrapper is what is under test; the answer it passes on is this one's.
    struct Says(bool);
    impl Verifier for Says {
        fn verify(&self, _: &VerificationRequest<'_>) -> Result<(), VerifyError> {
            if self.0 {
                Ok(())
            } else {
                Err(VerifyError::Denied("no".into()))
            }
        }
    }

    #[test]
    fn the_os_check_is_marked_before_and_after_and_its_answer_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trace");
        let trace: &'static Trace = Box::leak(Box::new(Trace::open(&path).unwrap()));
        let yes = Traced {
            inner: Box::new(Says(true)),
            trace,
        };
        let no = Traced {
            inner: Box::new(Says(false)),
            trace,
        };
        let request = VerificationRequest {
            operation: "sign in",
            rp_id: "example.com",
            account: None,
        };
        assert!(yes.verify(&request).is_ok());
        assert!(no.verify(&request).is_err());
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<(u128, &str)> = text
            .lines()
            .map(|l| {
                let mut parts = l.splitn(3, ' ');
                let us = parts.next().unwrap().parse().unwrap();
                assert_eq!(parts.next(), Some("app"));
                (us, parts.next().unwrap())
            })
            .collect();
        let labels: Vec<&str> = lines.iter().map(|l| l.1).collect();
        assert_eq!(
            labels,
            [
                "os-check-start",
                "os-check-end",
                "os-check-start",
                "os-check-end"
            ]
        );
        assert!(lines.windows(2).all(|w| w[0].0 <= w[1].0));
    }
}
