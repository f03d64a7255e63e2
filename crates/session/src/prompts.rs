//! The approval-prompt queue. A ceremony from any door puts a prompt here and waits; the prompt
//! window shows the head of the queue; the person's answer (or the timeout) wakes the ceremony.
//! Only the head can be answered, so a click can never approve a request nobody was shown.
//! At most [`MAX_QUEUED`] prompts wait at once: a flood of requests is refused, not queued.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;

/// What is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PromptOperation {
    Create,
    SignIn,
    /// Delete the passkey `accounts[0]` on `rp_id` (asked through the app's socket).
    Delete,
}

/// The most prompts that may wait at once (the one shown included).
pub const MAX_QUEUED: usize = 8;

/// Which OS check approving a prompt needs. Internal: the window never sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum OsCheck {
    /// The ceremony's check; `always` when user verification is required (the site asked for
    /// it, or a candidate passkey needs it): then a recent check is never reused.
    Ceremony { always: bool },
    /// No check: a click is enough (a delete) or nothing will be signed (no passkey here).
    #[default]
    None,
}

/// One account the person may pick (for a creation: the one being created).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PromptAccount {
    pub index: usize,
    pub user_name: Option<String>,
    pub user_display_name: Option<String>,
    pub nickname: Option<String>,
}

/// Everything the prompt window shows. Never carries key material.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Prompt {
    pub id: String,
    pub operation: PromptOperation,
    pub rp_id: String,
    pub rp_name: Option<String>,
    pub origin: Option<String>,
    /// "app", "cli", "browser" or "usb".
    pub door: String,
    pub accounts: Vec<PromptAccount>,
    /// Unix milliseconds.
    pub expires_at: u64,
    /// How many more prompts wait behind this one.
    pub queued: usize,
    /// What approving needs; not sent to the window.
    #[serde(skip)]
    pub(crate) check: OsCheck,
}

/// The person's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// Approved, with the account picked (sign-in); `verified` when an OS check ran for this
    /// very prompt (not a reused one): only then may the ceremony report user verification.
    Approve {
        account: Option<usize>,
        verified: bool,
    },
    Deny,
}

/// Why waiting ended without an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unanswered {
    TimedOut,
    /// [`MAX_QUEUED`] prompts were already waiting; this one was never shown.
    QueueFull,
}

struct Entry {
    prompt: Prompt,
    deadline: Instant,
    answer: Option<Answer>,
}

#[derive(Default)]
pub struct PromptQueue {
    entries: Mutex<VecDeque<Entry>>,
    changed: Condvar,
    next_id: Mutex<u64>,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl PromptQueue {
    pub fn new() -> Self {
        Self::default()
    }

    /// Queues `prompt` and blocks until the person answers it or `timeout` passes (counted from
    /// when it reaches the head of the queue would be kinder, but a request must not wait forever
    /// behind others either: the clock starts now). `on_change` runs whenever the head changes.
    pub fn ask(
        &self,
        mut prompt: Prompt,
        timeout: Duration,
        on_change: &dyn Fn(bool),
    ) -> Result<Answer, Unanswered> {
        let id = {
            let mut n = self.next_id.lock().unwrap();
            *n += 1;
            format!("p{}", *n)
        };
        prompt.id = id.clone();
        prompt.expires_at = now_ms() + timeout.as_millis() as u64;
        let deadline = Instant::now() + timeout;
        let mut entries = self.entries.lock().unwrap();
        if entries.len() >= MAX_QUEUED {
            return Err(Unanswered::QueueFull);
        }
        entries.push_back(Entry {
            prompt,
            deadline,
            answer: None,
        });
        drop(entries);
        // Either this prompt is now shown, or the shown one's "queued" count grew.
        on_change(true);
        let mut entries = self.entries.lock().unwrap();
        loop {
            let pos = entries.iter().position(|e| e.prompt.id == id);
            let Some(pos) = pos else {
                return Err(Unanswered::TimedOut);
            };
            if let Some(answer) = entries[pos].answer {
                entries.remove(pos);
                let pending = !entries.is_empty();
                drop(entries);
                on_change(pending);
                return Ok(answer);
            }
            let now = Instant::now();
            if now >= deadline {
                entries.remove(pos);
                let pending = !entries.is_empty();
                drop(entries);
                on_change(pending);
                return Err(Unanswered::TimedOut);
            }
            let (guard, _) = self.changed.wait_timeout(entries, deadline - now).unwrap();
            entries = guard;
        }
    }

    /// The prompt the window should show: the head of the queue, with how many wait behind it.
    pub fn current(&self) -> Option<Prompt> {
        let entries = self.entries.lock().unwrap();
        entries.iter().find(|e| e.answer.is_none()).map(|e| {
            let mut p = e.prompt.clone();
            p.queued = entries.iter().filter(|x| x.answer.is_none()).count() - 1;
            p
        })
    }

    /// Records the answer to the prompt `id`, which must be the one currently shown.
    pub fn answer(&self, id: &str, answer: Answer) -> Result<(), String> {
        let mut entries = self.entries.lock().unwrap();
        let head = entries
            .iter_mut()
            .find(|e| e.answer.is_none())
            .ok_or("there is no request waiting for an answer")?;
        if head.prompt.id != id {
            return Err("that request is no longer the one shown; look at the prompt again".into());
        }
        if Instant::now() >= head.deadline {
            return Err("this request has timed out".into());
        }
        if let (
            Answer::Approve {
                account: Some(i), ..
            },
            PromptOperation::SignIn,
        ) = (answer, head.prompt.operation)
        {
            if i >= head.prompt.accounts.len() {
                return Err("that account is not one of the choices".into());
            }
        }
        head.answer = Some(answer);
        drop(entries);
        self.changed.notify_all();
        Ok(())
    }

    /// The operation of prompt `id`, if it is the one shown.
    pub fn shown(&self, id: &str) -> Option<Prompt> {
        self.current().filter(|p| p.id == id)
    }
}
