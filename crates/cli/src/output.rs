//! How passkeys are printed: a table for people, JSON (camelCase, base64url ids) for scripts.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use latchkey_vault::{
    sanitize_name, sanitize_opt, PasskeyMeta, DISPLAY_NAME_MAX_CHARS, NICKNAME_MAX_CHARS,
    RP_ID_MAX_CHARS, RP_NAME_MAX_CHARS, USER_NAME_MAX_CHARS,
};
use serde_json::json;

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn time(unix: u64) -> String {
    i64::try_from(unix)
        .ok()
        .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| unix.to_string())
}

/// Every name of a passkey, cleaned and capped for printing. Why again, when the vault already
/// cleans on store: a vault written by an older version, or a record that came through the
/// app's socket, may hold anything, and these strings go straight to a terminal.
pub struct Names {
    pub rp_id: String,
    pub rp_name: Option<String>,
    pub user_name: Option<String>,
    pub user_display_name: Option<String>,
    pub nickname: Option<String>,
}

pub fn names(m: &PasskeyMeta) -> Names {
    Names {
        rp_id: sanitize_name(&m.rp_id, RP_ID_MAX_CHARS),
        rp_name: sanitize_opt(m.rp_name.as_deref(), RP_NAME_MAX_CHARS),
        user_name: sanitize_opt(m.user_name.as_deref(), USER_NAME_MAX_CHARS),
        user_display_name: sanitize_opt(m.user_display_name.as_deref(), DISPLAY_NAME_MAX_CHARS),
        nickname: sanitize_opt(m.nickname.as_deref(), NICKNAME_MAX_CHARS),
    }
}

/// The site (its RP ID), safe to print.
pub fn site(m: &PasskeyMeta) -> String {
    sanitize_name(&m.rp_id, RP_ID_MAX_CHARS)
}

/// The account as a person knows it, safe to print.
pub fn account(m: &PasskeyMeta) -> String {
    let n = names(m);
    n.user_name
        .filter(|s| !s.is_empty())
        .or(n.user_display_name.filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "(unnamed account)".into())
}

pub fn to_json(m: &PasskeyMeta) -> serde_json::Value {
    let n = names(m);
    json!({
        "id": b64(&m.credential_id),
        "rpId": n.rp_id,
        "rpName": n.rp_name,
        "userName": n.user_name,
        "userDisplayName": n.user_display_name,
        "userHandle": b64(&m.user_handle),
        "nickname": n.nickname,
        "algorithm": latchkey_vault::alg::name(m.algorithm),
        "signCount": m.sign_count,
        "createdAt": time(m.created_at),
        "lastUsedAt": m.last_used_at.map(time),
        "useCount": m.use_count,
        "credProtect": m.cred_protect,
        "backupEligible": m.backup_eligible,
        "backupState": m.backup_state,
    })
}

/// A table sorted by site then account; ids shortened to what is unique enough to type.
pub fn table(items: &[PasskeyMeta]) -> String {
    let rows: Vec<[String; 5]> = items
        .iter()
        .map(|m| {
            let id = b64(&m.credential_id);
            [
                id.chars().take(10).collect(),
                site(m),
                account(m),
                names(m).nickname.unwrap_or_default(),
                m.last_used_at.map(time).unwrap_or_else(|| "never".into()),
            ]
        })
        .collect();
    let header = ["ID", "SITE", "ACCOUNT", "NICKNAME", "LAST USED"].map(String::from);
    let mut widths = header.clone().map(|h| h.chars().count());
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    for r in std::iter::once(&header).chain(&rows) {
        let line: Vec<String> = r
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

pub fn details(m: &PasskeyMeta) -> String {
    let n = names(m);
    let mut lines = vec![
        (
            "Site",
            match &n.rp_name {
                Some(name) if name != &n.rp_id && !name.is_empty() => {
                    format!("{} ({name})", n.rp_id)
                }
                _ => n.rp_id.clone(),
            },
        ),
        ("Account", account(m)),
    ];
    if let Some(d) = n.user_display_name {
        lines.push(("Display name", d));
    }
    if let Some(nick) = n.nickname {
        lines.push(("Nickname", nick));
    }
    lines.extend([
        ("Credential ID", b64(&m.credential_id)),
        (
            "Algorithm",
            latchkey_vault::alg::name(m.algorithm).to_owned(),
        ),
        ("Created", time(m.created_at)),
        (
            "Last used",
            m.last_used_at.map(time).unwrap_or_else(|| "never".into()),
        ),
        ("Uses", m.use_count.to_string()),
        ("Signature counter", m.sign_count.to_string()),
        (
            "Backup",
            format!(
                "{}, {}",
                if m.backup_eligible {
                    "eligible"
                } else {
                    "not eligible"
                },
                if m.backup_state {
                    "backed up"
                } else {
                    "not backed up"
                }
            ),
        ),
    ]);
    lines
        .iter()
        .map(|(k, v)| format!("{:<18} {v}\n", format!("{k}:")))
        .collect()
}
