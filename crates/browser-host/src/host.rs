//! The host's loop. The calling thread reads frames; each request is answered on a thread of
//! its own with its own connection to the app, so a ceremony waiting at the prompt (which may
//! take the person a minute) never holds up a cancel, a status or an accounts request sent
//! after it. Replies are written whole, one at a time, under one lock, in whatever order they
//! are ready; the extension matches them by `id`. Nothing but frames is written to the output.

use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use latchkey_bridge::protocol::Op;
use latchkey_bridge::{BridgeClient, ClientError};
use serde_json::{json, Value};

use crate::framing::{read_frame, write_frame, FrameError};
use crate::launch;
use crate::message::{self, Action, Fallback, HostError, HostRequest};
use crate::trace;

/// Requests answered at once; one more gets a `busy` fallback right away. A page has one or two
/// calls open at a time, the popup one more: 16 is far above honest use and keeps a runaway
/// extension from making the host open connections without end.
pub const MAX_IN_FLIGHT: usize = 16;

/// How long, after the browser closed the pipe, pending requests may still finish (their
/// tagged ceremonies are cancelled first, so the prompts go away) before the host exits anyway.
pub const DRAIN_WAIT: Duration = Duration::from_secs(5);

/// How the host reaches the app and whom it names as the client.
#[derive(Debug, Clone)]
pub struct Config {
    /// The vault whose app is asked (`LATCHKEY_DATA_DIR` or the platform's data dir).
    pub data_dir: PathBuf,
    /// How long a freshly started app may take to open its socket.
    pub start_wait: Duration,
    /// The browser's name for the prompt (see [`crate::browser_name`]).
    pub client: String,
    pub max_in_flight: usize,
    pub drain_wait: Duration,
}

impl Config {
    pub fn new(data_dir: PathBuf, client: impl Into<String>) -> Self {
        Config {
            data_dir,
            start_wait: launch::START_WAIT,
            client: client.into(),
            max_in_flight: MAX_IN_FLIGHT,
            drain_wait: DRAIN_WAIT,
        }
    }
}

/// Requests being answered: a slot number each, with the ceremony's tag when it has one.
#[derive(Default)]
struct InFlight {
    next: u64,
    open: HashMap<u64, Option<String>>,
    /// Tags of pending ceremonies the page withdrew. A cancel can arrive while its ceremony is
    /// still starting the app, before the app has heard of it: the ceremony then answers
    /// `AbortError` instead of reaching the app. (Once it has, the app withdraws it itself.)
    cancelled: HashSet<String>,
}

struct Shared<W> {
    config: Config,
    out: Mutex<W>,
    in_flight: Mutex<InFlight>,
    finished: Condvar,
    /// Held while the app is being started, so two requests arriving together start it once.
    starting: Mutex<()>,
}

impl<W: Write> Shared<W> {
    /// Writes one reply frame. A reply over the browser's 1 MiB limit is replaced by an error
    /// naming its size, so the page is not left waiting.
    fn send(&self, id: &Value, reply: &Value) -> Result<(), FrameError> {
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        match write_frame(&mut *out, reply) {
            Err(FrameError::Oversized { len }) => {
                let e = HostError::new(
                    "UnknownError",
                    format!(
                        "Latchkey's answer ({len} bytes) is over the browser's 1 MiB message limit"
                    ),
                );
                write_frame(&mut *out, &message::error_reply(id, &e))
            }
            other => other,
        }
    }

    /// Takes a slot for `request`, or `None` when [`Config::max_in_flight`] are open.
    fn admit(&self, request: &HostRequest) -> Option<u64> {
        let mut f = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
        if f.open.len() >= self.config.max_in_flight {
            return None;
        }
        let slot = f.next;
        f.next += 1;
        f.open.insert(slot, request.tag().map(str::to_owned));
        Some(slot)
    }

    fn release(&self, slot: u64) {
        let mut f = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(Some(tag)) = f.open.remove(&slot) {
            f.cancelled.remove(&tag);
        }
        self.finished.notify_all();
    }

    /// Notes that the page withdrew the ceremony tagged `tag`, if one is pending here.
    fn mark_cancelled(&self, tag: &str) {
        let mut f = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
        if f.open.values().any(|t| t.as_deref() == Some(tag)) {
            f.cancelled.insert(tag.to_owned());
        }
    }

    fn is_cancelled(&self, tag: Option<&str>) -> bool {
        let f = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
        tag.is_some_and(|t| f.cancelled.contains(t))
    }

