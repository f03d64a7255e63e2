//! The approval-prompt queue. A ceremony from any door puts a prompt here and waits; the prompt
//! window shows the head of the queue; the person's answer (or the timeout) wakes the ceremony.
//! Only the head can be answered, so a click can never approve a request nobody was shown.
//! At most [`MAX_QUEUED`] prompts wait at once: a flood of requests is refused, not queued.
//!
//! A waiting prompt can be withdrawn by the client that asked ([`PromptQueue::cancel`]: a page
//! aborted its WebAuthn call); only a prompt of the same door and tag goes, so one client
//! cannot withdraw another's request.

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
    /// A browser asks while the vault is locked: unlock (with the OS check) to go on, or send
    /// the request to another device. `rp_id` is the origin's domain.
    Unlock,
    /// A program using Latchkey as a security key asks to manage the passkeys (CTAP credential
    /// management: list, rename, delete) for up to 10 minutes; `rp_id` is empty, or the one
    /// site it is limited to.
    Manage,
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
    /// "app", "cli", "browser", "usb" or "program".
    pub door: String,
    /// The program the person is using ("Chromium", "Firefox"), for the browser door only: it
    /// comes from the trusted browser host, which finds it from its parent process.
    pub client: Option<String>,
    /// Whether the prompt offers "Use another device or security key" (browser door create and
    /// sign-in, and the unlock prompt): the browser then asks its own authenticators.
    pub another_device: bool,
    /// (Create only) The person opened a sign-in link for this site through Latchkey in the
    /// last 30 minutes: the prompt says "Replace the sign-in link with a passkey on this PC".
    pub replaces_link: bool,
    /// (Sign-in with no passkey here, outside the browser door) The prompt offers "Use a
    /// sign-in link instead": the request ends NotAllowed and the Sign-in link view opens.
    pub use_link: bool,
    pub accounts: Vec<PromptAccount>,
    /// Unix milliseconds.
    pub expires_at: u64,
    /// How many more prompts wait behind this one.
    pub queued: usize,
    /// What approving needs; not sent to the window.
    #[serde(skip)]
    pub(crate) check: OsCheck,
    /// The client's name for the request, for [`PromptQueue::cancel`]; not sent to the window.
    #[serde(skip)]
    pub(crate) tag: Option<String>,
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
    /// "Use another device or security key": the browser asks its own authenticators.
    AnotherDevice,
    /// "Use a sign-in link instead" (no passkey here): the request ends NotAllowed.
    UseLink,
}

/// Why waiting ended without an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unanswered {
    TimedOut,
    /// [`MAX_QUEUED`] prompts were already waiting; this one was never shown.
    QueueFull,
    /// Withdrawn by the client that asked ([`PromptQueue::cancel`]).
    Cancelled,
}

struct Entry {
    prompt: Prompt,
    deadline: Instant,
    answer: Option<Answer>,
    cancelled: bool,
}

impl Entry {
    /// Still waiting for the person: neither answered nor withdrawn.
    fn open(&self) -> bool {
        self.answer.is_none() && !self.cancelled
    }
}

/// How long a cancel that found nothing waiting is remembered: a page may abort while its
/// ceremony is between prompts (unlocking, checking options), and the prompt that follows must
/// not then wait for a person nobody asks any more.
const CANCEL_MEMORY: Duration = Duration::from_secs(30);
/// The most such cancels remembered (the oldest is forgotten first).
const CANCEL_MEMORY_MAX: usize = 64;

#[derive(Default)]
pub struct PromptQueue {
    entries: Mutex<VecDeque<Entry>>,
    changed: Condvar,
    next_id: Mutex<u64>,
    /// (door, tag, when) of cancels that matched no waiting prompt.
    cancelled_early: Mutex<VecDeque<(String, String, Instant)>>,
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
        if let Some(tag) = &prompt.tag {
            if self.take_early_cancel(&prompt.door, tag) {
                return Err(Unanswered::Cancelled);
            }
        }
        let mut entries = self.entries.lock().unwrap();
        if entries.len() >= MAX_QUEUED {
            return Err(Unanswered::QueueFull);
        }
        entries.push_back(Entry {
            prompt,
            deadline,
            answer: None,
            cancelled: false,
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
            if entries[pos].cancelled {
                entries.remove(pos);
                let pending = entries.iter().any(Entry::open);
                drop(entries);
                on_change(pending);
                return Err(Unanswered::Cancelled);
            }
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
        entries.iter().find(|e| e.open()).map(|e| {
            let mut p = e.prompt.clone();
            p.queued = entries.iter().filter(|x| x.open()).count() - 1;
            p
        })
    }

    /// Records the answer to the prompt `id`, which must be the one currently shown.
    pub fn answer(&self, id: &str, answer: Answer) -> Result<(), String> {
        let mut entries = self.entries.lock().unwrap();
        let head = entries
            .iter_mut()
            .find(|e| e.open())
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

    /// Withdraws the waiting prompt that `door` queued with `tag`: it leaves the window and its
    /// ceremony gets [`Unanswered::Cancelled`]. Returns whether one was waiting; when none was,
    /// the cancel is remembered for a while (see [`CANCEL_MEMORY`]) so that the request's next
    /// prompt is withdrawn at once.
    pub fn cancel(&self, door: &str, tag: &str) -> bool {
        let mut entries = self.entries.lock().unwrap();
        let found = entries
            .iter_mut()
            .find(|e| e.open() && e.prompt.door == door && e.prompt.tag.as_deref() == Some(tag));
        match found {
            Some(e) => {
                e.cancelled = true;
                drop(entries);
                self.changed.notify_all();
                true
            }
            None => {
                drop(entries);
                let mut early = self.cancelled_early.lock().unwrap();
                early.retain(|(_, _, at)| at.elapsed() < CANCEL_MEMORY);
                if early.len() >= CANCEL_MEMORY_MAX {
                    early.pop_front();
                }
                early.push_back((door.to_owned(), tag.to_owned(), Instant::now()));
                false
            }
        }
    }

    /// Whether `door` cancelled `tag` before its prompt was queued (forgotten once used).
    fn take_early_cancel(&self, door: &str, tag: &str) -> bool {
        let mut early = self.cancelled_early.lock().unwrap();
        early.retain(|(_, _, at)| at.elapsed() < CANCEL_MEMORY);
        match early.iter().position(|(d, t, _)| d == door && t == tag) {
            Some(i) => {
                early.remove(i);
                true
            }
            None => false,
        }
    }

    /// Approves every waiting unlock prompt: the vault was unlocked (in the main window, or
    /// at one of them), so the ceremonies behind them go on to their own prompts.
    pub(crate) fn release_unlock_prompts(&self) {
        let mut entries = self.entries.lock().unwrap();
        let mut any = false;
        for e in entries.iter_mut() {
            if e.open() && e.prompt.operation == PromptOperation::Unlock {
                e.answer = Some(Answer::Approve {
                    account: None,
                    verified: false,
                });
                any = true;
            }
        }
        drop(entries);
        if any {
            self.changed.notify_all();
        }
    }
}
