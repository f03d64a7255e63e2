//! Sign-in ("magic") links: judged against the person's own sites before anything opens, opened
//! only when they pass, remembered so the same link is "already used" the second time, and the
//! site marked so the next passkey creation there says it replaces the link.
//!
//! A magic link is a bearer token: whoever opens it signs in, and a link that merely looks like
//! the person's bank is the classic phish. So the session decides what opens, never the caller:
//! only the normalized URL that was checked is handed to the [`LinkOpener`], and only for a
//! trusted site, an unknown site the person confirmed, or a lookalike the person explicitly
//! overrode. Refused, already-used and expired links never open.

use std::cell::RefCell;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use latchkey_authenticator::Door;
use latchkey_magiclink::{check, fingerprint, KnownSites, LinkReport, Verdict};
use latchkey_vault::{Vault, VaultError};
use serde::Serialize;

use crate::activity::{ActivityEntry, ActivityKind};
use crate::session::{door_name, now_unix, Session, SessionError};

/// How long after a link opened the next passkey creation for its site is marked "Replace the
/// sign-in link with a passkey on this PC": long enough to finish signing in, short enough that
/// an unrelated creation weeks later is not.
pub const LINK_MARK_WINDOW: Duration = Duration::from_secs(30 * 60);

/// How many activity entries are read for "sites of recent requests".
const RECENT_ACTIVITY: usize = 500;

/// Opens a URL in the person's browser: in the app tauri-plugin-opener, in the CLI without the
/// app `xdg-open` / `open` / `start`. Given only URLs that passed the checks.
pub trait LinkOpener: Send + Sync {
    /// Hands `url` to the OS's browser; the error says why it could not.
    fn open(&self, url: &str) -> Result<(), String>;
}

/// What [`Session::open_link`] did: the checks' report, and whether the link was opened.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LinkOutcome {
    #[serde(flatten)]
    pub report: LinkReport,
    /// True only when the link was handed to the browser (and recorded as used).
    pub opened: bool,
}

/// The session's sign-in link state.
#[derive(Default)]
pub(crate) struct LinkState {
    opener: Mutex<Option<Arc<dyn LinkOpener>>>,
    /// (registrable domain, when a link of it opened).
    marks: Mutex<Vec<(String, Instant)>>,
    /// None: [`LINK_MARK_WINDOW`].
    window: Mutex<Option<Duration>>,
    /// One open at a time, so two opens of the same link cannot both pass "not used yet".
    opening: Mutex<()>,
}

/// The registrable domain of a lowercase ASCII host or RP ID; the host itself when it has none
/// (localhost, a single label).
fn site_of(host: &str) -> String {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    psl::domain_str(&host)
        .filter(|_| host.contains('.'))
        .map(str::to_owned)
        .unwrap_or(host)
}

/// The ASCII registrable domain of a normalized link, for the mark.
fn link_site(normalized: &str) -> Option<String> {
    let url = url::Url::parse(normalized).ok()?;
    url.host_str().map(site_of)
}

/// The person's sites: the RP IDs of the vault's passkeys, and the sites of requests the person
/// approved or created a passkey for (from the activity log). Denied or timed-out requests do
/// not count: a page that only asked must not make its lookalike links trusted.
fn known_sites(vault: &Vault) -> Result<KnownSites, VaultError> {
    let mut sites: Vec<String> = vault.list()?.iter().map(|m| m.rp_id.clone()).collect();
    for raw in vault.read_log(RECENT_ACTIVITY)? {
        let Ok(entry) = serde_json::from_slice::<ActivityEntry>(&raw) else {
            continue;
        };
        if matches!(entry.kind, ActivityKind::Approved | ActivityKind::Created) {
            sites.extend(entry.rp_id);
        }
    }
    Ok(KnownSites::new(sites))
}

/// Judges `url` against the person's sites in `vault` and the links it opened before; opens
/// nothing. Shared by the session and the CLI when it holds the vault itself.
pub fn judge_link(vault: &Vault, url: &str) -> Result<LinkReport, VaultError> {
    let known = known_sites(vault)?;
    let key = vault.link_key();
    let failed: RefCell<Option<VaultError>> = RefCell::new(None);
    let seen = |fp: &latchkey_magiclink::LinkFingerprint| match vault.link_opened(&fp.0) {
        Ok(seen) => seen,
        Err(e) => {
            *failed.borrow_mut() = Some(e);
            true
        }
    };
    let report = check(url, &known, &key, &seen, SystemTime::now());
    match failed.into_inner() {
        Some(e) => Err(e),
        None => Ok(report),
    }
}

/// Whether a link with `verdict` may open: trusted always; an unknown site only once the person
/// confirmed; a lookalike only with an explicit override (a confirmation is not enough);
/// refused, already-used and expired links never.
pub fn may_open(verdict: Verdict, confirm_unknown: bool, override_lookalike: bool) -> bool {
    match verdict {
        Verdict::Trusted => true,
        Verdict::UnknownSite => confirm_unknown,
        Verdict::Lookalike => override_lookalike,
        Verdict::Refused | Verdict::AlreadyUsed | Verdict::Expired => false,
    }
}