    /// The browser is gone: withdraw the tagged ceremonies still waiting (their prompts would
    /// ask the person for an answer nobody receives), then give the pending requests
    /// [`Config::drain_wait`] to finish.
    fn drain(&self) {
        let tags: Vec<String> = {
            let f = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
            f.open.values().flatten().cloned().collect()
        };
        if !tags.is_empty() {
            if let Ok(Some(mut app)) = launch::connect_only(&self.config.data_dir) {
                for tag in tags {
                    let _ = app.call(Op::Cancel { tag });
                }
            }
        }
        let until = Instant::now() + self.config.drain_wait;
        let mut f = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
        while !f.open.is_empty() {
            let now = Instant::now();
            if now >= until {
                eprintln!(
                    "latchkey-browser-host: the browser closed the pipe; abandoning {} pending request(s)",
                    f.open.len()
                );
                return;
            }
            f = self
                .finished
                .wait_timeout(f, until - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// The answer to one request (run on its own thread); `tag` is a ceremony's.
    fn answer(&self, id: &Value, action: Action, tag: Option<&str>) -> Result<Value, HostError> {
        let dir = &self.config.data_dir;
        let not_running = |m: String| HostError::fallback(Fallback::NotRunning, m);
        match action {
            // Never starts the app: the popup asks on every open.
            Action::Status => match launch::connect_only(dir).map_err(not_running)? {
                None => Ok(json!({ "running": false })),
                Some(mut app) => call(&mut app, Op::Status).map(running),
            },
            // Nothing can be waiting in an app that is not running.
            Action::Cancel(op) => {
                if let Op::Cancel { tag } = &op {
                    self.mark_cancelled(tag);
                }
                match launch::connect_only(dir).map_err(not_running)? {
                    None => Ok(Value::Null),
                    Some(mut app) => call(&mut app, op),
                }
            }
            Action::Relay(op) => {
                let op = message::with_client(op, &self.config.client);
                let unlock = op == Op::Unlock;
                let mut app = {
                    let _one_start = self.starting.lock().unwrap_or_else(|p| p.into_inner());
                    launch::connect_or_start(dir, self.config.start_wait).map_err(not_running)?
                };
                trace::mark("app-connected", id);
                if self.is_cancelled(tag) {
                    return Err(HostError::new(
                        "AbortError",
                        "the page withdrew the request before Latchkey received it",
                    ));
                }
                let result = call(&mut app, op);
                trace::mark("app-replied", id);
                let result = result?;
                // Unlock answers the status, as `status` shows it.
                Ok(if unlock { running(result) } else { result })
            }
        }
    }
}

/// The app's status with `"running": true` added (the extension tells a stopped app from a
/// locked one by it).
fn running(mut status: Value) -> Value {
    if let Value::Object(fields) = &mut status {
        fields.insert("running".into(), Value::Bool(true));
    }
    status
}

/// One bridge call, its errors as the page should see them.
fn call(app: &mut BridgeClient, op: Op) -> Result<Value, HostError> {
    app.call(op).map_err(|e| match e {
        ClientError::Reply(r) => HostError::from_app(r.kind, r.message),
        // The app went away or spoke garbage: step aside for the browser's own WebAuthn.
        other => HostError::fallback(Fallback::NotRunning, other.to_string()),
    })
}

/// Serves until the browser closes `input` (`Ok`) or the stream cannot go on (`Err`, after an
/// error frame saying why, when the pipe still takes one). Either way it returns only once the
/// pending requests are answered or [`Config::drain_wait`] has passed; requests still running
/// then are abandoned (the process is expected to exit).
pub fn serve<R, W>(mut input: R, output: W, config: Config) -> Result<(), FrameError>
where
    R: Read,
    W: Write + Send + 'static,
{
    let shared = Arc::new(Shared {
        config,
        out: Mutex::new(output),
        in_flight: Mutex::new(InFlight::default()),
        finished: Condvar::new(),
        starting: Mutex::new(()),
    });
    let result = read_loop(&mut input, &shared);
    shared.drain();
    result
}

fn read_loop<R: Read, W: Write + Send + 'static>(
    input: &mut R,
    shared: &Arc<Shared<W>>,
) -> Result<(), FrameError> {
    loop {
        let frame = match read_frame(input) {
            Ok(Some(m)) => m,
            Ok(None) => return Ok(()),
            Err(e) => {
                let reply =
                    message::error_reply(&Value::Null, &HostError::new("TypeError", e.to_string()));
                if e.is_fatal() {
                    let _ = shared.send(&Value::Null, &reply);
                    return Err(e);
                }
                shared.send(&Value::Null, &reply)?;
                continue;
            }
        };
        let id = message::id_of(&frame);
        trace::mark("request-read", &id);
        let request = match message::parse(&frame) {
            Ok(r) => r,
            Err(e) => {
                shared.send(&id, &message::error_reply(&id, &e))?;
                continue;
            }
        };
        let Some(slot) = shared.admit(&request) else {
            let e = HostError::fallback(
                Fallback::Busy,
                format!(
                    "Latchkey is already answering {} requests from this browser; try again when one is done",
                    shared.config.max_in_flight
                ),
            );
            shared.send(&id, &message::error_reply(&id, &e))?;
            continue;
        };
        let worker = Arc::clone(shared);
        let spawned = std::thread::Builder::new()
            .name(format!("request-{slot}"))
            .spawn(move || {
                let tag = request.tag().map(str::to_owned);
                let HostRequest { id, action } = request;
                let reply = match worker.answer(&id, action, tag.as_deref()) {
                    Ok(result) => message::ok_reply(&id, result),
                    Err(e) => message::error_reply(&id, &e),
                };
                if let Err(e) = worker.send(&id, &reply) {
                    eprintln!("latchkey-browser-host: cannot write a reply to the browser: {e}");
                }
                trace::mark("reply-written", &id);
                worker.release(slot);
            });
        if let Err(e) = spawned {
            shared.release(slot);
            let e = HostError::new(
                "UnknownError",
                format!("the host cannot start a thread for this request ({e})"),
            );
            shared.send(&id, &message::error_reply(&id, &e))?;
        }
    }
}
