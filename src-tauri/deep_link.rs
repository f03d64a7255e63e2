//! `latchkey://open?url=<percent-encoded link>`: how a mail client, a script or the e2e test
//! hands a sign-in link to Latchkey (`xdg-open 'latchkey://open?url=…'`). The running app gets
//! it through tauri-plugin-deep-link (a second launch is folded into the first by
//! single-instance's `deep-link` feature), shows the main window's Sign-in link view with the
//! link filled in and checked, and opens nothing by itself: the person presses Open.
//!
//! Anyone can craft such a URL (or pass one as a command-line argument), so its shape is
//! checked strictly before the link inside it is even looked at: scheme `latchkey`, host
//! `open`, no user, port, path or fragment, exactly one query parameter `url`, whose value is
//! one http(s) URL of bounded length. Everything else is refused with a reason.

use std::sync::Mutex;

use tauri::{AppHandle, Emitter, Manager, Runtime};

/// The scheme registered for Latchkey (tauri.conf.json > plugins > deep-link).
pub const SCHEME: &str = "latchkey";

/// The longest link taken from a deep link; a sign-in link is a few hundred bytes.
pub const MAX_LINK_BYTES: usize = 4096;

/// Why a deep link was not taken.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum DeepLinkError {
    #[error("not a Latchkey link: it must look like latchkey://open?url=<the sign-in link>")]
    Shape,
    #[error("the Latchkey link must carry exactly one url= parameter")]
    Parameters,
    #[error("the link inside the Latchkey link is empty, too long, or not an http(s) address")]
    Inner,
}

/// The sign-in link carried by a deep link, or why it is not taken. Checks only the shape;
/// the link itself is judged by the session (latchkey-magiclink) like a pasted one.
pub fn link_from_deep_link(deep_link: &str) -> Result<String, DeepLinkError> {
    let parsed = url::Url::parse(deep_link).map_err(|_| DeepLinkError::Shape)?;
    if parsed.scheme() != SCHEME
        || parsed.host_str() != Some("open")
        || !parsed.username().is_empty()
        || parsed.password().is_some()
        || parsed.port().is_some()
        || !matches!(parsed.path(), "" | "/")
        || parsed.fragment().is_some()
    {
        return Err(DeepLinkError::Shape);
    }
    let mut pairs = parsed.query_pairs();
    let (Some((key, value)), None) = (pairs.next(), pairs.next()) else {
        return Err(DeepLinkError::Parameters);
    };
    if key != "url" {
        return Err(DeepLinkError::Parameters);
    }
    let link = value.into_owned();
    let lower = link.to_ascii_lowercase();
    if link.is_empty()
        || link.len() > MAX_LINK_BYTES
        || !(lower.starts_with("https://") || lower.starts_with("http://"))
    {
        return Err(DeepLinkError::Inner);
    }
    Ok(link)
}

/// What the Sign-in link view should show next: a link that came in while the window was not
/// listening yet (the app was started by the deep link), taken once by the view.
#[derive(Default)]
pub struct PendingLink(pub Mutex<Option<String>>);

/// The event the main window hears: payload the link to check (or null: just open the view).
pub const SHOW_LINK_EVENT: &str = "show-sign-in-link";

/// A deep link arrived: a good one is kept for the view and the view is brought up with it;
/// a bad one brings the view up empty with nothing kept (the reason goes to stderr, not to a
/// window: a crafted link must not be able to put words in front of the person).
pub fn received<R: Runtime>(app: &AppHandle<R>, deep_link: &str) {
    match link_from_deep_link(deep_link) {
        Ok(link) => {
            // Never the link itself: it is a bearer token.
            eprintln!("latchkey: a sign-in link arrived through latchkey://; showing it in the Sign-in link view");
            if let Some(p) = app.try_state::<PendingLink>() {
                *p.0.lock().unwrap() = Some(link.clone());
            }
            let _ = app.emit(SHOW_LINK_EVENT, Some(link));
        }
        Err(e) => {
            eprintln!("latchkey: ignored a latchkey:// link ({e})");
            let _ = app.emit(SHOW_LINK_EVENT, None::<String>);
        }
    }
}

/// Listens for deep links, takes the one the app was started with, and (Linux) registers the
/// scheme for this executable, so `xdg-open latchkey://…` reaches it even when it was not
/// installed by a package (a development build, an AppImage that moved). The registration runs
/// `update-desktop-database` and `xdg-mime`, so it happens off the start-up path: the window
/// does not wait for it.
pub fn start(app: &AppHandle) {
    use tauri_plugin_deep_link::DeepLinkExt;
    #[cfg(target_os = "linux")]
    {
        let handle = app.clone();
        std::thread::spawn(move || match handle.deep_link().register_all() {
            Ok(()) => unquote_handler_exec(),
            Err(e) => {
                eprintln!("latchkey: could not register latchkey:// links with the desktop ({e})")
            }
        });
    }
    let handle = app.clone();
    app.deep_link().on_open_url(move |event| {
        for url in event.urls() {
            received(&handle, url.as_str());
        }
        crate::windows::show_main(&handle);
    });
    if let Ok(Some(urls)) = app.deep_link().get_current() {
        for url in urls {
            received(app, url.as_str());
        }
    }
}