/// After `normalized` was opened: records its keyed fingerprint (so it is "already used" from
/// now on) and a sealed "link-opened" activity entry naming its site, which it returns.
pub fn record_link_opened(
    vault: &Vault,
    normalized: &str,
    door: Door,
) -> Result<Option<String>, VaultError> {
    let fp = fingerprint(&vault.link_key(), normalized);
    vault.record_opened_link(&fp.0, now_unix())?;
    let site = link_site(normalized);
    let entry = ActivityEntry {
        time: now_unix(),
        kind: ActivityKind::LinkOpened,
        rp_id: site.clone(),
        account: None,
        door: door_name(door).to_owned(),
    };
    if let Ok(bytes) = serde_json::to_vec(&entry) {
        // Best effort like every log entry: the link is recorded as used either way.
        let _ = vault.append_log(&bytes);
    }
    Ok(site)
}

impl Session {
    /// How the session opens links that passed (the app's opener, the CLI's, a test's).
    pub fn set_link_opener(&self, opener: Arc<dyn LinkOpener>) {
        *self.links.opener.lock().unwrap() = Some(opener);
    }

    /// Changes how long the "replaces a sign-in link" mark lasts (tests).
    pub fn set_link_mark_window(&self, window: Duration) {
        *self.links.window.lock().unwrap() = Some(window);
    }

    /// Judges `url` against the person's sites and the links opened before; opens nothing.
    /// [`SessionError::Locked`] while locked: without the vault there are no sites to compare.
    pub fn check_link(&self, url: &str) -> Result<LinkReport, SessionError> {
        self.vault_op(|vault| judge_link(vault, url))
    }

    /// Checks `url` and opens it only when it passed: a trusted site; an unknown site when
    /// `confirm_unknown`; a lookalike when `override_lookalike`; never a refused, used or
    /// expired link. What opens is the normalized URL that was checked. After opening, the
    /// link is recorded as used (keyed, sealed), logged ("link-opened"), and its site marked
    /// for the next passkey creation. `opened` in the outcome says whether it opened.
    pub fn open_link(
        &self,
        url: &str,
        door: Door,
        confirm_unknown: bool,
        override_lookalike: bool,
    ) -> Result<LinkOutcome, SessionError> {
        self.touch();
        let _one_at_a_time = self.links.opening.lock().unwrap_or_else(|e| e.into_inner());
        let report = self.check_link(url)?;
        let allowed = may_open(report.verdict, confirm_unknown, override_lookalike);
        let Some(normalized) = report.url.clone().filter(|_| allowed) else {
            return Ok(LinkOutcome {
                report,
                opened: false,
            });
        };
        let opener = self.links.opener.lock().unwrap().clone().ok_or_else(|| {
            SessionError::Invalid(
                "this Latchkey cannot open links (no browser opener is set up); copy the link into your browser yourself".into(),
            )
        })?;
        opener.open(&normalized).map_err(|e| {
            SessionError::Invalid(format!(
                "the link could not be opened in your browser ({e}); nothing was recorded, try again"
            ))
        })?;
        let site = self.vault_op(|v| record_link_opened(v, &normalized, door))?;
        if let Some(site) = site {
            let mut marks = self.links.marks.lock().unwrap();
            marks.retain(|(s, _)| *s != site);
            marks.push((site, Instant::now()));
        }
        Ok(LinkOutcome {
            report,
            opened: true,
        })
    }

    /// Whether a passkey creation for `rp_id` replaces a sign-in link opened for its site
    /// within the mark window.
    pub(crate) fn link_mark_for(&self, rp_id: &str) -> bool {
        let window = self
            .links
            .window
            .lock()
            .unwrap()
            .unwrap_or(LINK_MARK_WINDOW);
        let site = site_of(rp_id);
        let mut marks = self.links.marks.lock().unwrap();
        marks.retain(|(_, at)| at.elapsed() < window);
        marks.iter().any(|(s, _)| *s == site)
    }

    /// A passkey was created for `rp_id`: its site's link is replaced, the mark is done.
    pub(crate) fn clear_link_mark(&self, rp_id: &str) {
        let site = site_of(rp_id);
        self.links.marks.lock().unwrap().retain(|(s, _)| *s != site);
    }

    /// "Use a sign-in link instead" at the prompt `id` (which must be shown and offer it): the
    /// request ends with NotAllowedError, and the main window opens its Sign-in link view.
    pub fn answer_use_link(&self, id: &str) -> Result<(), SessionError> {
        self.touch();
        let prompt = self.prompts.shown(id).ok_or_else(|| {
            SessionError::Invalid("that request is no longer waiting; it may have timed out".into())
        })?;
        if !prompt.use_link {
            return Err(SessionError::Invalid(
                "this request does not offer a sign-in link".into(),
            ));
        }
        self.prompts
            .answer(id, crate::prompts::Answer::UseLink)
            .map_err(SessionError::Invalid)?;
        self.events.show_sign_in_link();
        Ok(())
    }
}
