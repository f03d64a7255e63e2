//! Where browsers look for native messaging hosts, and the manifest that lets the Latchkey
//! extension (and only it) start `latchkey-browser-host`. Used by `latchkey browser
//! install|uninstall|status`.
//!
//! Per-user locations (browser docs; KeePassXC's and Bitwarden's installers agree):
//! Chromium-family browsers read `<user data dir>/NativeMessagingHosts/` (Linux: under
//! `$XDG_CONFIG_HOME`, default `~/.config`; macOS: `~/Library/Application Support`); Firefox
//! reads `~/.mozilla/native-messaging-hosts/` (Linux; not the XDG folder) or
//! `~/Library/Application Support/Mozilla/NativeMessagingHosts/` (macOS). On Windows each
//! browser finds the manifest through a registry key under HKCU whose default value is the
//! manifest's path.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

/// The host's name, as the extension calls `connectNative` with it.
pub const HOST_NAME: &str = "dev.latchkey.browser";
/// The host binary's file name; it is installed next to `latchkey`.
pub const HOST_BINARY: &str = "latchkey-browser-host";
/// The Chromium extension's origin: its id is pinned by the manifest's `key`.
pub const CHROMIUM_EXTENSION_ORIGIN: &str = "chrome-extension://lhfkhicehafdiagdfefmgeeaigbifelp/";
/// The Firefox add-on's id (`browser_specific_settings.gecko.id`).
pub const FIREFOX_EXTENSION_ID: &str = "browser@latchkey.dev";

/// The manifest's file name.
pub fn manifest_file_name() -> String {
    format!("{HOST_NAME}.json")
}

#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("cannot find your home directory (HOME is not set); set HOME and try again")]
    NoHome,
    #[error("the browser host {} is missing; build it: cargo build -p latchkey-browser-host (or reinstall Latchkey)", .0.display())]
    HostMissing(PathBuf),
    #[error("cannot tell where this latchkey binary is ({0}), so not where the browser host is")]
    NoExe(std::io::Error),
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot remove {}: {source}", path.display())]
    Remove {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("left {} alone: {reason}. It is not Latchkey's manifest; remove it yourself if you are sure", path.display())]
    Foreign { path: PathBuf, reason: String },
    #[error("{browser} takes no --user-data-dir (only the Chromium family does)")]
    NoProfiles { browser: &'static str },
    #[error("the registry update failed: {0}")]
    Registry(String),
}

/// A browser Latchkey can be installed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Browser {
    Chromium,
    Chrome,
    Brave,
    Edge,
    Vivaldi,
    Firefox,
}

impl Browser {
    pub const ALL: [Browser; 6] = [
        Browser::Chromium,
        Browser::Chrome,
        Browser::Brave,
        Browser::Edge,
        Browser::Vivaldi,
        Browser::Firefox,
    ];

    /// The name used on the command line.
    pub fn id(self) -> &'static str {
        match self {
            Browser::Chromium => "chromium",
            Browser::Chrome => "chrome",
            Browser::Brave => "brave",
            Browser::Edge => "edge",
            Browser::Vivaldi => "vivaldi",
            Browser::Firefox => "firefox",
        }
    }

    pub fn from_id(id: &str) -> Option<Browser> {
        Browser::ALL.into_iter().find(|b| b.id() == id)
    }

    pub fn is_firefox(self) -> bool {
        self == Browser::Firefox
    }

    /// The browser's own configuration directory (its default user data dir for the Chromium
    /// family, `~/.mozilla` for Firefox): when it exists, the browser has been used here.
    pub fn config_dir(self, env: &Env) -> PathBuf {
        #[cfg(target_os = "macos")]
        {
            let support = env.home.join("Library/Application Support");
            support.join(match self {
                Browser::Chromium => "Chromium",
                Browser::Chrome => "Google/Chrome",
                Browser::Brave => "BraveSoftware/Brave-Browser",
                Browser::Edge => "Microsoft Edge",
                Browser::Vivaldi => "Vivaldi",
                Browser::Firefox => "Mozilla",
            })
        }
        #[cfg(not(target_os = "macos"))]
        {
            if self.is_firefox() {
                return env.home.join(".mozilla");
            }
            env.config_home.join(match self {
                Browser::Chromium => "chromium",
                Browser::Chrome => "google-chrome",
                Browser::Brave => "BraveSoftware/Brave-Browser",
                Browser::Edge => "microsoft-edge",
                Browser::Vivaldi => "vivaldi",
                Browser::Firefox => unreachable!("handled above"),
            })
        }
    }

    /// Where this browser looks for per-user host manifests.
    pub fn manifest_dir(self, env: &Env) -> PathBuf {
        if self.is_firefox() {
            #[cfg(target_os = "macos")]
            return self.config_dir(env).join("NativeMessagingHosts");
            #[cfg(not(target_os = "macos"))]
            return self.config_dir(env).join("native-messaging-hosts");
        }
        self.config_dir(env).join("NativeMessagingHosts")
    }
}

