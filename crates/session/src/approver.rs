//! The approval step of every ceremony: the authenticator asks, a prompt is queued for the
//! prompt window, and the person's answer (or the timeout) decides. Which OS check approving
//! needs is fixed here: the ceremony's check (never reused when user verification is
//! required), or none for a sign-in with no passkey, which is shown but never signs.
//!
//! The browser door differs in three ways: a sign-in with no usable passkey is answered at
//! once, without a prompt (the browser then asks its own authenticators, so a site keeps
//! working; see [`Withdrawn::NoPasskey`]); its prompts name the browser and offer "use another
//! device"; and its requests can be withdrawn by the page ([`Withdrawn::Aborted`]).

use std::sync::Mutex;

use latchkey_authenticator::{
    matching_accounts, Approval, ApprovalRequest, Door, Operation, Refusal, UserInteraction,
    UserVerification,
};

use crate::activity::ActivityKind;
use crate::prompts::{Answer, OsCheck, Prompt, PromptAccount, PromptOperation, Unanswered};
use crate::session::{door_name, Session};

/// The approval step of a ceremony: queue a prompt, wait for the window's answer.
pub(crate) struct PromptApprover<'a> {
    session: &'a Session,
    door: Door,
    /// `--account`: only the sign-in candidates this names are offered.
    account: Option<String>,
    /// Who asks, for the prompt (browser door only) and the client's name for the request.
    request: RequestInfo,
    /// What was asked and, when refused, how: for the activity log.
    outcome: Mutex<Option<Decision>>,
    /// Told `true` while this request's prompt waits for the person, `false` once it is
    /// answered (the virtual security key's KEEPALIVE "user presence needed").
    waiting: Option<&'a dyn Fn(bool)>,
}

/// What the person decided at a prompt, kept for the activity log.
pub(crate) struct Decision {
    pub(crate) operation: Operation,
    pub(crate) rp_id: String,
    pub(crate) account: Option<String>,
    /// `Some` when refused (denied, timed out, cancelled, sent to another device).
    pub(crate) refusal: Option<ActivityKind>,
    /// Set when the ceremony must answer something other than the authenticator's refusal.
    pub(crate) withdrawn: Option<Withdrawn>,
}

/// A ceremony that ended for a reason the authenticator has no word for: the session answers
/// these instead of the authenticator's generic NotAllowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Withdrawn {
    /// The client cancelled it (the page aborted).
    Aborted,
    /// The person chose "use another device or security key".
    AnotherDevice,
    /// (Browser door) Latchkey holds no passkey this sign-in can use.
    NoPasskey,
    /// (Browser door) Too many prompts wait already: the browser asks its own authenticators
    /// rather than failing the page.
    Busy,
}

/// What a socket request says about itself, beyond the WebAuthn options.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestInfo {
    /// The client's name for the request, so it can be cancelled.
    pub tag: Option<String>,
    /// The browser's name (browser door), or the program that holds the virtual security key's
    /// device node (HID door: found by the door from /proc, never sent by a client). Ignored
    /// from any other door.
    pub client: Option<String>,
}

/// Why a prompt was refused without being shown.
pub(crate) const TOO_MANY: &str =
    "too many requests are waiting for your approval; answer them in the Latchkey window, or wait for them to time out, then try again";

impl<'a> PromptApprover<'a> {
    pub(crate) fn new(
        session: &'a Session,
        door: Door,
        account: Option<&str>,
        request: RequestInfo,
    ) -> Self {
        PromptApprover {
            session,
            door,
            account: account.map(str::to_owned),
            request,
            outcome: Mutex::new(None),
            waiting: None,
        }
    }

    /// Calls `hook(true)` when this request's prompt is queued and `hook(false)` when it is
    /// answered, withdrawn or timed out.
    pub(crate) fn on_waiting(mut self, hook: &'a dyn Fn(bool)) -> Self {
        self.waiting = Some(hook);
        self
    }

    /// What the person decided, once the ceremony is over.
    pub(crate) fn take_outcome(&self) -> Option<Decision> {
        self.outcome.lock().unwrap().take()
    }

    /// The indices of `request.accounts` the prompt may offer: all, or those `--account` names.
    fn offered(&self, request: &ApprovalRequest<'_>) -> Result<Vec<usize>, Refusal> {
        let all = (0..request.accounts.len()).collect();
        let (Some(name), Operation::GetAssertion) = (&self.account, request.operation) else {
            return Ok(all);
        };
        if request.accounts.is_empty() {
            // No passkey here at all: the prompt says so, like any other caller's.
            return Ok(all);
        }
        let found = matching_accounts(request.accounts, name);
        if found.is_empty() {
            let names: Vec<&str> = request.accounts.iter().map(|a| a.label()).collect();
            return Err(Refusal::Unavailable(format!(
                "no passkey for {} matches the account {name:?}; the accounts there are: {}",
                request.rp_id,
                names.join(", ")
            )));
        }
        Ok(found)
    }
}

