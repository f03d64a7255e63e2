//! The person's settings, in `settings.json` beside the vault. Nothing in it names a site or an
//! account, so it is kept in clear; it is written atomically (temp file + rename).
//!
//! The security part (auto-lock, how often the OS check runs) carries a MAC keyed from the
//! vault ([`latchkey_vault::Vault::settings_mac`]): a program that can write the data directory
//! but does not hold the vault's key cannot widen it. The theme is outside the MAC, so it can be
//! read and changed while the vault is locked. Values are bounded every time they are read, not
//! only when saved: out of range means the strict default, never a wider window.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Longest auto-lock (minutes).
pub const MAX_AUTO_LOCK_MINUTES: u32 = 24 * 60;
/// Longest time an OS check may be reused (minutes).
pub const MAX_REUSE_MINUTES: u32 = 60;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// Lock after this many idle minutes; 0 = never.
    pub auto_lock_minutes: u32,
    pub verification: VerificationPolicy,
    pub theme: Theme,
    /// "Act as a security key for other programs" (Linux): while unlocked, the app runs the
    /// virtual security key. Off by default, and in files written before it existed. Inside the
    /// MAC, so a program that can only write the data directory cannot turn it on.
    #[serde(default)]
    pub hid_key: bool,
}

/// When the OS check (password / fingerprint) runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum VerificationPolicy {
    /// Before every use of a passkey.
    EveryUse,
    /// A successful check covers further uses for this many minutes.
    Reuse { minutes: u32 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Theme {
    System,
    Light,
    Dark,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            auto_lock_minutes: 15,
            verification: VerificationPolicy::EveryUse,
            theme: Theme::System,
            hid_key: false,
        }
    }
}

/// The MACed part, serialized in a fixed field order so the same values give the same bytes.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SecurityPart<'a> {
    auto_lock_minutes: u32,
    verification: &'a VerificationPolicy,
    /// Left out while off, so the MACs of files written before it existed still match.
    #[serde(skip_serializing_if = "is_false")]
    hid_key: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// `settings.json` as stored: the settings plus the MAC of their security part (hex).
#[derive(Serialize, Deserialize)]
pub(crate) struct Stored {
    #[serde(flatten)]
    pub(crate) settings: Settings,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) mac: Option<String>,
}

impl Settings {
    fn path(data_dir: &Path) -> PathBuf {
        data_dir.join("settings.json")
    }

    /// What is on disk, bounded, MAC not checked: only its theme may be trusted. Defaults when
    /// there is no file or it does not parse (a broken settings file must not keep anyone from
    /// their passkeys).
    pub fn load(data_dir: &Path) -> Settings {
        Self::read_stored(data_dir)
            .map(|s| s.settings.bounded())
            .unwrap_or_default()
    }

    pub(crate) fn read_stored(data_dir: &Path) -> Option<Stored> {
        std::fs::read(Self::path(data_dir))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
    }

    /// Each security field inside its range, or its strict default (EveryUse; 15 minutes).
    pub fn bounded(self) -> Settings {
        let strict = Settings::default();
        let auto_lock_minutes = if self.auto_lock_minutes > MAX_AUTO_LOCK_MINUTES {
            strict.auto_lock_minutes
        } else {
            self.auto_lock_minutes
        };
        let verification = match self.verification {
            VerificationPolicy::Reuse { minutes } if (1..=MAX_REUSE_MINUTES).contains(&minutes) => {
                VerificationPolicy::Reuse { minutes }
            }
            _ => VerificationPolicy::EveryUse,
        };
        Settings {
            auto_lock_minutes,
            verification,
            theme: self.theme,
            hid_key: self.hid_key,
        }
    }

    /// The strict defaults for the security fields, with this theme.
    pub fn strict_with_theme(&self) -> Settings {
        Settings {
            theme: self.theme,
            ..Settings::default()
        }
    }

    /// Rejects values outside their range, with what is allowed.
    pub fn validate(&self) -> Result<(), String> {
        if self.auto_lock_minutes > MAX_AUTO_LOCK_MINUTES {
            return Err("auto-lock can be at most 24 hours".into());
        }
        if let VerificationPolicy::Reuse { minutes } = self.verification {
            if minutes == 0 || minutes > MAX_REUSE_MINUTES {
                return Err("a check can be reused for 1 to 60 minutes".into());
            }
        }
        Ok(())
    }

    /// Whether the security fields equal `other`'s (the theme aside).
    pub fn same_security(&self, other: &Settings) -> bool {
        self.auto_lock_minutes == other.auto_lock_minutes
            && self.verification == other.verification
            && self.hid_key == other.hid_key
    }

    /// Whether `self` protects less than `current`: the OS check reused where it was not, or
    /// for longer; auto-lock later, or turned off.
    pub fn weakens(&self, current: &Settings) -> bool {
        let reuse = |p: &VerificationPolicy| match p {
            VerificationPolicy::EveryUse => 0,
            VerificationPolicy::Reuse { minutes } => *minutes,
        };
        // 0 = never locks: the widest setting.
        let lock = |m: u32| if m == 0 { u32::MAX } else { m };
        reuse(&self.verification) > reuse(&current.verification)
            || lock(self.auto_lock_minutes) > lock(current.auto_lock_minutes)
    }

    /// The bytes the MAC covers.
    pub(crate) fn security_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(&SecurityPart {
            auto_lock_minutes: self.auto_lock_minutes,
            verification: &self.verification,
            hid_key: self.hid_key,
        })
        .unwrap_or_default()
    }

    /// Writes atomically, with `mac` (hex) over the security part when the vault is open.
    pub(crate) fn write(&self, data_dir: &Path, mac: Option<String>) -> Result<(), String> {
        // Settings may be saved before the first unlock created the vault's directory.
        std::fs::create_dir_all(data_dir)
            .map_err(|e| format!("could not save the settings: {e}"))?;
        let tmp = data_dir.join("settings.json.tmp");
        let stored = Stored {
            settings: self.clone(),
            mac,
        };
        let bytes = serde_json::to_vec_pretty(&stored).map_err(|e| e.to_string())?;
        std::fs::write(&tmp, bytes)
            .and_then(|_| std::fs::rename(&tmp, Self::path(data_dir)))
            .map_err(|e| format!("could not save the settings: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Files written before the security key setting existed keep their MAC: with the key off,
    /// the MAC'd bytes are what they were.
    #[test]
    fn the_security_part_is_unchanged_while_the_key_is_off() {
        let s = Settings::default();
        assert_eq!(
            String::from_utf8(s.security_bytes()).unwrap(),
            r#"{"autoLockMinutes":15,"verification":{"kind":"every-use"}}"#
        );
        let on = Settings {
            hid_key: true,
            ..Settings::default()
        };
        assert_ne!(on.security_bytes(), s.security_bytes());
        assert!(!on.same_security(&s));
        let old: Settings = serde_json::from_str(
            r#"{"autoLockMinutes":5,"verification":{"kind":"every-use"},"theme":"dark"}"#,
        )
        .unwrap();
        assert!(!old.hid_key, "off in files written before it existed");
    }
}