impl std::fmt::Display for Browser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// The parts of the environment the locations depend on (read once, passed around so tests
/// and the CLI agree on them).
#[derive(Debug, Clone)]
pub struct Env {
    pub home: PathBuf,
    /// `$XDG_CONFIG_HOME` when set to an absolute path, else `~/.config` (what Chromium uses).
    pub config_home: PathBuf,
}

impl Env {
    pub fn from_process() -> Result<Env, InstallError> {
        let home = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from)
            .ok_or(InstallError::NoHome)?;
        let config_home = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .unwrap_or_else(|| home.join(".config"));
        Ok(Env { home, config_home })
    }
}

/// One place a manifest goes: a browser's per-user directory, or one Chromium profile's
/// (`--user-data-dir`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub browser: Browser,
    /// The manifest's directory.
    pub dir: PathBuf,
    /// The browser's config dir, whose absence means "browser not found"; `None` for a profile
    /// named on the command line.
    pub browser_dir: Option<PathBuf>,
}

impl Target {
    pub fn default_for(browser: Browser, env: &Env) -> Target {
        Target {
            browser,
            dir: browser.manifest_dir(env),
            browser_dir: Some(browser.config_dir(env)),
        }
    }

    /// A Chromium-family profile directory (`chromium --user-data-dir=DIR`).
    pub fn profile(browser: Browser, user_data_dir: &Path) -> Result<Target, InstallError> {
        if browser.is_firefox() {
            return Err(InstallError::NoProfiles {
                browser: browser.id(),
            });
        }
        Ok(Target {
            browser,
            dir: absolute(user_data_dir).join("NativeMessagingHosts"),
            browser_dir: None,
        })
    }

    pub fn manifest_path(&self) -> PathBuf {
        self.dir.join(manifest_file_name())
    }

    /// Whether the browser has been used here (always true for a named profile).
    pub fn browser_found(&self) -> bool {
        self.browser_dir.as_deref().is_none_or(Path::is_dir)
    }
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// `latchkey-browser-host` next to the running executable (how the packages and the dev tree
/// lay them out), resolved to an absolute path; an error saying how to get it when missing.
pub fn host_next_to_current_exe() -> Result<PathBuf, InstallError> {
    let exe = std::env::current_exe().map_err(InstallError::NoExe)?;
    let host = exe
        .parent()
        .map(|d| d.join(HOST_BINARY))
        .ok_or_else(|| InstallError::HostMissing(PathBuf::from(HOST_BINARY)))?;
    match host.canonicalize() {
        Ok(p) if p.is_file() => Ok(p),
        _ => Err(InstallError::HostMissing(host)),
    }
}

/// The manifest for `browser` pointing at `host`.
pub fn manifest(browser: Browser, host: &Path) -> Value {
    let mut m = json!({
        "name": HOST_NAME,
        "description": "Latchkey: passkeys on this PC (relays the Latchkey extension to the Latchkey app)",
        "path": host.to_string_lossy(),
        "type": "stdio",
    });
    if browser.is_firefox() {
        m["allowed_extensions"] = json!([FIREFOX_EXTENSION_ID]);
    } else {
        m["allowed_origins"] = json!([CHROMIUM_EXTENSION_ORIGIN]);
    }
    m
}

/// What was done by [`install`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Installed {
    Created,
    /// The same manifest was already there; it was written again anyway.
    Unchanged,
    /// An older manifest of ours (another path) was replaced.
    Updated,
}

/// Writes the manifest for `target` pointing at `host`: atomically (a temporary file in the
/// same directory, then a rename, so a browser never reads half a manifest), mode 0644
/// (browsers refuse nothing else, and it holds no secret).
pub fn install(target: &Target, host: &Path) -> Result<Installed, InstallError> {
    let path = target.manifest_path();
    let mut body = serde_json::to_vec_pretty(&manifest(target.browser, host)).expect("plain JSON");
    body.push(b'\n');
    let before = fs::read(&path).ok();
    let outcome = match &before {
        None => Installed::Created,
        Some(old) if old.as_slice() == body.as_slice() => Installed::Unchanged,
        Some(_) => Installed::Updated,
    };
    let write_err = |source| InstallError::Write {
        path: path.clone(),
        source,
    };
    fs::create_dir_all(&target.dir).map_err(write_err)?;
    let tmp = target.dir.join(format!(
        ".{}.{}.tmp",
        manifest_file_name(),
        std::process::id()
    ));
    let written = (|| {
        let mut f = fs::File::create(&tmp)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(fs::Permissions::from_mode(0o644))?;
        }
        f.write_all(&body)?;
        f.sync_all()?;
        fs::rename(&tmp, &path)
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(write_err(e));
    }
    windows::register(target, &path)?;
    Ok(outcome)
}

