//! The app's [`LinkOpener`]: tauri-plugin-opener's Rust API, which hands a URL to the OS's
//! default browser. That API checks no scope, which is why only the session calls it, and only
//! with the normalized URL of a link that passed latchkey-magiclink's checks. The recovery kit's
//! Print opens the kit page the app itself just wrote (transfer.rs) the same way.

use latchkey_session::LinkOpener;
use tauri::AppHandle;
use tauri_plugin_opener::OpenerExt;

pub struct AppOpener(pub AppHandle);

impl LinkOpener for AppOpener {
    fn open(&self, url: &str) -> Result<(), String> {
        self.0
            .opener()
            .open_url(url, None::<&str>)
            .map_err(|e| e.to_string())
    }
}

/// Opens the recovery kit page in the default browser, where it prints as designed (the app's
/// webview cannot print on Linux: WebKitGTK ignores window.print() there).
pub struct AppPageOpener(pub AppHandle);

impl crate::transfer::PageOpener for AppPageOpener {
    fn open(&self, path: &std::path::Path) -> Result<(), String> {
        self.0
            .opener()
            .open_path(path.to_string_lossy(), None::<&str>)
            .map_err(|e| e.to_string())
    }
}