impl UserInteraction for PromptApprover<'_> {
    fn approve(&self, request: &ApprovalRequest<'_>) -> Result<Approval, Refusal> {
        let operation = match request.operation {
            Operation::MakeCredential => PromptOperation::Create,
            Operation::GetAssertion => PromptOperation::SignIn,
            Operation::CredentialManagement => PromptOperation::Manage,
            // Selection (a CTAP client asks the person to pick this key) is shown as a
            // sign-in style request for the device itself.
            Operation::Selection => PromptOperation::SignIn,
        };
        // A sign-in with no usable passkey is still shown (so a caller cannot learn at once
        // which sites have one), and nothing is signed whatever the answer.
        let no_passkey =
            request.operation == Operation::GetAssertion && request.accounts.is_empty();
        let browser = self.door == Door::Browser;
        if no_passkey && browser {
            // The browser's own authenticators may hold one: say so at once, no prompt.
            *self.outcome.lock().unwrap() = Some(Decision {
                operation: request.operation,
                rp_id: request.rp_id.to_owned(),
                account: None,
                refusal: None,
                withdrawn: Some(Withdrawn::NoPasskey),
            });
            return Err(Refusal::Unavailable(format!(
                "Latchkey holds no passkey for {} that this request can use",
                request.rp_id
            )));
        }
        let offered = self.offered(request)?;
        let check = if no_passkey {
            OsCheck::None
        } else {
            OsCheck::Ceremony {
                always: request.user_verification == UserVerification::Required,
            }
        };
        let prompt = Prompt {
            id: String::new(),
            operation,
            rp_id: request.rp_id.to_owned(),
            rp_name: request.rp_name.map(str::to_owned),
            origin: request.origin.map(str::to_owned),
            door: door_name(self.door).to_owned(),
            client: match self.door {
                Door::Browser => Some(client_label(self.request.client.as_deref())),
                // The program holding the security key's device node, found by the door itself
                // (never a name a client gave); none when it could not be found.
                Door::Hid => program_label(self.request.client.as_deref()),
                _ => None,
            },
            another_device: browser
                && matches!(operation, PromptOperation::Create | PromptOperation::SignIn),
            replaces_link: operation == PromptOperation::Create
                && self.session.link_mark_for(request.rp_id),
            use_link: no_passkey && !browser,
            accounts: offered
                .iter()
                .enumerate()
                .map(|(index, &i)| {
                    let a = &request.accounts[i];
                    PromptAccount {
                        index,
                        user_name: a.user_name.clone(),
                        user_display_name: a.user_display_name.clone(),
                        nickname: a.nickname.clone(),
                    }
                })
                .collect(),
            expires_at: 0,
            queued: 0,
            check,
            tag: self.request.tag.clone(),
        };
        let events = &self.session.events;
        if let Some(hook) = self.waiting {
            hook(true);
        }
        let answer = self
            .session
            .prompts
            .ask(prompt, self.session.prompt_timeout(), &|pending| {
                events.prompt_changed(pending)
            });
        if let Some(hook) = self.waiting {
            hook(false);
        }
        // The prompt's index back to the request's; with `--account`, "no choice" means the
        // first match, never a passkey the name did not designate.
        let original = |i: Option<usize>| match (i, &self.account) {
            (Some(i), _) => offered.get(i).copied(),
            (None, Some(_)) => offered.first().copied(),
            (None, None) => None,
        };
        let label = |i: Option<usize>| {
            i.or(offered.first().copied())
                .and_then(|i| request.accounts.get(i))
                .and_then(|a| a.user_name.clone().or(a.user_display_name.clone()))
        };
        let record_why =
            |account: Option<String>, refusal: Option<ActivityKind>, why: Option<Withdrawn>| {
                *self.outcome.lock().unwrap() = Some(Decision {
                    operation: request.operation,
                    rp_id: request.rp_id.to_owned(),
                    account,
                    refusal,
                    withdrawn: why,
                });
            };
        let record = |account: Option<String>, refusal: Option<ActivityKind>| {
            record_why(account, refusal, None)
        };
        match answer {
            Ok(Answer::Approve { .. }) if no_passkey => {
                record(None, Some(ActivityKind::Denied));
                Err(Refusal::Denied)
            }
            // Ends as a refusal (NotAllowedError): the caller's own fallback takes over, and
            // the session has already sent the person to the Sign-in link view.
            Ok(Answer::UseLink) => {
                record(None, Some(ActivityKind::Denied));
                Err(Refusal::Denied)
            }
            Ok(Answer::Approve { account, verified }) => {
                let account = original(account);
                record(label(account), None);
                Ok(Approval {
                    account,
                    user_verified: verified,
                })
            }
            Ok(Answer::Deny) => {
                record(label(None), Some(ActivityKind::Denied));
                Err(Refusal::Denied)
            }
            Ok(Answer::AnotherDevice) => {
                record_why(
                    label(None),
                    Some(ActivityKind::AnotherDevice),
                    Some(Withdrawn::AnotherDevice),
                );
                Err(Refusal::Denied)
            }
            Err(Unanswered::Cancelled) => {
                record_why(
                    label(None),
                    Some(ActivityKind::Cancelled),
                    Some(Withdrawn::Aborted),
                );
                Err(Refusal::Denied)
            }
            Err(Unanswered::TimedOut) => {
                record(label(None), Some(ActivityKind::TimedOut));
                Err(Refusal::TimedOut)
            }
            Err(Unanswered::QueueFull) => {
                if browser {
                    record_why(None, None, Some(Withdrawn::Busy));
                }
                Err(Refusal::Unavailable(TOO_MANY.into()))
            }
        }
    }
}

