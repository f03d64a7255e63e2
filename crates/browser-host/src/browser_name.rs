//! Which browser started this host, for the prompt ("Firefox wants to use a passkey for …").
//! The browser starts its native messaging hosts itself, so the parent process's executable
//! names it. The name comes from the kernel, never from a frame: a page (or an extension) cannot
//! make the prompt claim another browser.

use std::path::Path;

/// What the prompt says when the parent is no browser this knows.
pub const UNKNOWN_BROWSER: &str = "a browser";

/// The display name for a browser executable's file name (`/proc/<ppid>/exe`'s last part).
/// Debian's and the vendors' packages name them `chromium`, `chrome`, `firefox-esr`,
/// `firefox-bin`, `brave`, `msedge`, `vivaldi-bin`, …; a binary replaced on disk by an update
/// reads "name (deleted)".
pub fn display_name(file_name: &str) -> &'static str {
    let name = file_name.strip_suffix(" (deleted)").unwrap_or(file_name);
    let name = name
        .strip_suffix(".exe")
        .unwrap_or(name)
        .to_ascii_lowercase();
    match name.as_str() {
        "chromium" | "chromium-browser" | "chromium-freeworld" => "Chromium",
        "chrome" | "google-chrome" | "google-chrome-stable" | "google chrome" => "Google Chrome",
        "firefox" | "firefox-esr" | "firefox-bin" | "firefox-developer-edition" => "Firefox",
        "librewolf" => "LibreWolf",
        "brave" | "brave-browser" => "Brave",
        "msedge" | "microsoft-edge" | "microsoft edge" => "Microsoft Edge",
        "vivaldi" | "vivaldi-bin" => "Vivaldi",
        _ => UNKNOWN_BROWSER,
    }
}

/// The display name for the executable at `exe`.
pub fn display_name_of(exe: &Path) -> &'static str {
    exe.file_name()
        .and_then(|n| n.to_str())
        .map_or(UNKNOWN_BROWSER, display_name)
}

/// The browser that started this process: its parent's executable (Linux: `/proc/<ppid>/exe`).
/// [`UNKNOWN_BROWSER`] when it cannot be read or is no browser this knows.
pub fn parent_browser() -> &'static str {
    #[cfg(target_os = "linux")]
    {
        let ppid = std::os::unix::process::parent_id();
        match std::fs::read_link(format!("/proc/{ppid}/exe")) {
            Ok(exe) => display_name_of(&exe),
            Err(_) => UNKNOWN_BROWSER,
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        UNKNOWN_BROWSER
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_executables_get_their_display_names() {
        for (exe, name) in [
            ("/usr/lib/chromium/chromium", "Chromium"),
            ("/usr/lib/chromium-browser/chromium-browser", "Chromium"),
            ("/opt/google/chrome/chrome", "Google Chrome"),
            ("/usr/lib/firefox-esr/firefox-esr", "Firefox"),
            ("/usr/lib/firefox/firefox", "Firefox"),
            ("/opt/firefox/firefox-bin", "Firefox"),
            ("/opt/brave.com/brave/brave", "Brave"),
            ("/opt/microsoft/msedge/msedge", "Microsoft Edge"),
            ("/opt/vivaldi/vivaldi-bin", "Vivaldi"),
            ("/usr/lib/chromium/chromium (deleted)", "Chromium"),
            ("/usr/bin/bash", UNKNOWN_BROWSER),
            ("/usr/bin/chromium-evil", UNKNOWN_BROWSER),
            ("/", UNKNOWN_BROWSER),
        ] {
            assert_eq!(display_name_of(Path::new(exe)), name, "{exe}");
        }
        assert_eq!(display_name("msedge.exe"), "Microsoft Edge");
        assert_eq!(display_name("Firefox"), "Firefox");
    }

    #[test]
    fn a_test_runner_is_no_browser() {
        // The parent of this test process is cargo or a shell, not a browser.
        assert_eq!(parent_browser(), UNKNOWN_BROWSER);
    }
}
