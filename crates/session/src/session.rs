//! The session: the vault the app owns while it runs, and everything done with it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use latchkey_authenticator::client::{self, ClientError};
use latchkey_authenticator::{
    matching_accounts, Approval, ApprovalRequest, Authenticator, Door, Operation, Refusal,
    UserInteraction, UserVerification,
};
use latchkey_bridge::PasskeyView;
use latchkey_vault::{alg, KeyStore, PasskeyMeta, Vault, VaultError};
use latchkey_verify::{VerificationRequest, Verifier};
use serde::Serialize;

use crate::activity::{ActivityEntry, ActivityKind};
use crate::events::SessionEvents;
use crate::prompts::{
    Answer, OsCheck, Prompt, PromptAccount, PromptOperation, PromptQueue, Unanswered,
};
use crate::settings::{hex, unhex, Settings, VerificationPolicy};
use crate::store::SessionStore;

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("Latchkey is locked; unlock it first")]
    Locked,
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error("{name}: {0}", name = .0.dom_name())]
    WebAuthn(#[from] ClientError),
    #[error("the OS check did not pass: {0}")]
    Verification(String),
    #[error("no passkey has that id; it may have been deleted")]
    NotFound,
    #[error("{0}")]
    Invalid(String),
}

/// A passkey as the windows and the socket show it (the protocol's [`PasskeyView`]).
pub fn passkey_view(m: &PasskeyMeta) -> PasskeyView {
    PasskeyView {
        id: URL_SAFE_NO_PAD.encode(&m.credential_id),
        rp_id: m.rp_id.clone(),
        rp_name: m.rp_name.clone(),
        user_name: m.user_name.clone(),
        user_display_name: m.user_display_name.clone(),
        user_handle: URL_SAFE_NO_PAD.encode(&m.user_handle),
        nickname: m.nickname.clone(),
        created_at: m.created_at,
        last_used_at: m.last_used_at,
        use_count: m.use_count,
        sign_count: m.sign_count,
        algorithm: alg::name(m.algorithm).to_owned(),
        cred_protect: m.cred_protect,
        backup_eligible: m.backup_eligible,
        backup_state: m.backup_state,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VaultStatus {
    pub locked: bool,
    /// 0 while locked: the lock screen shows nothing from the vault.
    pub count: usize,
}

/// Returned by a delete: the passkey stays restorable until the window closes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UndoTicket {
    pub undo_id: String,
    pub undo_seconds: u64,
}

struct PendingDelete {
    undo_id: String,
    credential_id: Vec<u8>,
    rp_id: String,
    account: Option<String>,
}

pub struct Session {
    data_dir: PathBuf,
    keystore: Box<dyn KeyStore + Send + Sync>,
    verifier: Box<dyn Verifier>,
    events: Arc<dyn SessionEvents>,
    vault: Mutex<Option<Vault>>,
    prompts: PromptQueue,
    /// While locked only the theme comes from the file; the security fields are the strict
    /// defaults until an unlock checks the file's MAC (or what the last unlock found).
    settings: Mutex<Settings>,
    /// When an OS check last ran for a ceremony (never set by unlock or a settings change):
    /// the start of the reuse window.
    last_verified: Mutex<Option<Instant>>,
    last_active: Mutex<Instant>,
    pending_deletes: Mutex<Vec<PendingDelete>>,
    next_undo: Mutex<u64>,
    /// How long a prompt waits for the person, and how long a delete can be undone.
    timeouts: Mutex<(Duration, Duration)>,
}

fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The door as the activity log and the prompt name it.
pub(crate) fn door_name(door: Door) -> &'static str {
    match door {
        Door::App => "app",
        Door::Cli => "cli",
        Door::Browser => "browser",
        Door::Hid => "usb",
    }
}

fn account_of(m: &PasskeyMeta) -> Option<String> {
    m.user_name.clone().or_else(|| m.user_display_name.clone())
}