/// The longest browser name shown.
const CLIENT_MAX_CHARS: usize = 40;

/// The browser's name as the prompt shows it: cleaned like every name Latchkey shows (no
/// control or direction characters, bounded), "a browser" when the host could not tell.
pub(crate) fn client_label(client: Option<&str>) -> String {
    client
        .map(|c| latchkey_vault::sanitize_name(c, CLIENT_MAX_CHARS))
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "a browser".to_owned())
}

/// A program's name as the prompt shows it (cleaned and bounded like a browser's name); `None`
/// when there is nothing left to show.
pub(crate) fn program_label(program: Option<&str>) -> Option<String> {
    program
        .map(|c| latchkey_vault::sanitize_name(c, CLIENT_MAX_CHARS))
        .filter(|c| !c.is_empty())
}

#[cfg(test)]
mod tests {
    //! The approver's side of the "no passkey here" contract: the authenticator asks with no
    //! accounts when a site has no usable passkey, and the answer must come from the person
    //! (or the timeout), never at once, and never sign.

    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use latchkey_vault::OsKeychain;
    use latchkey_verify::{VerificationRequest, Verifier, VerifyError};

    use super::*;
    use crate::events::NoEvents;

    struct Counting(Arc<AtomicUsize>);

    impl Verifier for Counting {
        fn verify(&self, _: &VerificationRequest<'_>) -> Result<(), VerifyError> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    }

    fn ask_without_passkeys(session: &Session) -> Result<Approval, Refusal> {
        let approver = PromptApprover {
            session,
            door: Door::Cli,
            account: None,
            request: RequestInfo::default(),
            outcome: Mutex::new(None),
            waiting: None,
        };
        approver.approve(&ApprovalRequest {
            operation: Operation::GetAssertion,
            rp_id: "example.com",
            rp_name: None,
            origin: Some("https://example.com"),
            accounts: &[],
            user_verification: UserVerification::Preferred,
        })
    }

    #[test]
    fn a_sign_in_with_no_passkey_waits_for_the_person_and_never_signs_outside_the_browser() {
        let dir = tempfile::tempdir().unwrap();
        let calls = Arc::new(AtomicUsize::new(0));
        let session = Session::new(
            dir.path(),
            Box::new(OsKeychain::with_service("dev.latchkey.test")),
            Box::new(Counting(calls.clone())),
            Arc::new(NoEvents),
        );
        for approve in [true, false] {
            std::thread::scope(|scope| {
                let waiting = scope.spawn(|| ask_without_passkeys(&session));
                let until = Instant::now() + Duration::from_secs(10);
                let prompt = loop {
                    if let Some(p) = session.current_prompt() {
                        break p;
                    }
                    assert!(Instant::now() < until, "no prompt appeared");
                    std::thread::sleep(Duration::from_millis(10));
                };
                assert_eq!(prompt.operation, PromptOperation::SignIn);
                assert!(prompt.accounts.is_empty());
                std::thread::sleep(Duration::from_millis(200));
                assert!(!waiting.is_finished(), "no answer before the person's");
                session.answer_prompt(&prompt.id, approve, None).unwrap();
                assert_eq!(waiting.join().unwrap(), Err(Refusal::Denied));
            });
        }
        assert_eq!(calls.load(Ordering::SeqCst), 0, "no OS check for nothing");
        session.set_timeouts(Duration::from_millis(300), Duration::from_secs(1));
        let started = Instant::now();
        assert_eq!(ask_without_passkeys(&session), Err(Refusal::TimedOut));
        assert!(started.elapsed() >= Duration::from_millis(300));
    }

    #[test]
    fn client_names_are_cleaned_and_default_to_a_browser() {
        assert_eq!(client_label(None), "a browser");
        assert_eq!(client_label(Some("  \n\u{1b}")), "a browser");
        assert_eq!(client_label(Some("Chromium\u{202e}x")), "Chromiumx");
        assert!(client_label(Some(&"F".repeat(500))).chars().count() <= CLIENT_MAX_CHARS);
    }
}
