//! `latchkey hid status|serve` where this machine is: no /dev/uhid (kernel modules cannot be
//! loaded here; the guest under scripts/uhid-vm runs the key for real). What a script sees:
//! the reason and what to do, the exit codes, and the refusal while the app runs.

mod common;

use std::sync::Arc;

use common::*;
use latchkey_bridge::BridgeServer;
use latchkey_session::bridge_handler::SessionHandler;
use latchkey_session::{NoEvents, Session};
use latchkey_vault::OsKeychain;

/// Skips (passes) on a machine that has /dev/uhid: these tests are about its absence.
fn uhid_present() -> bool {
    std::path::Path::new("/dev/uhid").exists()
}

#[test]
fn status_says_uhid_is_missing_and_what_to_do() {
    if uhid_present() {
        return;
    }
    let d = DataDir::new();
    let plain = run(&d.path(), &["hid", "status"], "");
    assert_eq!(plain.code, 1, "{}{}", plain.stdout, plain.stderr);
    assert!(
        plain.stdout.contains("/dev/uhid does not exist"),
        "{}",
        plain.stdout
    );
    assert!(
        plain.stdout.contains("sudo modprobe uhid"),
        "{}",
        plain.stdout
    );
    let json = run(&d.path(), &["hid", "status", "--json"], "");
    assert_eq!(json.code, 1);
    let v = json.json();
    assert_eq!(v["state"], "missing");
    assert_eq!(v["ready"], false);
    assert!(v["message"].as_str().unwrap().contains("modprobe uhid"));
    // Status touches no vault: none was created.
    assert!(!d.path().join("vault.json").exists());
}

#[test]
fn serve_without_uhid_exits_with_the_reason() {
    if uhid_present() {
        return;
    }
    let d = DataDir::new();
    run(&d.path(), &["init"], "").ok();
    let before = fingerprint(&d.path());
    let serve = run(&d.path(), &["hid", "serve", "--yes"], "");
    assert_eq!(serve.code, 1, "{}{}", serve.stdout, serve.stderr);
    assert!(
        serve
            .stderr
            .contains("cannot create the virtual security key")
            && serve.stderr.contains("sudo modprobe uhid"),
        "{}",
        serve.stderr
    );
    assert!(!serve.stdout.contains("ready"), "{}", serve.stdout);
    assert_eq!(fingerprint(&d.path()), before, "the vault was not touched");
}

#[test]
fn serve_refuses_while_the_app_runs_and_status_still_answers() {
    let d = DataDir::new();
    let dir = d.path();
    run(&dir, &["init"], "").ok();
    let session = Session::new(
        &dir,
        Box::new(OsKeychain::new()),
        latchkey_verify::platform_verifier(),
        Arc::new(NoEvents),
    );
    let server = BridgeServer::bind(&dir).expect("the app's socket");
    let exe = std::env::current_exe().unwrap();
    let profile = exe.parent().and_then(|p| p.parent()).unwrap();
    let _app = server.spawn(
        Arc::new(SessionHandler(session)),
        latchkey_bridge::Doors::with_browser_host(
            &profile.join(latchkey_bridge::BROWSER_HOST_NAME),
        ),
    );
    let serve = run(&dir, &["hid", "serve"], "");
    assert_eq!(serve.code, 5, "{}{}", serve.stdout, serve.stderr);
    assert!(
        serve
            .stderr
            .contains("Act as a security key for other programs"),
        "{}",
        serve.stderr
    );
    let status = run(&dir, &["hid", "status", "--json"], "");
    assert_eq!(status.json()["ready"], uhid_present());
}
