//! The `latchkey` command as a script sees it: real binary, real Secret Service, real polkitd
//! (the test run is root, which polkit authorizes without asking; os_gate.rs covers refusals).

mod common;

use common::*;

#[test]
fn a_full_session_init_create_list_show_rename_sign_in_delete() {
    let d = DataDir::new();
    let dir = d.path();
    let init = run(&dir, &["init"], "").ok();
    assert!(
        init.stdout.contains("Created an empty vault"),
        "{}",
        init.stdout
    );
    let empty = run(&dir, &["list"], "").ok();
    assert!(empty.stdout.contains("No passkeys yet"), "{}", empty.stdout);
    assert_eq!(
        run(&dir, &["list", "--json"], "").ok().json(),
        serde_json::json!([])
    );

    let reg = create_with(
        &|a, i| run(&dir, a, i),
        "https://example.com",
        "example.com",
        "alice",
        "dXNlci1hbGljZQ",
    )
    .ok()
    .json();
    assert_eq!(reg["type"], "public-key");
    assert_eq!(reg["authenticatorAttachment"], "platform");
    assert_eq!(reg["clientExtensionResults"]["credProps"]["rk"], true);
    let id = reg["id"].as_str().unwrap().to_owned();

    let list = run(&dir, &["list", "--json"], "").ok().json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], id.as_str());
    assert_eq!(list[0]["rpId"], "example.com");
    assert_eq!(list[0]["userName"], "alice");
    assert_eq!(list[0]["algorithm"], "ES256");
    assert_eq!(list[0]["useCount"], 0);
    let table = run(&dir, &["list"], "").ok().stdout;
    assert!(
        table.contains("example.com") && table.contains("alice"),
        "{table}"
    );

    // A prefix of the id is enough when it is unique.
    let show = run(&dir, &["show", &id[..8], "--json"], "").ok().json();
    assert_eq!(show["id"], id.as_str());
    let flag_first = run(&dir, &["show", "--json", &id[..8]], "").ok().json();
    assert_eq!(flag_first["id"], id.as_str());
    run(&dir, &["rename", &id, "Work laptop key"], "").ok();
    let shown = run(&dir, &["show", &id], "").ok().stdout;
    assert!(
        shown.contains("Nickname:") && shown.contains("Work laptop key"),
        "{shown}"
    );

    let auth = sign_in_with(
        &|a, i| run(&dir, a, i),
        "https://example.com",
        "example.com",
        &[],
    )
    .ok();
    let assertion = auth.json();
    assert_eq!(assertion["id"], id.as_str());
    assert_eq!(assertion["response"]["userHandle"], "dXNlci1hbGljZQ");
    assert!(
        auth.stderr.contains("sign in on example.com"),
        "{}",
        auth.stderr
    );
    let after = run(&dir, &["show", &id, "--json"], "").ok().json();
    assert_eq!(after["useCount"], 1);
    assert_eq!(after["signCount"], 1);
    assert!(after["lastUsedAt"].is_string());

    // Deleting needs a yes; without a terminal the CLI says how to give it.
    let refused = run(&dir, &["delete", &id], "");
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("--yes"), "{}", refused.stderr);
    run(&dir, &["delete", &id, "--yes"], "").ok();
    assert_eq!(
        run(&dir, &["list", "--json"], "").ok().json(),
        serde_json::json!([])
    );
    let gone = run(&dir, &["show", &id], "");
    assert_eq!(gone.code, 1);
    assert!(gone.stderr.contains("latchkey list"), "{}", gone.stderr);
    // Base64url ids may start with '-' (1 in 64 does): they are ids, not options.
    let dashed = run(&dir, &["show", "-zz"], "");
    assert_eq!(dashed.code, 1, "{}", dashed.stderr);
    assert!(
        dashed.stderr.contains("no passkey has the ID -zz"),
        "{}",
        dashed.stderr
    );
    run(&dir, &["lock"], "").ok();
}

