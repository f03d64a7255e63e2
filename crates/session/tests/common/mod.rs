//! Helpers shared by the session's integration tests.

use std::time::{Duration, Instant};

use latchkey_session::{Prompt, Session};

/// Waits (up to 10 s) for the prompt the window would show: ceremonies run on other threads
/// and queue their prompt a moment after they start.
pub fn wait_prompt(s: &Session) -> Prompt {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(p) = s.current_prompt() {
            return p;
        }
        assert!(Instant::now() < until, "no prompt appeared");
        std::thread::sleep(Duration::from_millis(10));
    }
}