impl Session {
    /// A locked session over the vault in `data_dir` (created on first unlock if missing).
    pub fn new(
        data_dir: &Path,
        keystore: Box<dyn KeyStore + Send + Sync>,
        verifier: Box<dyn Verifier>,
        events: Arc<dyn SessionEvents>,
    ) -> Arc<Session> {
        Arc::new(Session {
            settings: Mutex::new(Settings::load(data_dir).strict_with_theme()),
            data_dir: data_dir.to_path_buf(),
            keystore,
            verifier,
            events,
            vault: Mutex::new(None),
            prompts: PromptQueue::new(),
            last_verified: Mutex::new(None),
            last_active: Mutex::new(Instant::now()),
            pending_deletes: Mutex::new(Vec::new()),
            next_undo: Mutex::new(0),
            timeouts: Mutex::new((Duration::from_secs(60), Duration::from_secs(6))),
        })
    }

    /// How long a prompt waits for an answer (default 60 s) and how long a delete can be
    /// undone (default 6 s).
    pub fn set_timeouts(&self, prompt: Duration, undo: Duration) {
        *self.timeouts.lock().unwrap() = (prompt, undo);
    }

    fn prompt_timeout(&self) -> Duration {
        self.timeouts.lock().unwrap().0
    }

    fn undo_window(&self) -> Duration {
        self.timeouts.lock().unwrap().1
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Runs `f` on the unlocked vault; [`VaultError::Locked`] when locked.
    pub(crate) fn with_vault<R>(
        &self,
        f: impl FnOnce(&Vault) -> Result<R, VaultError>,
    ) -> Result<R, VaultError> {
        let guard = self.vault.lock().unwrap();
        match guard.as_ref() {
            Some(v) => f(v),
            None => Err(VaultError::Locked),
        }
    }

    fn vault_op<R>(
        &self,
        f: impl FnOnce(&Vault) -> Result<R, VaultError>,
    ) -> Result<R, SessionError> {
        self.with_vault(f).map_err(|e| match e {
            VaultError::Locked => SessionError::Locked,
            e => SessionError::Vault(e),
        })
    }

    pub(crate) fn is_pending_delete(&self, credential_id: &[u8]) -> bool {
        self.pending_deletes
            .lock()
            .unwrap()
            .iter()
            .any(|p| p.credential_id == credential_id)
    }

    /// The person did something: pushes the auto-lock back.
    pub fn touch(&self) {
        *self.last_active.lock().unwrap() = Instant::now();
    }

    pub fn status(&self) -> VaultStatus {
        let guard = self.vault.lock().unwrap();
        match guard.as_ref() {
            // Counted without opening a record; those waiting in the undo window are gone.
            Some(v) => VaultStatus {
                locked: false,
                count: v
                    .count()
                    .saturating_sub(self.pending_deletes.lock().unwrap().len()),
            },
            None => VaultStatus {
                locked: true,
                count: 0,
            },
        }
    }

    fn log(&self, kind: ActivityKind, rp_id: Option<&str>, account: Option<&str>, door: Door) {
        let entry = ActivityEntry {
            time: now_unix(),
            kind,
            rp_id: rp_id.map(str::to_owned),
            account: account.map(str::to_owned),
            door: door_name(door).to_owned(),
        };
        if let Ok(bytes) = serde_json::to_vec(&entry) {
            // The log is best effort: a full disk must not turn an approval into a failure.
            let _ = self.with_vault(|v| v.append_log(&bytes));
        }
    }

    /// The newest `limit` activity entries, newest first.
    pub fn activity(&self, limit: usize) -> Result<Vec<ActivityEntry>, SessionError> {
        let raw = self.vault_op(|v| v.read_log(limit))?;
        Ok(raw
            .iter()
            .filter_map(|b| serde_json::from_slice(b).ok())
            .collect())
    }

    /// The OS check for a ceremony's `what`, honouring the reuse policy. `Ok(true)` when a
    /// check ran now, `Ok(false)` when a recent one was reused: then the ceremony must not
    /// report user verification. `always` (UV required) never reuses.
    fn verify_for_ceremony(
        &self,
        what: &str,
        rp_id: &str,
        account: Option<&str>,
        always: bool,
    ) -> Result<bool, String> {
        let reuse = match self.settings.lock().unwrap().verification {
            VerificationPolicy::Reuse { minutes } => {
                Some(Duration::from_secs(60 * u64::from(minutes)))
            }
            VerificationPolicy::EveryUse => None,
        };
        if let (false, Some(window), Some(at)) =
            (always, reuse, *self.last_verified.lock().unwrap())
        {
            if at.elapsed() < window {
                return Ok(false);
            }
        }
        self.verifier
            .verify(&VerificationRequest {
                operation: what,
                rp_id,
                account,
            })
            .map_err(|e| e.to_string())?;
        *self.last_verified.lock().unwrap() = Some(Instant::now());
        Ok(true)
    }

    /// Unlocks after the OS check; creates the vault on first use.
    pub fn unlock(&self) -> Result<(), SessionError> {
        if self.vault.lock().unwrap().is_some() {
            return Ok(());
        }
        self.verifier
            .verify(&VerificationRequest {
                operation: "unlock Latchkey",
                rp_id: "Latchkey",
                account: None,
            })
            .map_err(|e| SessionError::Verification(e.to_string()))?;
        let keystore: &dyn KeyStore = self.keystore.as_ref();
        let mut created = false;
        let vault = match Vault::open(&self.data_dir, keystore) {
            Err(VaultError::NotInitialized { .. }) => {
                std::fs::create_dir_all(&self.data_dir).map_err(|e| {
                    SessionError::Invalid(format!("cannot create {}: {e}", self.data_dir.display()))
                })?;
                created = true;
                Vault::init(&self.data_dir, keystore)?
            }
            other => other?,
        };
        let tampered = self.adopt_settings(&vault, created);
        *self.vault.lock().unwrap() = Some(vault);
        // Unlocking is not a check for any site: the reuse window starts at the first
        // ceremony's own check.
        *self.last_verified.lock().unwrap() = None;
        self.touch();
        self.log(ActivityKind::Unlocked, None, None, Door::App);
        if tampered {
            self.log(ActivityKind::SettingsReset, None, None, Door::App);
        }
        self.events.unlocked();
        Ok(())
    }

    /// Takes the settings file's security fields if its MAC is the vault's; otherwise the
    /// strict defaults (keeping the theme), written back with a MAC. Returns whether the file
    /// had been changed behind Latchkey's back (to be logged), which a vault created just now
    /// cannot tell.
    fn adopt_settings(&self, vault: &Vault, created: bool) -> bool {
        let stored = Settings::read_stored(&self.data_dir);
        let genuine = stored.as_ref().and_then(|st| {
            let mac = unhex(st.mac.as_deref()?)?;
            vault
                .settings_mac_matches(&st.settings.security_bytes(), &mac)
                .then(|| st.settings.clone().bounded())
        });
        let theme_only = self.settings.lock().unwrap().clone();
        let needs_write = genuine.is_none();
        let (adopted, tampered) = match genuine {
            Some(s) => (s, false),
            None => (theme_only.strict_with_theme(), stored.is_some() && !created),
        };
        if needs_write {
            let mac = hex(&vault.settings_mac(&adopted.security_bytes()));
            // Best effort: the strict defaults are in force whether or not the file is fixed.
            let _ = adopted.write(&self.data_dir, Some(mac));
        }
        *self.settings.lock().unwrap() = adopted;
        self.events.settings_changed();
        tampered
    }

    /// Makes pending deletes durable, forgets the key, closes the vault.
    pub fn lock(&self) {
        self.commit_all_deletes();
        if self.vault.lock().unwrap().is_none() {
            return;
        }
        self.log(ActivityKind::Locked, None, None, Door::App);
        if let Some(v) = self.vault.lock().unwrap().take() {
            v.lock();
        }
        *self.last_verified.lock().unwrap() = None;
        self.events.locked();
    }

    /// Locks when the person has been away longer than the auto-lock setting.
    pub fn lock_if_idle(&self) -> bool {
        self.lock_if_idle_at(Instant::now())
    }

    /// [`Session::lock_if_idle`] as of `now` (tests look into the future instead of waiting).
    pub fn lock_if_idle_at(&self, now: Instant) -> bool {
        let minutes = self.settings.lock().unwrap().auto_lock_minutes;
        let idle = now.saturating_duration_since(*self.last_active.lock().unwrap());
        if minutes > 0
            && idle >= Duration::from_secs(60 * u64::from(minutes))
            && self.vault.lock().unwrap().is_some()
        {
            self.lock();
            return true;
        }
        false
    }

    /// Passkeys, sorted by site then account; hides those waiting in the undo window.
    pub fn list(&self) -> Result<Vec<PasskeyView>, SessionError> {
        let mut all = self.vault_op(|v| v.list())?;
        all.retain(|m| !self.is_pending_delete(&m.credential_id));
        all.sort_by(|a, b| {
            (a.rp_id.as_str(), account_of(a), a.created_at).cmp(&(
                b.rp_id.as_str(),
                account_of(b),
                b.created_at,
            ))
        });
        Ok(all.iter().map(passkey_view).collect())
    }

    fn find(&self, id: &str) -> Result<PasskeyMeta, SessionError> {
        let raw = URL_SAFE_NO_PAD
            .decode(id.trim_end_matches('='))
            .map_err(|_| SessionError::NotFound)?;
        if self.is_pending_delete(&raw) {
            return Err(SessionError::NotFound);
        }
        self.vault_op(|v| v.meta(&raw))?
            .ok_or(SessionError::NotFound)
    }

    pub fn rename(&self, id: &str, nickname: Option<&str>, door: Door) -> Result<(), SessionError> {
        let m = self.find(id)?;
        let nickname = nickname.map(str::trim).filter(|n| !n.is_empty());
        if nickname.is_some_and(|n| n.chars().count() > 64) {
            return Err(SessionError::Invalid(
                "a nickname has at most 64 characters".into(),
            ));
        }
        self.vault_op(|v| v.rename(&m.credential_id, nickname))?;
        self.log(
            ActivityKind::Renamed,
            Some(&m.rp_id),
            account_of(&m).as_deref(),
            door,
        );
        self.events.vault_changed();
        Ok(())
    }

    /// Hides the passkey at once and deletes it for good when the undo window closes (or at
    /// lock or exit, whichever comes first).
    pub fn delete(self: &Arc<Self>, id: &str, door: Door) -> Result<UndoTicket, SessionError> {
        let m = self.find(id)?;
        let undo_id = {
            let mut n = self.next_undo.lock().unwrap();
            *n += 1;
            format!("u{}", *n)
        };
        self.pending_deletes.lock().unwrap().push(PendingDelete {
            undo_id: undo_id.clone(),
            credential_id: m.credential_id.clone(),
            rp_id: m.rp_id.clone(),
            account: account_of(&m),
        });
        self.log(
            ActivityKind::Deleted,
            Some(&m.rp_id),
            account_of(&m).as_deref(),
            door,
        );
        self.events.vault_changed();
        let me = Arc::downgrade(self);
        let window = self.undo_window();
        let ticket = undo_id.clone();
        std::thread::spawn(move || {
            std::thread::sleep(window);
            if let Some(s) = me.upgrade() {
                s.commit_delete(&ticket);
            }
        });
        Ok(UndoTicket {
            undo_id,
            undo_seconds: window.as_secs_f64().ceil() as u64,
        })
    }

    /// Brings a deleted passkey back while its undo window is open.
    pub fn undo_delete(&self, undo_id: &str) -> Result<(), SessionError> {
        let mut pending = self.pending_deletes.lock().unwrap();
        let pos = pending
            .iter()
            .position(|p| p.undo_id == undo_id)
            .ok_or_else(|| SessionError::Invalid("it is too late to undo that deletion".into()))?;
        let p = pending.remove(pos);
        drop(pending);
        self.log(
            ActivityKind::Restored,
            Some(&p.rp_id),
            p.account.as_deref(),
            Door::App,
        );
        self.events.vault_changed();
        Ok(())
    }

    fn commit_delete(&self, undo_id: &str) {
        let mut pending = self.pending_deletes.lock().unwrap();
        let Some(pos) = pending.iter().position(|p| p.undo_id == undo_id) else {
            return;
        };
        // Deleted while still listed as pending, so a concurrent use cannot see it reappear.
        let p = &pending[pos];
        if self.with_vault(|v| v.delete(&p.credential_id)).is_ok() {
            pending.remove(pos);
        }
    }

    fn commit_all_deletes(&self) {
        let ids: Vec<String> = self
            .pending_deletes
            .lock()
            .unwrap()
            .iter()
            .map(|p| p.undo_id.clone())
            .collect();
        for id in ids {
            self.commit_delete(&id);
        }
    }

    pub fn settings(&self) -> Settings {
        self.settings.lock().unwrap().clone()
    }

    /// Saves new settings. The theme can change at any time; the security fields only while
    /// unlocked (their MAC needs the vault), and a change that protects less (the OS check
    /// reused, or for longer; auto-lock later or off) runs the OS check first: a failed check
    /// saves nothing.
    pub fn set_settings(&self, settings: Settings) -> Result<(), SessionError> {
        settings.validate().map_err(SessionError::Invalid)?;
        let current = self.settings();
        if settings.same_security(&current) {
            self.save_theme(&settings)?;
        } else {
            if self.vault.lock().unwrap().is_none() {
                return Err(SessionError::Invalid(
                    "unlock Latchkey first to change auto-lock or the OS check".into(),
                ));
            }
            if settings.weakens(&current) {
                self.verifier
                    .verify(&VerificationRequest {
                        operation: "weaken Latchkey's security settings",
                        rp_id: "Latchkey",
                        account: None,
                    })
                    .map_err(|e| {
                        SessionError::Verification(format!("{e}; the settings were not changed"))
                    })?;
            }
            self.vault_op(|v| {
                let mac = hex(&v.settings_mac(&settings.security_bytes()));
                Ok(settings.write(&self.data_dir, Some(mac)))
            })?
            .map_err(SessionError::Invalid)?;
        }
        *self.settings.lock().unwrap() = settings;
        self.events.settings_changed();
        Ok(())
    }

    /// Saves a theme change. While locked the file's security part and MAC are kept as they
    /// are (they cannot be checked or re-made without the vault).
    fn save_theme(&self, settings: &Settings) -> Result<(), SessionError> {
        let unlocked = self.vault_op(|v| {
            let mac = hex(&v.settings_mac(&settings.security_bytes()));
            Ok(settings.write(&self.data_dir, Some(mac)))
        });
        let written = match unlocked {
            Ok(w) => w,
            Err(SessionError::Locked) => match Settings::read_stored(&self.data_dir) {
                Some(mut stored) => {
                    stored.settings.theme = settings.theme;
                    stored.settings.write(&self.data_dir, stored.mac)
                }
                None => settings.write(&self.data_dir, None),
            },
            Err(e) => return Err(e),
        };
        written.map_err(SessionError::Invalid)
    }

    /// The prompt the approval window should show.
    pub fn current_prompt(&self) -> Option<Prompt> {
        self.prompts.current()
    }

    /// The person's answer from the prompt window. Approving a ceremony runs the OS check first
    /// (or reuses a recent one, as the settings allow, unless verification is required); if it
    /// fails the prompt stays, so the person can try again or deny. A delete and a sign-in with
    /// no passkey need only the click.
    pub fn answer_prompt(
        &self,
        id: &str,
        approve: bool,
        account: Option<usize>,
    ) -> Result<(), SessionError> {
        self.touch();
        if !approve {
            return self
                .prompts
                .answer(id, Answer::Deny)
                .map_err(SessionError::Invalid);
        }
        let prompt = self.prompts.shown(id).ok_or_else(|| {
            SessionError::Invalid("that request is no longer waiting; it may have timed out".into())
        })?;
        let verified = match prompt.check {
            OsCheck::None => false,
            OsCheck::Ceremony { always } => {
                let chosen = account.and_then(|i| prompt.accounts.get(i));
                let label =
                    chosen.and_then(|a| a.user_name.clone().or(a.user_display_name.clone()));
                let what = match prompt.operation {
                    PromptOperation::Create => "create a passkey",
                    PromptOperation::SignIn => "sign in",
                    PromptOperation::Delete => "delete a passkey",
                };
                self.verify_for_ceremony(what, &prompt.rp_id, label.as_deref(), always)
                    .map_err(SessionError::Verification)?
            }
        };
        self.prompts
            .answer(id, Answer::Approve { account, verified })
            .map_err(SessionError::Invalid)
    }

    /// navigator.credentials.create() for any door; the person answers in the prompt window.
    pub fn webauthn_create(
        &self,
        door: Door,
        origin: &str,
        options_json: &str,
    ) -> Result<serde_json::Value, SessionError> {
        self.ceremony(door, |auth| {
            client::create(auth, origin, options_json, door)
        })
    }

    /// navigator.credentials.get() for any door; the person answers in the prompt window.
    pub fn webauthn_get(
        &self,
        door: Door,
        origin: &str,
        options_json: &str,
    ) -> Result<serde_json::Value, SessionError> {
        self.webauthn_get_as(door, origin, options_json, None)
    }

    /// [`Session::webauthn_get`] limited to the accounts `account` names (the CLI's
    /// `--account`): the prompt offers only those; a name matching none is refused at once,
    /// naming the accounts there are (which `list` shows the same caller anyway).
    pub fn webauthn_get_as(
        &self,
        door: Door,
        origin: &str,
        options_json: &str,
        account: Option<&str>,
    ) -> Result<serde_json::Value, SessionError> {
        self.ceremony_as(door, account, |auth| {
            client::get(auth, origin, options_json, door)
        })
    }

    /// A delete asked through the app's socket: shown in the prompt window, done only when
    /// the person confirms it there (a click, no OS check); denied or unanswered, nothing is
    /// deleted. Final at once: the window showed what goes, and it has no undo for it.
    pub fn delete_confirmed(&self, id: &str, door: Door) -> Result<(), SessionError> {
        let m = self.find(id)?;
        let refused = |why: &str| SessionError::WebAuthn(ClientError::NotAllowed(why.to_owned()));
        let prompt = Prompt {
            id: String::new(),
            operation: PromptOperation::Delete,
            rp_id: m.rp_id.clone(),
            rp_name: m.rp_name.clone(),
            origin: None,
            door: door_name(door).to_owned(),
            accounts: vec![PromptAccount {
                index: 0,
                user_name: m.user_name.clone(),
                user_display_name: m.user_display_name.clone(),
                nickname: m.nickname.clone(),
            }],
            expires_at: 0,
            queued: 0,
            check: OsCheck::None,
        };
        let events = &self.events;
        let answer = self.prompts.ask(prompt, self.prompt_timeout(), &|pending| {
            events.prompt_changed(pending)
        });
        let account = account_of(&m);
        match answer {
            Ok(Answer::Approve { .. }) => {
                if self.is_pending_delete(&m.credential_id) {
                    return Err(SessionError::NotFound);
                }
                self.vault_op(|v| v.delete(&m.credential_id))?;
                self.log(
                    ActivityKind::Deleted,
                    Some(&m.rp_id),
                    account.as_deref(),
                    door,
                );
                self.events.vault_changed();
                Ok(())
            }
            Ok(Answer::Deny) => {
                self.log(
                    ActivityKind::DeleteRefused,
                    Some(&m.rp_id),
                    account.as_deref(),
                    door,
                );
                Err(refused(
                    "the deletion was refused in the Latchkey window; nothing was deleted",
                ))
            }
            Err(Unanswered::TimedOut) => {
                self.log(
                    ActivityKind::DeleteRefused,
                    Some(&m.rp_id),
                    account.as_deref(),
                    door,
                );
                Err(refused(
                    "nobody confirmed the deletion in the Latchkey window in time; nothing was deleted",
                ))
            }
            Err(Unanswered::QueueFull) => Err(refused(TOO_MANY)),
        }
    }

    fn ceremony(
        &self,
        door: Door,
        run: impl FnOnce(
            &mut Authenticator<SessionStore<'_>, PromptApprover<'_>>,
        ) -> Result<serde_json::Value, ClientError>,
    ) -> Result<serde_json::Value, SessionError> {
        self.ceremony_as(door, None, run)
    }

    fn ceremony_as(
        &self,
        door: Door,
        account: Option<&str>,
        run: impl FnOnce(
            &mut Authenticator<SessionStore<'_>, PromptApprover<'_>>,
        ) -> Result<serde_json::Value, ClientError>,
    ) -> Result<serde_json::Value, SessionError> {
        if self.vault.lock().unwrap().is_none() {
            return Err(SessionError::Locked);
        }
        let approver = PromptApprover {
            session: self,
            door,
            account: account.map(str::to_owned),
            outcome: Mutex::new(None),
        };
        let mut auth = Authenticator::new(SessionStore(self), approver);
        let result = run(&mut auth);
        let outcome = auth.user().outcome.lock().unwrap().take();
        match (&result, outcome) {
            (Ok(_), Some(d)) => {
                let kind = if d.operation == Operation::MakeCredential {
                    ActivityKind::Created
                } else {
                    ActivityKind::Approved
                };
                self.log(kind, Some(&d.rp_id), d.account.as_deref(), door);
                self.events.vault_changed();
            }
            (Err(_), Some(d)) => {
                if let Some(kind) = d.refusal {
                    self.log(kind, Some(&d.rp_id), d.account.as_deref(), door);
                }
            }
            _ => {}
        }
        Ok(result?)
    }
}

/// The approval step of a ceremony: queue a prompt, wait for the window's answer.
pub(crate) struct PromptApprover<'a> {
    session: &'a Session,
    door: Door,
    /// `--account`: only the sign-in candidates this names are offered.
    account: Option<String>,
    /// What was asked and, when refused, how: for the activity log.
    outcome: Mutex<Option<Decision>>,
}