#[test]
fn several_accounts_need_a_choice_and_account_picks_one() {
    let d = DataDir::new();
    let dir = d.path();
    run(&dir, &["init"], "").ok();
    for (user, handle) in [("alice", "YWxpY2U"), ("bob", "Ym9i")] {
        create_with(
            &|a, i| run(&dir, a, i),
            "https://login.example.com",
            "example.com",
            user,
            handle,
        )
        .ok();
    }
    let ambiguous = sign_in_with(
        &|a, i| run(&dir, a, i),
        "https://example.com",
        "example.com",
        &[],
    );
    assert_eq!(ambiguous.code, 3, "{}", ambiguous.stderr);
    assert!(
        ambiguous.stderr.contains("--account") && ambiguous.stderr.contains("alice"),
        "{}",
        ambiguous.stderr
    );
    let bob = sign_in_with(
        &|a, i| run(&dir, a, i),
        "https://example.com",
        "example.com",
        &["--account", "bob"],
    )
    .ok()
    .json();
    assert_eq!(bob["response"]["userHandle"], "Ym9i");
    let nobody = sign_in_with(
        &|a, i| run(&dir, a, i),
        "https://example.com",
        "example.com",
        &["--account", "carol"],
    );
    assert_eq!(nobody.code, 3);
    assert!(
        nobody.stderr.contains("alice") && nobody.stderr.contains("bob"),
        "{}",
        nobody.stderr
    );
}

#[test]
fn rejected_requests_say_why_and_change_nothing() {
    let d = vault_with_alice();
    let dir = d.path();
    let before = run(&dir, &["list", "--json"], "").ok().json();
    let cases: &[(&[&str], String, i32, &str)] = &[
        (
            &["create", "--origin", "https://evil-example.com"],
            creation_options("example.com", "x", "eA"),
            4,
            "SecurityError",
        ),
        (
            &["create", "--origin", "https://github.io"],
            creation_options("github.io", "x", "eA"),
            4,
            "SecurityError",
        ),
        (
            &["create", "--origin", "http://example.com"],
            creation_options("example.com", "x", "eA"),
            4,
            "https",
        ),
        (
            &["create", "--origin", "https://example.com"],
            "{not json".into(),
            4,
            "TypeError",
        ),
        (
            &["create", "--origin", "https://example.com"],
            "".into(),
            2,
            "stdin",
        ),
        (
            &["create", "--origin", "https://example.com"],
            creation_options("example.com", "x", "!!"),
            4,
            "base64url",
        ),
        (
            &["get", "--origin", "https://other.example"],
            request_options("other.example"),
            3,
            "no passkey for other.example",
        ),
        (
            &["get", "--origin", "https://example.com"],
            "{\"challenge\":7}".into(),
            4,
            "TypeError",
        ),
    ];
    for (args, stdin, code, needle) in cases {
        let mut full = vec!["webauthn"];
        full.extend_from_slice(args);
        full.push("--yes");
        let r = run(&dir, &full, stdin);
        assert_eq!(r.code, *code, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(needle), "{args:?}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{args:?}: nothing on stdout");
    }
    // Nothing was written: same passkeys, same counters, same everything.
    assert_eq!(run(&dir, &["list", "--json"], "").ok().json(), before);
    let again = run(&dir, &["init"], "");
    assert_eq!(again.code, 5, "{}", again.stderr);
    assert!(
        again.stderr.contains("refusing to overwrite"),
        "{}",
        again.stderr
    );
}

