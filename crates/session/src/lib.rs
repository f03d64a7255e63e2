//! The running app's core, free of Tauri so it can be tested alone: the Tauri shell
//! (`src-tauri/`) only turns these calls into commands and these events into window updates.
//!
//! - [`Session`]: owns the vault while the app runs (lock, unlock, list, rename, delete with
//!   undo), and runs WebAuthn ceremonies for every door;
//! - [`prompts`]: the approval-prompt queue a ceremony waits on; `approver`: what a ceremony
//!   asks there, and what the answer means (OS check, UV, `--account`, no passkey);
//! - [`activity`]: the activity log, sealed in the vault;
//! - `recovery`: the recovery kit (the first one made with the vault, new ones on request)
//!   and recovering a vault whose keychain entry is lost;
//! - `links`: sign-in (magic) links checked against the person's sites, opened only when they
//!   pass, remembered (keyed, sealed) so a second open is "already used";
//! - [`settings`]: auto-lock, verification policy, theme;
//! - `raw_ctap`: raw CTAP2 requests from the virtual security key ([`Session::ctap`]), through
//!   the same prompts, OS check and activity log;
//! - [`hid_door`]: the virtual security key (CTAPHID over `/dev/uhid`) answered through
//!   [`Session::ctap`];
//! - [`bridge_handler`]: answers the CLI and the browser bridge on the app's socket (the
//!   browser door adds cancel, accounts and unlock, an unlock prompt while locked, "use another
//!   device", and "no passkey here" without a prompt);
//! - `transfer`: import (read, preview with duplicates flagged, commit in chunks of whole
//!   passkeys) and export (CXF, age-encrypted by default, behind the OS check);
//! - `os_lock` (Linux): locks when logind says the session locked or the machine sleeps.

pub mod activity;
mod approver;
pub mod bridge_handler;
pub mod events;
pub mod hid_door;
mod links;
#[cfg(target_os = "linux")]
pub mod os_lock;
pub mod prompts;
mod raw_ctap;
mod recovery;
mod session;
pub mod settings;
mod store;
mod transfer;

pub use activity::{ActivityEntry, ActivityKind};
pub use approver::RequestInfo;
pub use events::{NoEvents, SessionEvents};
/// A CTAP client connection's state between its requests (see [`Session::ctap`]).
pub use latchkey_authenticator::CtapState;
/// Which door a request came through (re-exported so the shell needs no authenticator import).
pub use latchkey_authenticator::Door;
pub use latchkey_bridge::PasskeyView;
pub use latchkey_magiclink::{LinkReport, Verdict};
/// The import formats and their errors (re-exported so the shell needs no transfer import).
pub use latchkey_transfer::{Format, FormatChoice, ItemProblem, Parsed, TransferError};
pub use links::{
    judge_link, may_open, record_link_opened, LinkOpener, LinkOutcome, LINK_MARK_WINDOW,
};
pub use prompts::{Answer, Prompt, PromptAccount, PromptOperation};
pub use raw_ctap::HID_MAX_MESSAGE;
pub use recovery::{RecoveryKitView, RecoveryState};
pub use session::{
    passkey_view, Session, SessionError, UndoTicket, VaultStatus, STATS_FLUSH_INTERVAL,
};
pub use settings::{Settings, Theme, VerificationPolicy};
pub use transfer::{
    display_name, import_read, import_read_path, ImportItemView, ImportPreview, ImportProgress,
    ImportStage, ImportSummary, IMPORT_CHUNK, MAX_STAGED, PREVIEW_ITEMS,
};