/// The Exec line register_all() writes quotes the executable (`Exec="/path/app" %u`), which the
/// launcher inside xdg-open (xdg-utils 1.1, used outside a full desktop environment) takes
/// literally and cannot start: `xdg-open latchkey://…` then fails. For a path that needs no
/// quoting the quotes are dropped, so both kinds of launcher start it.
#[cfg(target_os = "linux")]
fn unquote_handler_exec() {
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let (Some(stem), Some(exe)) = (exe.file_stem().and_then(|s| s.to_str()), exe.to_str()) else {
        return;
    };
    let data_home = std::env::var_os("XDG_DATA_HOME")
        .filter(|d| !d.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".local/share"))
        });
    let Some(data_home) = data_home else {
        return;
    };
    let file = data_home
        .join("applications")
        .join(format!("{stem}-handler.desktop"));
    let Ok(text) = std::fs::read_to_string(&file) else {
        return;
    };
    if let Some(fixed) = unquoted_exec(&text, exe) {
        let tmp = file.with_extension("desktop.tmp");
        if std::fs::write(&tmp, fixed)
            .and_then(|_| std::fs::rename(&tmp, &file))
            .is_err()
        {
            eprintln!("latchkey: could not adjust {}", file.display());
        }
    }
}

/// `text` with `Exec="<exe>" %u` turned into `Exec=<exe> %u` when `exe` needs no quoting;
/// None when there is nothing to change.
pub fn unquoted_exec(text: &str, exe: &str) -> Option<String> {
    let plain = !exe.is_empty()
        && exe
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._+-".contains(c));
    let quoted = format!("Exec=\"{exe}\" ");
    if !plain || !text.lines().any(|l| l.starts_with(&quoted)) {
        return None;
    }
    Some(
        text.lines()
            .map(|l| match l.strip_prefix(&quoted) {
                Some(rest) => format!("Exec={exe} {rest}"),
                None => l.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("\n")
            + "\n",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_executable_path_loses_its_quotes_and_an_odd_one_keeps_them() {
        let written = "[Desktop Entry]\nType=Application\nName=Latchkey\nExec=\"/opt/lk/latchkey-app\" %u\nMimeType=x-scheme-handler/latchkey\n";
        let fixed = unquoted_exec(written, "/opt/lk/latchkey-app").unwrap();
        assert!(
            fixed.contains("\nExec=/opt/lk/latchkey-app %u\n"),
            "{fixed}"
        );
        assert!(fixed.contains("MimeType=x-scheme-handler/latchkey"));
        assert_eq!(
            unquoted_exec(&fixed, "/opt/lk/latchkey-app"),
            None,
            "nothing left to do"
        );
        let odd = written.replace("/opt/lk/", "/opt/my apps/");
        assert_eq!(unquoted_exec(&odd, "/opt/my apps/latchkey-app"), None);
    }

    #[test]
    fn only_the_exact_shape_is_taken() {
        assert_eq!(
            link_from_deep_link(
                "latchkey://open?url=https%3A%2F%2Fexample.com%2Flink%2Fabc%3Fa%3D1%26b%3D2"
            ),
            Ok("https://example.com/link/abc?a=1&b=2".to_owned())
        );
        assert_eq!(
            link_from_deep_link("latchkey://open/?url=http%3A%2F%2Flocalhost%3A8080%2Flink%2Fx"),
            Ok("http://localhost:8080/link/x".to_owned())
        );
        for (bad, why) in [
            (
                "https://open?url=https%3A%2F%2Fa.example",
                DeepLinkError::Shape,
            ),
            (
                "latchkey://close?url=https%3A%2F%2Fa.example",
                DeepLinkError::Shape,
            ),
            (
                "latchkey://user@open?url=https%3A%2F%2Fa.example",
                DeepLinkError::Shape,
            ),
            (
                "latchkey://open:99?url=https%3A%2F%2Fa.example",
                DeepLinkError::Shape,
            ),
            (
                "latchkey://open/x?url=https%3A%2F%2Fa.example",
                DeepLinkError::Shape,
            ),
            (
                "latchkey://open?url=https%3A%2F%2Fa.example#frag",
                DeepLinkError::Shape,
            ),
            (
                "latchkey:open?url=https%3A%2F%2Fa.example",
                DeepLinkError::Shape,
            ),
            ("not a url", DeepLinkError::Shape),
            ("latchkey://open", DeepLinkError::Parameters),
            (
                "latchkey://open?link=https%3A%2F%2Fa.example",
                DeepLinkError::Parameters,
            ),
            (
                "latchkey://open?url=https%3A%2F%2Fa.example&url=https%3A%2F%2Fb.example",
                DeepLinkError::Parameters,
            ),
            (
                "latchkey://open?url=https%3A%2F%2Fa.example&next=x",
                DeepLinkError::Parameters,
            ),
            ("latchkey://open?url=", DeepLinkError::Inner),
            (
                "latchkey://open?url=javascript%3Aalert(1)",
                DeepLinkError::Inner,
            ),
            (
                "latchkey://open?url=file%3A%2F%2F%2Fetc%2Fpasswd",
                DeepLinkError::Inner,
            ),
            (
                "latchkey://open?url=latchkey%3A%2F%2Fopen",
                DeepLinkError::Inner,
            ),
        ] {
            assert_eq!(link_from_deep_link(bad), Err(why), "{bad}");
        }
        let long = format!(
            "latchkey://open?url=https%3A%2F%2Fa.example%2F{}",
            "a".repeat(MAX_LINK_BYTES)
        );
        assert_eq!(link_from_deep_link(&long), Err(DeepLinkError::Inner));
    }
}