#[test]
fn missing_keychain_entry_and_wrong_key_are_clear_errors_that_touch_nothing() {
    use latchkey_vault::KeyStore;
    let d = vault_with_alice();
    let dir = d.path();
    let id = d.vault_id().unwrap();
    let keychain = latchkey_vault::OsKeychain::new();
    let key = keychain.load(&id).unwrap();
    let before = fingerprint(&dir);

    keychain.delete(&id).unwrap();
    let missing = run(&dir, &["list"], "");
    assert_eq!(missing.code, 5, "{}", missing.stderr);
    assert!(
        missing.stderr.contains("missing from the OS keychain"),
        "{}",
        missing.stderr
    );

    let wrong = latchkey_vault::DataKey::generate().unwrap();
    keychain.store(&id, &wrong).unwrap();
    let refused = run(&dir, &["list"], "");
    assert_eq!(refused.code, 5, "{}", refused.stderr);
    assert!(refused.stderr.contains("wrong key"), "{}", refused.stderr);
    assert_eq!(fingerprint(&dir), before, "no file changed");

    keychain.store(&id, &key).unwrap();
    assert_eq!(
        run(&dir, &["list", "--json"], "")
            .ok()
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn nothing_on_disk_names_the_site_the_account_or_the_user_handle() {
    let d = DataDir::new();
    let dir = d.path();
    run(&dir, &["init"], "").ok();
    for (site, user, handle) in [
        ("example.com", "alice.wonder", "aGFuZGxlLWFsaWNlLTAx"),
        ("shop.example.org", "bob.builder", "aGFuZGxlLWJvYi0wMg"),
    ] {
        create_with(
            &|a, i| run(&dir, a, i),
            &format!("https://{site}"),
            site,
            user,
            handle,
        )
        .ok();
    }
    let needles: Vec<Vec<u8>> = vec![
        b"example.com".to_vec(),
        b"example.org".to_vec(),
        b"alice.wonder".to_vec(),
        b"bob.builder".to_vec(),
        b"handle-alice-01".to_vec(),
        b"handle-bob-02".to_vec(),
    ];
    for (path, bytes) in all_bytes(&dir) {
        for n in &needles {
            assert!(
                !bytes.windows(n.len()).any(|w| w == n.as_slice()),
                "{} contains {:?} in clear",
                path.display(),
                String::from_utf8_lossy(n)
            );
        }
    }
}

/// A fresh vault holding one passkey: alice on example.com.
fn vault_with_alice() -> DataDir {
    let d = DataDir::new();
    let dir = d.path();
    run(&dir, &["init"], "").ok();
    create_with(
        &|a, i| run(&dir, a, i),
        "https://example.com",
        "example.com",
        "alice",
        "YWxpY2U",
    )
    .ok();
    d
}

/// What must never reach a terminal from a site-chosen name: ESC, BEL, CSI, bidi controls.
fn assert_no_escapes(what: &str, text: &str) {
    let bad: Vec<char> = text
        .chars()
        .filter(|c| {
            (c.is_control() && *c != '\n')
                || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    assert!(bad.is_empty(), "{what} printed {bad:?}: {text:?}");
}

#[test]
fn escapes_in_site_chosen_names_never_reach_the_terminal() {
    let d = DataDir::new();
    let dir = d.path();
    run(&dir, &["init"], "").ok();
    let hostile = format!(
        "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202E}eve{}",
        "a".repeat(10_000)
    );
    let options = serde_json::json!({
        "challenge": "Y2hhbGxlbmdlLWNoYWxsZW5nZQ",
        "rp": {"id": "example.com", "name": format!("\u{1b}[31mExample{}", "b".repeat(10_000))},
        "user": {"id": "dXNlci1ldmU", "name": hostile, "displayName": hostile},
        "pubKeyCredParams": [{"type": "public-key", "alg": -7}],
    })
    .to_string();
    let created = run(
        &dir,
        &[
            "webauthn",
            "create",
            "--origin",
            "https://example.com",
            "--yes",
        ],
        &options,
    )
    .ok();
    assert_no_escapes("the approval line of create", &created.stderr);
    assert!(
        created.stderr.contains("as ]0;pwned[2Jeveaaa"),
        "{}",
        created.stderr
    );
    assert!(
        created.stderr.len() < 1_000,
        "capped: {} bytes",
        created.stderr.len()
    );

    let list = run(&dir, &["list"], "").ok().stdout;
    assert_no_escapes("list", &list);
    assert!(list.lines().all(|l| l.chars().count() < 200), "{list}");
    let id = run(&dir, &["list", "--json"], "").ok().json()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let show = run(&dir, &["show", &id], "").ok().stdout;
    assert_no_escapes("show", &show);
    assert!(show.len() < 1_000, "capped: {show}");
    assert!(show.contains("…"), "a cut name says so: {show}");
    let json = run(&dir, &["show", &id, "--json"], "").ok().json();
    let name = json["userName"].as_str().unwrap();
    assert_no_escapes("show --json", name);
    assert!(name.chars().count() <= latchkey_vault::USER_NAME_MAX_CHARS);

    let signed = sign_in_with(
        &|a, i| run(&dir, a, i),
        "https://example.com",
        "example.com",
        &[],
    )
    .ok();
    assert_no_escapes("the approval line of get", &signed.stderr);
    assert!(signed.stderr.len() < 1_000, "{}", signed.stderr);
}

#[test]
fn no_passkey_answer_names_the_site_and_exits_3() {
    let d = DataDir::new();
    let dir = d.path();
    run(&dir, &["init"], "").ok();
    // Without --yes and without a terminal: the CLI's own "no passkey" prompt answers itself.
    let r = run(
        &dir,
        &["webauthn", "get", "--origin", "https://nothing.example"],
        &request_options("nothing.example"),
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("no passkey for nothing.example on this PC"),
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("terminal"),
        "no terminal needed: {}",
        r.stderr
    );
}
