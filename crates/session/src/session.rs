//! The session: the vault the app owns while it runs, and everything done with it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use latchkey_authenticator::client::{self, ClientError};
use latchkey_authenticator::{Authenticator, Door, KeyCache, Operation};
use latchkey_bridge::protocol::AccountView;
use latchkey_bridge::PasskeyView;
use latchkey_vault::{alg, hex, KeyStore, PasskeyMeta, Vault, VaultError};
use latchkey_verify::{VerificationRequest, Verifier};
use serde::Serialize;

use crate::activity::{ActivityEntry, ActivityKind};
use crate::approver::{client_label, PromptApprover, RequestInfo, Withdrawn, TOO_MANY};
use crate::events::SessionEvents;
use crate::prompts::{
    Answer, OsCheck, Prompt, PromptAccount, PromptOperation, PromptQueue, Unanswered,
};
use crate::settings::{Settings, VerificationPolicy};
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
    /// The client withdrew the request (the page aborted) before the person answered.
    #[error("the request was cancelled by the page that made it")]
    Aborted,
    /// The person chose "use another device or security key" at the prompt.
    #[error(
        "the person chose to use another device or security key; nothing was stored or signed"
    )]
    UseAnotherDevice,
    /// (Browser door) no passkey here fits the sign-in: the browser asks its own authenticators.
    #[error("Latchkey holds no passkey for {0} that this sign-in can use; use another device or security key")]
    NoPasskey(String),
    /// (Browser door) too many requests wait for the person already: the browser asks its own
    /// authenticators. (Other doors get NotAllowed with the same reason.)
    #[error("{TOO_MANY}")]
    Busy,
    /// The import file is encrypted and no passphrase was given: ask for it and open it again.
    #[error("this file is encrypted; enter the passphrase it was exported with")]
    PassphraseNeeded,
    /// The import or export file itself (format, passphrase, size); the message names what.
    #[error(transparent)]
    Transfer(#[from] latchkey_transfer::TransferError),
    /// Some items of an import file cannot be imported, and the person did not choose to skip
    /// them: nothing was written.
    #[error("{0} item(s) in the file cannot be imported, so nothing was imported; fix the file, or choose to skip the bad items")]
    ImportHasProblems(usize),
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
    pub(crate) keystore: Box<dyn KeyStore + Send + Sync>,
    pub(crate) verifier: Box<dyn Verifier>,
    pub(crate) events: Arc<dyn SessionEvents>,
    pub(crate) vault: Mutex<Option<Vault>>,
    pub(crate) prompts: PromptQueue,
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
    /// Sign-in links: the opener, the sites recently signed into with one (links.rs).
    pub(crate) links: crate::links::LinkState,
    /// Import files read and waiting for the person's go (transfer.rs); dropped on lock.
    pub(crate) staged_imports: crate::transfer::Staging,
    /// The recovery kit made with a new vault, until the app shows it (recovery.rs).
    pub(crate) new_kit: crate::recovery::NewKit,
    /// Parsed signing keys of recent sign-ins, so a sign-in costs one signature; emptied at
    /// lock, with the vault.
    key_cache: Arc<KeyCache>,
}

/// How often the batched use statistics are written while the vault is unlocked: what a crash
/// can lose of them ("last used", use count; never a counter step back, never a passkey).
pub const STATS_FLUSH_INTERVAL: Duration = Duration::from_secs(5);

/// The thread behind [`Session::flush_stats`]; it ends at the first tick after the session is
/// gone.
fn start_stats_flusher(session: std::sync::Weak<Session>) {
    let spawned = std::thread::Builder::new()
        .name("latchkey-stats".into())
        .spawn(move || loop {
            std::thread::sleep(STATS_FLUSH_INTERVAL);
            match session.upgrade() {
                Some(s) => s.flush_stats(),
                None => break,
            }
        });
    // Without the thread the statistics are still written at lock and at quit.
    drop(spawned);
}

