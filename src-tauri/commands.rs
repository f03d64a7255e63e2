//! Commands the UI may invoke (each one granted in capabilities/default.json).

use base64::Engine as _;
use latchkey_vault::{default_data_dir, OsKeychain, PasskeyMeta, Vault};
use serde::Serialize;

/// What the list shows about a passkey: metadata only.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PasskeyView {
    pub id: String,
    pub rp_id: String,
    pub rp_name: Option<String>,
    pub user_name: Option<String>,
    pub user_display_name: Option<String>,
    pub nickname: Option<String>,
    pub created_at: u64,
    pub last_used_at: Option<u64>,
    pub use_count: u64,
    pub algorithm: i64,
}

impl From<&PasskeyMeta> for PasskeyView {
    fn from(m: &PasskeyMeta) -> Self {
        PasskeyView {
            id: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&m.credential_id),
            rp_id: m.rp_id.clone(),
            rp_name: m.rp_name.clone(),
            user_name: m.user_name.clone(),
            user_display_name: m.user_display_name.clone(),
            nickname: m.nickname.clone(),
            created_at: m.created_at,
            last_used_at: m.last_used_at,
            use_count: m.use_count,
            algorithm: m.algorithm,
        }
    }
}

/// Every passkey's metadata, or a message a person can act on.
#[tauri::command]
pub fn list_passkeys() -> Result<Vec<PasskeyView>, String> {
    let dir = default_data_dir().map_err(|e| e.to_string())?;
    let vault = Vault::open(&dir, &OsKeychain::new()).map_err(|e| e.to_string())?;
    let list = vault.list().map_err(|e| e.to_string())?;
    Ok(list.iter().map(PasskeyView::from).collect())
}
