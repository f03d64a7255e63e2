//! The OS gate with a real polkitd: a refused or unanswerable check signs nothing and stores
//! nothing. polkit authorizes root without asking, so these runs use the unprivileged users that
//! tests/polkit/start-polkit.sh creates and 50-latchkey-test.rules decides for:
//! latchkey-test is allowed, latchkey-deny is refused, latchkey-ask gets the default
//! (auth_self) with no agent to ask through.

mod common;
#[path = "../../verify/tests/support/fake_bus.rs"]
mod fake_bus;

use std::process::Command;
use std::sync::atomic::Ordering;

use common::*;

#[test]
fn an_allowed_check_signs() {
    let d = dir_for("latchkey-test");
    let dir = d.path();
    as_user("latchkey-test", &dir, &["init"], "").ok();
    let reg = create_with(
        &|a, i| as_user("latchkey-test", &dir, a, i),
        "https://example.com",
        "example.com",
        "alice",
        "YWxpY2U",
    )
    .ok()
    .json();
    assert!(reg["id"].is_string());
    // UV is reported only because polkit said yes.
    let get = sign_in_with(
        &|a, i| as_user("latchkey-test", &dir, a, i),
        "https://example.com",
        "example.com",
        &[],
    )
    .ok()
    .json();
    let auth_data = get["response"]["authenticatorData"].as_str().unwrap();
    let bytes = base64_url(auth_data);
    assert_eq!(bytes[32] & 0x05, 0x05, "UP and UV set");
}

#[test]
fn a_refused_check_signs_nothing_and_stores_nothing() {
    // The allowed user makes a passkey, then hands the vault to the refused user (same keychain).
    let d = dir_for("latchkey-test");
    let dir = d.path();
    as_user("latchkey-test", &dir, &["init"], "").ok();
    create_with(
        &|a, i| as_user("latchkey-test", &dir, a, i),
        "https://example.com",
        "example.com",
        "alice",
        "YWxpY2U",
    )
    .ok();
    let status = Command::new("chown")
        .args(["-R", "latchkey-deny"])
        .arg(d.dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    let before = as_user("latchkey-deny", &dir, &["list", "--json"], "")
        .ok()
        .json();

    let create = create_with(
        &|a, i| as_user("latchkey-deny", &dir, a, i),
        "https://example.com",
        "example.com",
        "bob",
        "Ym9i",
    );
    assert_eq!(create.code, 3, "{}", create.stderr);
    assert!(
        create.stderr.contains("NotAllowedError"),
        "{}",
        create.stderr
    );
    assert!(create.stderr.contains("refused"), "{}", create.stderr);
    assert!(create.stdout.is_empty());

    let get = sign_in_with(
        &|a, i| as_user("latchkey-deny", &dir, a, i),
        "https://example.com",
        "example.com",
        &[],
    );
    assert_eq!(get.code, 3, "{}", get.stderr);
    assert!(get.stdout.is_empty(), "no assertion leaves");
    let after = as_user("latchkey-deny", &dir, &["list", "--json"], "")
        .ok()
        .json();
    assert_eq!(after, before, "no passkey added, no counter moved");
    assert_eq!(after.as_array().unwrap().len(), 1);
    assert_eq!(after[0]["signCount"], 0);
}

/// Issue 6: whoever starts latchkey can point DBUS_SYSTEM_BUS_ADDRESS at a private bus where a
/// fake polkit says yes. The refused user must stay refused: the gate asks only the real polkit.
#[test]
fn a_fake_polkit_on_a_bus_named_by_the_environment_cannot_approve() {
    let d = dir_for("latchkey-deny");
    let dir = d.path();
    as_user("latchkey-deny", &dir, &["init"], "").ok();
    let bus = fake_bus::PrivateBus::start(None);
    let (_fake, asked) = fake_bus::serve_fake_polkit(&bus.address());
    let system_bus = format!("DBUS_SYSTEM_BUS_ADDRESS={}", bus.address());
    let runner = |a: &[&str], i: &str| as_user_with("latchkey-deny", &[&system_bus], &dir, a, i);

    let create = create_with(
        &runner,
        "https://example.com",
        "example.com",
        "mallory",
        "bWFsbG9yeQ",
    );
    assert_eq!(create.code, 3, "{}\n{}", create.stdout, create.stderr);
    assert!(
        create.stdout.is_empty(),
        "a registration left: {}",
        create.stdout
    );
    assert!(create.stderr.contains("refused"), "{}", create.stderr);
    assert_eq!(asked.load(Ordering::SeqCst), 0, "the fake polkit was asked");
    let list = runner(&["list", "--json"], "").ok().json();
    assert_eq!(list, serde_json::json!([]), "nothing stored");
}

#[test]
fn no_agent_to_ask_is_a_clear_refusal() {
    let d = dir_for("latchkey-ask");
    let dir = d.path();
    as_user("latchkey-ask", &dir, &["init"], "").ok();
    let create = create_with(
        &|a, i| as_user("latchkey-ask", &dir, a, i),
        "https://example.com",
        "example.com",
        "alice",
        "YWxpY2U",
    );
    assert_eq!(create.code, 3, "{}", create.stderr);
    assert!(create.stderr.contains("agent"), "{}", create.stderr);
    let list = as_user("latchkey-ask", &dir, &["list", "--json"], "")
        .ok()
        .json();
    assert_eq!(list, serde_json::json!([]));
}

fn base64_url(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .unwrap()
}
