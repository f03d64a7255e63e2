//! The person in the loop. Every use of a private key goes through [`UserInteraction::approve`]:
//! the implementation shows who asks and for which account, gets an explicit yes, and runs the
//! OS user verification (polkit / Windows Hello / Touch ID). Nothing is signed without it.

use thiserror::Error;

/// What is being asked of the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Create a new passkey (authenticatorMakeCredential).
    MakeCredential,
    /// Sign in with an existing passkey (authenticatorGetAssertion).
    GetAssertion,
    /// Manage stored passkeys from a CTAP client (authenticatorCredentialManagement token).
    CredentialManagement,
    /// Pick this authenticator among several (authenticatorSelection): presence only.
    Selection,
}

/// The relying party's wish for user verification (WebAuthn `userVerification`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserVerification {
    Required,
    Preferred,
    Discouraged,
}

/// One account the person may pick (for MakeCredential: the one being created).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub credential_id: Vec<u8>,
    pub user_handle: Vec<u8>,
    pub user_name: Option<String>,
    pub user_display_name: Option<String>,
    pub nickname: Option<String>,
}

impl Account {
    /// The best human label for the account.
    pub fn label(&self) -> &str {
        self.nickname
            .as_deref()
            .or(self.user_name.as_deref())
            .or(self.user_display_name.as_deref())
            .unwrap_or("(unnamed account)")
    }
}

/// Everything a prompt needs to tell the person who asks for what.
#[derive(Debug, Clone)]
pub struct ApprovalRequest<'a> {
    pub operation: Operation,
    pub rp_id: &'a str,
    pub rp_name: Option<&'a str>,
    /// The web origin, when the request came through a WebAuthn client (not over raw CTAP).
    pub origin: Option<&'a str>,
    /// Candidates (GetAssertion), or the account being created (MakeCredential); empty for
    /// Selection and CredentialManagement.
    pub accounts: &'a [Account],
    pub user_verification: UserVerification,
}

/// A yes from the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Approval {
    /// Which of `accounts` the person picked. `None` with several accounts means "let the CTAP
    /// client choose" (the authenticator then answers with numberOfCredentials and serves the
    /// rest through authenticatorGetNextAssertion).
    pub account: Option<usize>,
    /// The OS verification (biometrics / password) ran and succeeded for this approval.
    pub user_verified: bool,
}

/// A no, or a failure to ask.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Refusal {
    #[error("the request was denied")]
    Denied,
    #[error("nobody answered the prompt in time")]
    TimedOut,
    #[error("the OS verification failed: {0}")]
    VerificationFailed(String),
    #[error("the person could not be asked: {0}")]
    Unavailable(String),
}

/// The approval prompt + OS verification, supplied by the door (CLI terminal prompt, app window).
pub trait UserInteraction {
    fn approve(&self, request: &ApprovalRequest<'_>) -> Result<Approval, Refusal>;
}

impl<T: UserInteraction + ?Sized> UserInteraction for &T {
    fn approve(&self, request: &ApprovalRequest<'_>) -> Result<Approval, Refusal> {
        (**self).approve(request)
    }
}

impl<T: UserInteraction + ?Sized> UserInteraction for Box<T> {
    fn approve(&self, request: &ApprovalRequest<'_>) -> Result<Approval, Refusal> {
        (**self).approve(request)
    }
}

/// The accounts `name` designates (the CLI's `--account`, whether the CLI signs itself or goes
/// through the app): exact user name / display name / nickname first, then the same ignoring
/// case. Shared so both doors pick the same passkey for the same name.
pub fn matching_accounts(accounts: &[Account], name: &str) -> Vec<usize> {
    let fields = |a: &Account| {
        [
            a.user_name.clone(),
            a.user_display_name.clone(),
            a.nickname.clone(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
    };
    let exact: Vec<usize> = (0..accounts.len())
        .filter(|&i| fields(&accounts[i]).iter().any(|f| f == name))
        .collect();
    if !exact.is_empty() {
        return exact;
    }
    let lower = name.to_lowercase();
    (0..accounts.len())
        .filter(|&i| {
            fields(&accounts[i])
                .iter()
                .any(|f| f.to_lowercase() == lower)
        })
        .collect()
}
