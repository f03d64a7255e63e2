//! `latchkey browser install|uninstall|status`: puts the native messaging host manifest where
//! each browser looks for it (the locations and the manifest are in
//! `latchkey_browser_host::install`). Nothing here touches the vault or the app.

use latchkey_browser_host::install::{
    self, Browser, Env, InstallError, Installed, State, Target, Uninstalled,
};
use serde_json::json;

use crate::args::{BrowserArgs, BrowserChoice, BrowserCommand};
use crate::error::CliError;

pub fn run(command: BrowserCommand) -> Result<(), CliError> {
    match command {
        BrowserCommand::Install(a) => install(&a),
        BrowserCommand::Uninstall(a) => uninstall(&a),
        BrowserCommand::Status { args, json } => status(&args, json),
    }
}

fn browser_of(choice: BrowserChoice) -> Option<Browser> {
    match choice {
        BrowserChoice::All => None,
        BrowserChoice::Chromium => Some(Browser::Chromium),
        BrowserChoice::Chrome => Some(Browser::Chrome),
        BrowserChoice::Brave => Some(Browser::Brave),
        BrowserChoice::Edge => Some(Browser::Edge),
        BrowserChoice::Vivaldi => Some(Browser::Vivaldi),
        BrowserChoice::Firefox => Some(Browser::Firefox),
    }
}

/// The places the command acts on, and whether the person named them (then a browser not
/// started yet is set up anyway).
fn targets(a: &BrowserArgs) -> Result<(Vec<Target>, bool), CliError> {
    let usage = |e: InstallError| CliError::Usage(e.to_string());
    if let Some(dir) = &a.user_data_dir {
        // Every Chromium-family manifest is the same file; the name only labels the output.
        let browser = browser_of(a.browser).unwrap_or(Browser::Chromium);
        return Ok((vec![Target::profile(browser, dir).map_err(usage)?], true));
    }
    let env = Env::from_process().map_err(|e| CliError::Other(e.to_string()))?;
    Ok(match browser_of(a.browser) {
        Some(b) => (vec![Target::default_for(b, &env)], true),
        None => (
            Browser::ALL
                .iter()
                .map(|b| Target::default_for(*b, &env))
                .collect(),
            false,
        ),
    })
}

/// The exit status after per-browser failures (each already printed).
fn finish(failures: usize) -> Result<(), CliError> {
    match failures {
        0 => Ok(()),
        n => Err(CliError::Other(format!(
            "{n} browser(s) could not be changed (see above)"
        ))),
    }
}

fn install(a: &BrowserArgs) -> Result<(), CliError> {
    let (targets, named) = targets(a)?;
    let host = install::host_next_to_current_exe().map_err(|e| CliError::Other(e.to_string()))?;
    let (mut done, mut failures) = (0, 0);
    for t in &targets {
        if !named && !t.browser_found() {
            continue;
        }
        match install::install(t, &host) {
            Ok(how) => {
                done += 1;
                let how = match how {
                    Installed::Created => "installed",
                    Installed::Unchanged => "already installed",
                    Installed::Updated => "updated",
                };
                println!(
                    "{}: {how}: {} (host {})",
                    t.browser,
                    t.manifest_path().display(),
                    host.display()
                );
            }
            Err(e) => {
                failures += 1;
                eprintln!("latchkey: {}: {e}", t.browser);
            }
        }
    }
    if done == 0 && failures == 0 {
        println!(
            "No browser found here (none of {} has a configuration directory yet). Start your browser once, or name it: latchkey browser install --browser chromium",
            Browser::ALL.map(|b| b.id()).join(", ")
        );
    } else if done > 0 {
        println!("Now load the Latchkey extension in the browser (see the README) and restart the browser if it was running.");
    }
    finish(failures)
}

fn uninstall(a: &BrowserArgs) -> Result<(), CliError> {
    let (targets, _) = targets(a)?;
    let mut failures = 0;
    for t in &targets {
        match install::uninstall(t) {
            Ok(Uninstalled::Removed) => {
                println!("{}: removed {}", t.browser, t.manifest_path().display())
            }
            Ok(Uninstalled::NotInstalled) => println!("{}: not installed", t.browser),
            Err(e) => {
                failures += 1;
                eprintln!("latchkey: {}: {e}", t.browser);
            }
        }
    }
    finish(failures)
}

fn status(a: &BrowserArgs, as_json: bool) -> Result<(), CliError> {
    let (targets, _) = targets(a)?;
    let states: Vec<(&Target, State)> = targets.iter().map(|t| (t, install::status(t))).collect();
    if as_json {
        let all: Vec<_> = states
            .iter()
            .map(|(t, s)| {
                let mut v = json!({
                    "browser": t.browser.id(),
                    "manifest": t.manifest_path(),
                    "state": s.id(),
                });
                match s {
                    State::Installed { host, host_exists } => {
                        v["host"] = json!(host);
                        v["hostExists"] = json!(host_exists);
                    }
                    State::Unusable { reason } => v["problem"] = json!(reason),
                    State::BrowserNotFound | State::NotInstalled => {}
                }
                v
            })
            .collect();
        println!("{}", serde_json::Value::Array(all));
        return Ok(());
    }
    for (t, s) in &states {
        let manifest = t.manifest_path();
        let line = match s {
            State::BrowserNotFound => "browser not found".to_owned(),
            State::NotInstalled => format!("not installed ({} is absent)", manifest.display()),
            State::Installed {
                host,
                host_exists: true,
            } => format!("installed: {} -> {}", manifest.display(), host.display()),
            State::Installed {
                host,
                host_exists: false,
            } => format!(
                "installed, but its host {} is missing: run `latchkey browser install` again ({})",
                host.display(),
                manifest.display()
            ),
            State::Unusable { reason } => format!(
                "unusable manifest {}: {reason}; run `latchkey browser install --browser {}` to replace it",
                manifest.display(),
                t.browser
            ),
        };
        println!("{:<9} {line}", t.browser.id());
    }
    Ok(())
}
