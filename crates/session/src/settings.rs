//! The person's settings, in `settings.json` beside the vault. Nothing in it names a site or an
//! account, so it is kept in clear; it is written atomically (temp file + rename).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// Lock after this many idle minutes; 0 = never.
    pub auto_lock_minutes: u32,
    pub verification: VerificationPolicy,
    pub theme: Theme,
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
        }
    }
}

impl Settings {
    fn path(data_dir: &Path) -> PathBuf {
        data_dir.join("settings.json")
    }

    /// The saved settings, or the defaults when there are none or they do not parse (a broken
    /// settings file must not keep anyone from their passkeys).
    pub fn load(data_dir: &Path) -> Settings {
        std::fs::read(Self::path(data_dir))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// Checks the values, then writes atomically.
    pub fn save(&self, data_dir: &Path) -> Result<(), String> {
        if self.auto_lock_minutes > 24 * 60 {
            return Err("auto-lock can be at most 24 hours".into());
        }
        if let VerificationPolicy::Reuse { minutes } = self.verification {
            if minutes == 0 || minutes > 60 {
                return Err("a check can be reused for 1 to 60 minutes".into());
            }
        }
        // Settings may be saved before the first unlock created the vault's directory.
        std::fs::create_dir_all(data_dir)
            .map_err(|e| format!("could not save the settings: {e}"))?;
        let tmp = data_dir.join("settings.json.tmp");
        let bytes = serde_json::to_vec_pretty(self).map_err(|e| e.to_string())?;
        std::fs::write(&tmp, bytes)
            .and_then(|_| std::fs::rename(&tmp, Self::path(data_dir)))
            .map_err(|e| format!("could not save the settings: {e}"))
    }
}