/// What the person decided at a prompt, kept for the activity log.
struct Decision {
    operation: Operation,
    rp_id: String,
    account: Option<String>,
    /// `Some` when refused (denied or timed out).
    refusal: Option<ActivityKind>,
}

/// Why a prompt was refused without being shown.
const TOO_MANY: &str =
    "too many requests are waiting for your approval; answer them in the Latchkey window, or wait for them to time out, then try again";

impl PromptApprover<'_> {
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
            // Credential management and selection come from CTAP clients (the USB door): they
            // are shown as sign-in style requests for the device itself.
            Operation::CredentialManagement | Operation::Selection => PromptOperation::SignIn,
        };
        // A sign-in with no usable passkey is still shown (so a caller cannot learn at once
        // which sites have one), and nothing is signed whatever the answer.
        let no_passkey =
            request.operation == Operation::GetAssertion && request.accounts.is_empty();
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
        };
        let events = &self.session.events;
        let answer = self
            .session
            .prompts
            .ask(prompt, self.session.prompt_timeout(), &|pending| {
                events.prompt_changed(pending)
            });
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
        let record = |account: Option<String>, refusal: Option<ActivityKind>| {
            *self.outcome.lock().unwrap() = Some(Decision {
                operation: request.operation,
                rp_id: request.rp_id.to_owned(),
                account,
                refusal,
            });
        };
        match answer {
            Ok(Answer::Approve { .. }) if no_passkey => {
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
            Err(Unanswered::TimedOut) => {
                record(label(None), Some(ActivityKind::TimedOut));
                Err(Refusal::TimedOut)
            }
            Err(Unanswered::QueueFull) => Err(Refusal::Unavailable(TOO_MANY.into())),
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.commit_all_deletes();
    }
}

#[cfg(test)]
mod tests {
    //! The approver's side of the "no passkey here" contract: the authenticator asks with no
    //! accounts when a site has no usable passkey, and the answer must come from the person
    //! (or the timeout), never at once, and never sign.

    use std::sync::atomic::{AtomicUsize, Ordering};

    use latchkey_vault::OsKeychain;
    use latchkey_verify::VerifyError;

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
            door: Door::Browser,
            account: None,
            outcome: Mutex::new(None),
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
    fn a_sign_in_with_no_passkey_waits_for_the_person_and_never_signs() {
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
}