pub(crate) fn now_unix() -> u64 {
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
        Door::Program => "program",
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
        let session = Arc::new(Session {
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
            links: crate::links::LinkState::default(),
            staged_imports: crate::transfer::Staging::default(),
            new_kit: crate::recovery::NewKit::default(),
            key_cache: Arc::new(KeyCache::new()),
        });
        start_stats_flusher(Arc::downgrade(&session));
        session
    }

    /// Writes the use statistics batched in memory since the last write (the vault keeps them
    /// there so a sign-in costs no disk write; see latchkey-vault's `usage.rs`). Runs every
    /// [`STATS_FLUSH_INTERVAL`] on its own thread; lock and quit write them too. A failure is
    /// retried at the next tick: the statistics stay in memory meanwhile.
    pub fn flush_stats(&self) {
        if let Some(v) = self.vault.lock().unwrap().as_ref() {
            let _ = v.flush_usage();
        }
    }

    /// How long a prompt waits for an answer (default 60 s) and how long a delete can be
    /// undone (default 6 s).
    pub fn set_timeouts(&self, prompt: Duration, undo: Duration) {
        *self.timeouts.lock().unwrap() = (prompt, undo);
    }

    /// The parsed signing keys shared by every ceremony's authenticator (emptied at lock).
    pub(crate) fn key_cache(&self) -> Arc<KeyCache> {
        self.key_cache.clone()
    }

    pub(crate) fn prompt_timeout(&self) -> Duration {
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

    pub(crate) fn vault_op<R>(
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

    pub(crate) fn log(
        &self,
        kind: ActivityKind,
        rp_id: Option<&str>,
        account: Option<&str>,
        door: Door,
    ) {
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

    /// The OS check for a vault-wide action (export), never reusing an earlier one.
    pub(crate) fn os_check(&self, operation: &str) -> Result<(), SessionError> {
        self.verifier
            .verify(&VerificationRequest {
                operation,
                rp_id: "Latchkey",
                account: None,
            })
            .map_err(|e| SessionError::Verification(format!("{e}; nothing was done")))
    }

    /// For a one-shot command (the CLI while the app is not running): opens the existing vault
    /// the way `latchkey list` does, where the keychain entry is the gate. Creates nothing, runs
    /// no OS check (an export runs its own), logs no unlock and writes no settings file, so a
    /// refused command leaves the data directory as it was. The settings stay the strict
    /// defaults.
    pub fn open_for_command(&self) -> Result<(), SessionError> {
        let mut guard = self.vault.lock().unwrap();
        if guard.is_none() {
            *guard = Some(Vault::open(&self.data_dir, self.keystore.as_ref())?);
        }
        Ok(())
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
        // A new vault gets its first recovery kit at once (recovery.rs); the app shows it.
        let kit_made = created && self.make_first_kit(&vault);
        self.take_open_vault(vault, created, ActivityKind::Unlocked);
        if kit_made {
            self.log(ActivityKind::RecoveryKitCreated, None, None, Door::App);
        }
        Ok(())
    }

    /// What unlocking and recovering share once the vault is open: settings adopted, the
    /// vault kept, `kind` logged, the windows and waiting browser requests told.
    pub(crate) fn take_open_vault(&self, vault: Vault, created: bool, kind: ActivityKind) {
        let tampered = self.adopt_settings(&vault, created);
        *self.vault.lock().unwrap() = Some(vault);
        // Unlocking is not a check for any site: the reuse window starts at the first
        // ceremony's own check.
        *self.last_verified.lock().unwrap() = None;
        self.touch();
        self.log(kind, None, None, Door::App);
        if tampered {
            self.log(ActivityKind::SettingsReset, None, None, Door::App);
        }
        self.events.unlocked();
        // Browser requests that waited for this go on to their own prompts.
        self.prompts.release_unlock_prompts();
    }

    /// A client's "unlock" (the browser extension's Unlock button): brings the main window up
    /// and unlocks behind the OS check, like the lock screen.
    pub fn unlock_for_client(&self) -> Result<VaultStatus, SessionError> {
        self.events.show_main();
        self.unlock()?;
        Ok(self.status())
    }

    /// The passkeys for `rp_id`, as a browser's passkey autofill menu lists them: names only.
    /// `rp_id` must be valid for `origin` by the ceremonies' rule (a page may only list its own
    /// site's accounts); only the browser and CLI doors may ask, and only while unlocked.
    pub fn accounts(
        &self,
        door: Door,
        origin: &str,
        rp_id: &str,
    ) -> Result<Vec<AccountView>, SessionError> {
        if !matches!(door, Door::Browser | Door::Cli) {
            return Err(SessionError::WebAuthn(ClientError::NotAllowed(
                "only the browser extension and the latchkey command may list a site's accounts"
                    .into(),
            )));
        }
        let origin = client::serialized_origin(origin)?;
        let rp_id = client::effective_rp_id(&origin, Some(rp_id))?;
        let mut metas = self.vault_op(|v| v.list())?;
        metas.retain(|m| m.rp_id == rp_id && !self.is_pending_delete(&m.credential_id));
        metas.sort_by_key(|m| (account_of(m), m.created_at));
        Ok(metas
            .iter()
            .map(|m| AccountView {
                credential_id: URL_SAFE_NO_PAD.encode(&m.credential_id),
                user_name: m.user_name.clone(),
                user_display_name: m.user_display_name.clone(),
                nickname: m.nickname.clone(),
            })
            .collect())
    }

    /// Withdraws the waiting request `door` sent with `tag` (the page aborted it): its prompt
    /// goes away and its ceremony answers [`SessionError::Aborted`]. Returns whether a prompt
    /// was waiting. Only the same door's requests match, so one client cannot withdraw
    /// another's.
    pub fn cancel(&self, door: Door, tag: &str) -> bool {
        self.prompts.cancel(door_name(door), tag)
    }

    /// Takes the settings file's security fields if its MAC is the vault's; otherwise the
    /// strict defaults (keeping the theme), written back with a MAC. Returns whether the file
    /// had been changed behind Latchkey's back (to be logged), which a vault created just now
    /// cannot tell.
    fn adopt_settings(&self, vault: &Vault, created: bool) -> bool {
        let stored = Settings::read_stored(&self.data_dir);
        let genuine = stored.as_ref().and_then(|st| {
            let mac = hex::decode(st.mac.as_deref()?)?;
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
            let mac = hex::encode(&vault.settings_mac(&adopted.security_bytes()));
            // Best effort: the strict defaults are in force whether or not the file is fixed.
            let _ = adopted.write(&self.data_dir, Some(mac));
        }
        *self.settings.lock().unwrap() = adopted;
        self.events.settings_changed();
        tampered
    }

    /// Repairs a vault that does not open (unlock failed with [`VaultError::Damaged`]), for the
    /// lock screen's Repair button: behind the same OS check as unlocking, only while locked
    /// (an open vault is not damaged, and sled's files must not move under it). Keeps a copy of
    /// every vault file first (see [`latchkey_vault::repair`]); returns what it did, in words.
    /// The person unlocks afterwards as usual.
    pub fn repair(&self) -> Result<String, SessionError> {
        if self.vault.lock().unwrap().is_some() {
            return Err(SessionError::Invalid(
                "the vault is open and working; there is nothing to repair".into(),
            ));
        }
        self.verifier
            .verify(&VerificationRequest {
                operation: "repair the Latchkey vault",
                rp_id: "Latchkey",
                account: None,
            })
            .map_err(|e| SessionError::Verification(e.to_string()))?;
        let keystore: &dyn KeyStore = self.keystore.as_ref();
        let report = latchkey_vault::repair(&self.data_dir, keystore)?;
        Ok(report.to_string())
    }

    /// Makes pending deletes durable, forgets the key and staged imports, closes the vault.
    pub fn lock(&self) {
        self.commit_all_deletes();
        self.staged_imports.clear();
        self.new_kit.forget();
        if self.vault.lock().unwrap().is_none() {
            return;
        }
        self.log(ActivityKind::Locked, None, None, Door::App);
        if let Some(v) = self.vault.lock().unwrap().take() {
            v.lock();
        }
        self.key_cache.clear();
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
                    "unlock Latchkey first to change auto-lock, the OS check or the security key setting".into(),
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
                let mac = hex::encode(&v.settings_mac(&settings.security_bytes()));
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
            let mac = hex::encode(&v.settings_mac(&settings.security_bytes()));
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
        if prompt.operation == PromptOperation::Unlock {
            // The unlock's own OS check; when it fails the prompt stays. Unlocking answers
            // every waiting unlock prompt, this one included (and when the vault was unlocked
            // a moment ago, after this prompt was queued, releasing them here lets it go).
            self.unlock()?;
            self.prompts.release_unlock_prompts();
            return Ok(());
        }
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
                    PromptOperation::Unlock => "unlock Latchkey",
                    PromptOperation::Manage => "manage your passkeys",
                };
                self.verify_for_ceremony(what, &prompt.rp_id, label.as_deref(), always)
                    .map_err(SessionError::Verification)?
            }
        };
        self.prompts
            .answer(id, Answer::Approve { account, verified })
            .map_err(SessionError::Invalid)
    }

    /// "Use another device or security key" at the prompt `id` (which must be the one shown
    /// and offer it): a browser request ends with [`SessionError::UseAnotherDevice`] (or, at
    /// the unlock prompt, [`SessionError::Locked`]) and the browser asks its own authenticators.
    pub fn answer_another_device(&self, id: &str) -> Result<(), SessionError> {
        self.touch();
        let prompt = self.prompts.shown(id).ok_or_else(|| {
            SessionError::Invalid("that request is no longer waiting; it may have timed out".into())
        })?;
        if !prompt.another_device {
            return Err(SessionError::Invalid(
                "this request cannot be sent to another device".into(),
            ));
        }
        self.prompts
            .answer(id, Answer::AnotherDevice)
            .map_err(SessionError::Invalid)
    }

    /// navigator.credentials.create() for any door; the person answers in the prompt window.
    pub fn webauthn_create(
        &self,
        door: Door,
        origin: &str,
        options_json: &str,
    ) -> Result<serde_json::Value, SessionError> {
        self.webauthn_create_for(door, origin, options_json, RequestInfo::default())
    }

    /// [`Session::webauthn_create`] with what a socket request says about itself: its tag
    /// (so it can be cancelled) and, from the browser door, the browser's name.
    pub fn webauthn_create_for(
        &self,
        door: Door,
        origin: &str,
        options_json: &str,
        request: RequestInfo,
    ) -> Result<serde_json::Value, SessionError> {
        self.ceremony_as(door, None, origin, request, |auth| {
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
        self.webauthn_get_for(door, origin, options_json, account, RequestInfo::default())
    }

    /// [`Session::webauthn_get_as`] with the request's tag and client (see
    /// [`Session::webauthn_create_for`]).
    pub fn webauthn_get_for(
        &self,
        door: Door,
        origin: &str,
        options_json: &str,
        account: Option<&str>,
        request: RequestInfo,
    ) -> Result<serde_json::Value, SessionError> {
        self.ceremony_as(door, account, origin, request, |auth| {
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
            client: None,
            another_device: false,
            replaces_link: false,
            use_link: false,
            accounts: vec![PromptAccount {
                index: 0,
                user_name: m.user_name.clone(),
                user_display_name: m.user_display_name.clone(),
                nickname: m.nickname.clone(),
            }],
            expires_at: 0,
            queued: 0,
            check: OsCheck::None,
            tag: None,
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
            Ok(Answer::Deny) | Err(Unanswered::TimedOut) => {
                self.log(
                    ActivityKind::DeleteRefused,
                    Some(&m.rp_id),
                    account.as_deref(),
                    door,
                );
                Err(refused(if matches!(answer, Ok(Answer::Deny)) {
                    "the deletion was refused in the Latchkey window; nothing was deleted"
                } else {
                    "nobody confirmed the deletion in the Latchkey window in time; nothing was deleted"
                }))
            }
            // Nobody asks to delete through the window with another device, and a delete has
            // no tag to cancel it by.
            Ok(Answer::AnotherDevice | Answer::UseLink) | Err(Unanswered::Cancelled) => Err(
                refused("the deletion was not confirmed; nothing was deleted"),
            ),
            Err(Unanswered::QueueFull) => Err(refused(TOO_MANY)),
        }
    }

    /// A browser's request while locked: an "unlock" prompt naming the browser and the site.
    /// Returns once the vault is unlocked (at this prompt or in the main window); "another
    /// device", Deny or the timeout leave it locked ([`SessionError::Locked`]: the browser then
    /// asks its own authenticators), and the page's cancel withdraws it.
    fn wait_for_unlock(&self, origin: &str, request: &RequestInfo) -> Result<(), SessionError> {
        let origin = client::serialized_origin(origin)?;
        let domain = client::effective_rp_id(&origin, None)?;
        let prompt = Prompt {
            id: String::new(),
            operation: PromptOperation::Unlock,
            rp_id: domain.clone(),
            rp_name: None,
            origin: Some(origin),
            door: door_name(Door::Browser).to_owned(),
            client: Some(client_label(request.client.as_deref())),
            another_device: true,
            replaces_link: false,
            use_link: false,
            accounts: Vec::new(),
            expires_at: 0,
            queued: 0,
            check: OsCheck::None,
            tag: request.tag.clone(),
        };
        let events = &self.events;
        let answer = self.prompts.ask(prompt, self.prompt_timeout(), &|pending| {
            events.prompt_changed(pending)
        });
        match answer {
            Ok(Answer::Approve { .. }) if self.vault.lock().unwrap().is_some() => Ok(()),
            Ok(_) | Err(Unanswered::TimedOut) => Err(SessionError::Locked),
            Err(Unanswered::Cancelled) => Err(SessionError::Aborted),
            Err(Unanswered::QueueFull) => Err(SessionError::Busy),
        }
    }

    fn ceremony_as(
        &self,
        door: Door,
        account: Option<&str>,
        origin: &str,
        request: RequestInfo,
        run: impl FnOnce(
            &mut Authenticator<SessionStore<'_>, PromptApprover<'_>>,
        ) -> Result<serde_json::Value, ClientError>,
    ) -> Result<serde_json::Value, SessionError> {
        // Only the browser door's tag and client count: another door's are ignored (a
        // program must not name itself "Chromium" on the prompt).
        let request = match door {
            Door::Browser => request,
            _ => RequestInfo {
                tag: request.tag,
                client: None,
            },
        };
        if self.vault.lock().unwrap().is_none() {
            if door != Door::Browser {
                return Err(SessionError::Locked);
            }
            self.wait_for_unlock(origin, &request)?;
        }
        let approver = PromptApprover::new(self, door, account, request);
        let mut auth =
            Authenticator::new(SessionStore(self), approver).with_key_cache(self.key_cache.clone());
        let result = run(&mut auth);
        let outcome = auth.user().take_outcome();
        let withdrawn = outcome
            .as_ref()
            .and_then(|d| d.withdrawn.map(|w| (w, d.rp_id.clone())));
        match (&result, outcome) {
            (Ok(_), Some(d)) => {
                let kind = if d.operation == Operation::MakeCredential {
                    // The link it replaces is done with: the mark is for the next creation.
                    self.clear_link_mark(&d.rp_id);
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
        match (result, withdrawn) {
            (Err(_), Some((Withdrawn::Aborted, _))) => Err(SessionError::Aborted),
            (Err(_), Some((Withdrawn::AnotherDevice, _))) => Err(SessionError::UseAnotherDevice),
            (Err(_), Some((Withdrawn::NoPasskey, rp_id))) => Err(SessionError::NoPasskey(rp_id)),
            (Err(_), Some((Withdrawn::Busy, _))) => Err(SessionError::Busy),
            (result, _) => Ok(result?),
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.commit_all_deletes();
    }
}