/// What was done by [`uninstall`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uninstalled {
    Removed,
    NotInstalled,
}

/// Removes the manifest for `target`, but only when it is Latchkey's (it names our host and
/// our binary): a file someone else put there under our name is reported, never deleted.
pub fn uninstall(target: &Target) -> Result<Uninstalled, InstallError> {
    let path = target.manifest_path();
    let text = match fs::read(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            windows::unregister(target)?;
            return Ok(Uninstalled::NotInstalled);
        }
        Err(e) => return Err(InstallError::Remove { path, source: e }),
    };
    if let Err(reason) = ours(&text) {
        return Err(InstallError::Foreign { path, reason });
    }
    fs::remove_file(&path).map_err(|source| InstallError::Remove {
        path: path.clone(),
        source,
    })?;
    windows::unregister(target)?;
    Ok(Uninstalled::Removed)
}

/// Whether a manifest's bytes are Latchkey's: JSON naming [`HOST_NAME`] with a `path` whose file
/// name is [`HOST_BINARY`]. The error says why not.
fn ours(text: &[u8]) -> Result<PathBuf, String> {
    let m: Value =
        serde_json::from_slice(text).map_err(|e| format!("it is not valid JSON ({e})"))?;
    if m.get("name").and_then(Value::as_str) != Some(HOST_NAME) {
        return Err(format!("it does not name the host {HOST_NAME}"));
    }
    let path = m
        .get("path")
        .and_then(Value::as_str)
        .map(PathBuf::from)
        .ok_or("it has no \"path\"")?;
    if path.file_name().and_then(|n| n.to_str()) != Some(HOST_BINARY) {
        return Err(format!("its host is {}, not {HOST_BINARY}", path.display()));
    }
    Ok(path)
}

/// What `status` finds for one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// No manifest, and the browser's config dir does not exist either.
    BrowserNotFound,
    NotInstalled,
    Installed {
        host: PathBuf,
        /// Whether that host binary exists (a moved or deleted build leaves it dangling).
        host_exists: bool,
    },
    /// A manifest with our name that is not valid JSON or not ours.
    Unusable {
        reason: String,
    },
}

impl State {
    pub fn id(&self) -> &'static str {
        match self {
            State::BrowserNotFound => "browser-not-found",
            State::NotInstalled => "not-installed",
            State::Installed { .. } => "installed",
            State::Unusable { .. } => "unusable",
        }
    }
}

/// The state of `target`'s manifest.
pub fn status(target: &Target) -> State {
    match fs::read(target.manifest_path()) {
        Ok(text) => match ours(&text) {
            Ok(host) => State::Installed {
                host_exists: host.is_file(),
                host,
            },
            Err(reason) => State::Unusable { reason },
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if target.browser_found() {
                State::NotInstalled
            } else {
                State::BrowserNotFound
            }
        }
        Err(e) => State::Unusable {
            reason: format!("it cannot be read ({e})"),
        },
    }
}

/// Windows finds manifests through the registry, not a directory: HKCU keys whose default
/// value is the manifest's path, set with `reg.exe` (no registry crate needed). Elsewhere these
/// do nothing.
mod windows {
    use super::{InstallError, Target};
    use std::path::Path;

    #[cfg(windows)]
    fn key(target: &Target) -> String {
        use super::{Browser, HOST_NAME};
        let base = match target.browser {
            Browser::Chromium => r"Software\Chromium",
            Browser::Chrome => r"Software\Google\Chrome",
            Browser::Brave => r"Software\BraveSoftware\Brave-Browser",
            Browser::Edge => r"Software\Microsoft\Edge",
            Browser::Vivaldi => r"Software\Vivaldi",
            Browser::Firefox => r"Software\Mozilla",
        };
        format!(r"HKCU\{base}\NativeMessagingHosts\{HOST_NAME}")
    }

