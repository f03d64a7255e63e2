//! How passkeys are printed: a table for people, JSON (camelCase, base64url ids) for scripts.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use latchkey_vault::PasskeyMeta;
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

/// The account as a person knows it.
pub fn account(m: &PasskeyMeta) -> &str {
    m.user_name
        .as_deref()
        .or(m.user_display_name.as_deref())
        .unwrap_or("(unnamed account)")
}

pub fn to_json(m: &PasskeyMeta) -> serde_json::Value {
    json!({
        "id": b64(&m.credential_id),
        "rpId": m.rp_id,
        "rpName": m.rp_name,
        "userName": m.user_name,
        "userDisplayName": m.user_display_name,
        "userHandle": b64(&m.user_handle),
        "nickname": m.nickname,
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
                m.rp_id.clone(),
                account(m).to_owned(),
                m.nickname.clone().unwrap_or_default(),
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
    let mut lines = vec![
        (
            "Site",
            match &m.rp_name {
                Some(n) if n != &m.rp_id => format!("{} ({n})", m.rp_id),
                _ => m.rp_id.clone(),
            },
        ),
        ("Account", account(m).to_owned()),
    ];
    if let Some(d) = &m.user_display_name {
        lines.push(("Display name", d.clone()));
    }
    if let Some(n) = &m.nickname {
        lines.push(("Nickname", n.clone()));
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
