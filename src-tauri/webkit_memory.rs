//! WebKit settings that keep the app light, set before WebKit starts.
//!
//! Accelerated compositing is turned off: with it, WebKitGTK's web process loads a GL stack
//! (Mesa, and on machines without a GPU driver llvmpipe with all of LLVM) and keeps GL
//! surfaces and tiles: measured here (`scripts/bench-app.sh`), the web process took 186 MiB
//! PSS at the lock screen with it and 106 MiB without. The app's pages are a list and a few
//! dialogs with short CSS transitions, which WebKit paints without it; nothing uses WebGL.
//! A variable the person set themselves is left as it is.

/// Set only by scripts/bench-app.sh, to print WebKit's defaults beside these in one run.
pub const DEFAULTS_SWITCH: &str = "LATCHKEY_BENCH_WEBKIT_DEFAULTS";

/// The variables WebKitGTK reads at start, and the values that save memory.
const SETTINGS: &[(&str, &str)] = &[("WEBKIT_DISABLE_COMPOSITING_MODE", "1")];

/// The settings to set, given how the environment reads now (`get`).
fn to_set(get: impl Fn(&str) -> Option<std::ffi::OsString>) -> Vec<(&'static str, &'static str)> {
    if get(DEFAULTS_SWITCH).is_some() {
        return vec![];
    }
    SETTINGS
        .iter()
        .copied()
        .filter(|(name, _)| get(name).is_none())
        .collect()
}

/// Sets them in this process's environment (WebKit's processes inherit it). Call first thing,
/// before WebKit or any other thread starts.
pub fn apply() {
    for (name, value) in to_set(|n| std::env::var_os(n)) {
        std::env::set_var(name, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compositing_is_turned_off_unless_the_person_or_the_bench_says_otherwise() {
        let none = |_: &str| None;
        assert_eq!(to_set(none), vec![("WEBKIT_DISABLE_COMPOSITING_MODE", "1")]);
        // The person's own value stays.
        let theirs = |n: &str| (n == "WEBKIT_DISABLE_COMPOSITING_MODE").then(|| "0".into());
        assert_eq!(to_set(theirs), vec![]);
        // The bench's "WebKit defaults" run sets nothing.
        let bench = |n: &str| (n == DEFAULTS_SWITCH).then(|| "1".into());
        assert_eq!(to_set(bench), vec![]);
    }
}