    #[cfg(windows)]
    fn reg(args: &[&str]) -> Result<(), InstallError> {
        let out = std::process::Command::new("reg.exe")
            .args(args)
            .output()
            .map_err(|e| InstallError::Registry(e.to_string()))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(InstallError::Registry(
                String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            ))
        }
    }

    #[cfg(windows)]
    pub fn register(target: &Target, manifest: &Path) -> Result<(), InstallError> {
        if target.browser_dir.is_none() {
            // A named profile directory is found by the browser without the registry.
            return Ok(());
        }
        let manifest = manifest.to_string_lossy();
        reg(&[
            "add",
            &key(target),
            "/ve",
            "/t",
            "REG_SZ",
            "/d",
            &manifest,
            "/f",
        ])
    }

    #[cfg(windows)]
    pub fn unregister(target: &Target) -> Result<(), InstallError> {
        if target.browser_dir.is_none() {
            return Ok(());
        }
        // Absent already is fine: reg.exe fails then, and there is nothing to undo.
        let _ = reg(&["delete", &key(target), "/f"]);
        Ok(())
    }

    #[cfg(not(windows))]
    pub fn register(_target: &Target, _manifest: &Path) -> Result<(), InstallError> {
        Ok(())
    }

    #[cfg(not(windows))]
    pub fn unregister(_target: &Target) -> Result<(), InstallError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(home: &Path) -> Env {
        Env {
            home: home.to_path_buf(),
            config_home: home.join(".config"),
        }
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn linux_locations_follow_the_browsers_docs() {
        let e = env(Path::new("/home/a"));
        let dir = |b: Browser| b.manifest_dir(&e);
        assert_eq!(
            dir(Browser::Chromium),
            Path::new("/home/a/.config/chromium/NativeMessagingHosts")
        );
        assert_eq!(
            dir(Browser::Chrome),
            Path::new("/home/a/.config/google-chrome/NativeMessagingHosts")
        );
        assert_eq!(
            dir(Browser::Brave),
            Path::new("/home/a/.config/BraveSoftware/Brave-Browser/NativeMessagingHosts")
        );
        assert_eq!(
            dir(Browser::Edge),
            Path::new("/home/a/.config/microsoft-edge/NativeMessagingHosts")
        );
        assert_eq!(
            dir(Browser::Vivaldi),
            Path::new("/home/a/.config/vivaldi/NativeMessagingHosts")
        );
        assert_eq!(
            dir(Browser::Firefox),
            Path::new("/home/a/.mozilla/native-messaging-hosts")
        );
        let xdg = Env {
            home: "/home/a".into(),
            config_home: "/x".into(),
        };
        assert_eq!(
            Browser::Chromium.manifest_dir(&xdg),
            Path::new("/x/chromium/NativeMessagingHosts")
        );
        assert_eq!(
            Browser::Firefox.manifest_dir(&xdg),
            Path::new("/home/a/.mozilla/native-messaging-hosts"),
            "Firefox does not look in the XDG folder"
        );
    }

    #[test]
    fn manifests_allow_exactly_the_latchkey_extension() {
        let host = Path::new("/opt/latchkey/latchkey-browser-host");
        for b in Browser::ALL {
            let m = manifest(b, host);
            assert_eq!(m["name"], HOST_NAME);
            assert_eq!(m["type"], "stdio");
            assert_eq!(m["path"], "/opt/latchkey/latchkey-browser-host");
            if b.is_firefox() {
                assert_eq!(m["allowed_extensions"], json!(["browser@latchkey.dev"]));
                assert!(m.get("allowed_origins").is_none());
            } else {
                assert_eq!(
                    m["allowed_origins"],
                    json!(["chrome-extension://lhfkhicehafdiagdfefmgeeaigbifelp/"])
                );
                assert!(m.get("allowed_extensions").is_none());
            }
            assert_eq!(Browser::from_id(b.id()), Some(b));
        }
        assert_eq!(Browser::from_id("safari"), None);
    }

    #[test]
    fn only_our_own_manifest_counts_as_ours() {
        let ok = serde_json::to_vec(&manifest(
            Browser::Chromium,
            Path::new("/a/latchkey-browser-host"),
        ))
        .unwrap();
        assert_eq!(ours(&ok).unwrap(), Path::new("/a/latchkey-browser-host"));
        for (text, why) in [
            (&b"{nope"[..], "not valid JSON"),
            (
                br#"{"name":"other.host","path":"/a/latchkey-browser-host"}"#,
                "does not name",
            ),
            (
                br#"{"name":"dev.latchkey.browser","path":"/usr/bin/evil"}"#,
                "its host is",
            ),
            (br#"{"name":"dev.latchkey.browser"}"#, "no \"path\""),
        ] {
            let e = ours(text).unwrap_err();
            assert!(e.contains(why), "{e}");
        }
    }

    #[test]
    fn firefox_has_no_profiles_to_name() {
        assert!(matches!(
            Target::profile(Browser::Firefox, Path::new("/p")),
            Err(InstallError::NoProfiles { .. })
        ));
        let t = Target::profile(Browser::Chromium, Path::new("/p")).unwrap();
        assert_eq!(
            t.manifest_path(),
            Path::new("/p/NativeMessagingHosts/dev.latchkey.browser.json")
        );
        assert!(t.browser_found());
    }
}
