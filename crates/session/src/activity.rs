//! The activity log: every approval, denial, creation, deletion, unlock and lock, with time,
//! site, account and door. Entries are sealed in the vault like passkeys (they name sites).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActivityKind {
    /// A sign-in was approved and signed.
    Approved,
    Denied,
    TimedOut,
    /// A passkey was created.
    Created,
    Deleted,
    /// A deletion asked through the app's socket was refused in the window, or not confirmed
    /// in time: the passkey was kept.
    DeleteRefused,
    /// A deletion was undone.
    Restored,
    Renamed,
    Unlocked,
    Locked,
    /// At unlock, settings.json's security part did not carry the vault's MAC (edited outside
    /// Latchkey, or copied from elsewhere): the strict defaults were put back.
    SettingsReset,
    /// The client withdrew a request while it waited for the person (a page aborted it).
    Cancelled,
    /// The person sent a browser's request to another device or security key.
    AnotherDevice,
    /// A sign-in link passed Latchkey's checks and was opened in the browser (`rp_id` is the
    /// link's site).
    LinkOpened,
    /// A recovery kit was made (when the vault was created, or on request); it retires the
    /// previous one.
    RecoveryKitCreated,
    /// The vault was opened with its recovery key and the data key put back in the keychain.
    Recovered,
    /// Passkeys were imported from a file (`account` carries the summary, no secrets).
    Imported,
    /// Passkeys were exported to a file.
    Exported,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityEntry {
    /// Unix seconds.
    pub time: u64,
    pub kind: ActivityKind,
    pub rp_id: Option<String>,
    pub account: Option<String>,
    /// "app", "cli", "browser", "usb" or "program".
    pub door: String,
}

#[cfg(test)]
mod tests {
    use super::ActivityKind;

    /// The UI and the sealed log read these names; they must stay kebab-case like the others.
    #[test]
    fn new_kinds_serialize_kebab_case() {
        for (kind, name) in [
            (ActivityKind::RecoveryKitCreated, "recovery-kit-created"),
            (ActivityKind::Recovered, "recovered"),
            (ActivityKind::Imported, "imported"),
            (ActivityKind::Exported, "exported"),
        ] {
            assert_eq!(serde_json::to_value(kind).unwrap(), name);
            let back: ActivityKind = serde_json::from_value(name.into()).unwrap();
            assert_eq!(back, kind);
        }
    }
}
