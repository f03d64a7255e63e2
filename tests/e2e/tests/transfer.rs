//! The recovery kit and the Import & export view in the real webview (WebKitGTK under Xvfb,
//! tauri-driver + WebKitWebDriver), with the real keychain and OS check:
//! - the first start makes the vault and shows its recovery key once; the kit page saves 0600
//!   and Print opens it in the browser;
//!   with the keychain entry deleted, unlock fails and the lock screen's Recover takes the key
//!   (a mistyped one is refused in words) and brings the vault back;
//! - a file exported by the CLI from another vault is dropped on the view's drop zone, previewed
//!   with its numbers and the duplicate flagged, opened with its passphrase (a wrong one refused
//!   in words), imported with progress and a summary, and the list shows the passkeys;
//! - a Bitwarden export with a broken key, chosen with "Choose file…", is refused whole until the
//!   bad item is skipped; the summary names it;
//! - an export with a passphrase to a typed path decrypts with that passphrase to CXF holding
//!   the passkeys.
//!
//! Screenshots (light and dark) go to docs/screenshots/. scripts/test.sh runs these with
//! `--ignored` (they need the built app and CLI, tauri-driver, a display, a Secret Service and
//! polkit).

mod common;

use std::path::Path;
use std::process::Command;

use base64::Engine;
use common::*;
use latchkey_e2e::Driver;

fn vault_id(data_dir: &Path) -> String {
    let t = std::fs::read_to_string(data_dir.join("vault.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&t).unwrap();
    v["vault_id"].as_str().unwrap().to_owned()
}

fn testid(id: &str) -> String {
    format!("[data-testid=\"{id}\"]")
}

/// Waits until the element with `id` has `attr` = `value`, and returns it.
fn wait_attr(d: &Driver, id: &str, attr: &str, value: &str) {
    d.wait_until(&format!("{id}[{attr}={value}]"), || {
        d.find_all(&testid(id))
            .first()
            .and_then(|e| d.attribute(e, attr))
            .filter(|v| v == value)
            .map(|_| ())
    })
}

/// Page script that makes `dt`, a DataTransfer holding `bytes` as the file `name`: what a
/// person's pick or drop hands the page.
fn file_transfer_js(name: &str, bytes: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
    format!(
        "const bin = atob('{b64}'); const buf = new Uint8Array(bin.length);\
         for (let i = 0; i < bin.length; i++) buf[i] = bin.charCodeAt(i);\
         const dt = new DataTransfer(); dt.items.add(new File([buf], {name:?}));"
    )
}

/// Chooses `bytes` as the file `name` in the Import view's file input, as a person's pick
/// arrives (a File in `input.files` and a change event); the view reads the bytes itself.
fn choose_file(d: &Driver, name: &str, bytes: &[u8]) {
    let r = d.execute_async(&format!(
        "const done = arguments[arguments.length - 1];\
         try {{\
           {make}\
           const input = document.querySelector('[data-testid=\"import-file\"]');\
           input.files = dt.files; input.dispatchEvent(new Event('change', {{ bubbles: true }}));\
           done(true);\
         }} catch (e) {{ done(String(e)); }}",
        make = file_transfer_js(name, bytes)
    ));
    assert_eq!(r, serde_json::json!(true), "choosing the file: {r}");
}

/// Drops `bytes` as the file `name` on the Import view's drop zone, as the page sees a drop of a
/// file (a drop event whose DataTransfer holds the File). A drag from the desktop arrives as
/// Tauri's native drop event with the path instead, which the unit tests cover.
fn drop_file(d: &Driver, name: &str, bytes: &[u8]) {
    let r = d.execute_async(&format!(
        "const done = arguments[arguments.length - 1];\
         try {{\
           {make}\
           const zone = document.querySelector('[data-testid=\"import-drop\"]');\
           zone.dispatchEvent(new DragEvent('dragover', {{ dataTransfer: dt, bubbles: true, cancelable: true }}));\
           const dropped = zone.dispatchEvent(new DragEvent('drop', {{ dataTransfer: dt, bubbles: true, cancelable: true }}));\
           done(dropped === false);\
         }} catch (e) {{ done(String(e)); }}",
        make = file_transfer_js(name, bytes)
    ));
    assert_eq!(
        r,
        serde_json::json!(true),
        "dropping the file (the view takes it): {r}"
    );
}

/// Records, from now on, whether the import progress bar ever shows (the import of a few
/// passkeys is over in a blink, so polling could miss it).
fn watch_progress(d: &Driver) {
    d.execute_async(
        "const done = arguments[arguments.length - 1];\
         window.__sawProgress = false;\
         new MutationObserver(() => { if (document.querySelector('[data-testid=\"import-progress\"] progress')) window.__sawProgress = true; })\
           .observe(document.body, { childList: true, subtree: true });\
         done(true);",
    );
}

fn saw_progress(d: &Driver) -> bool {
    d.execute_async(
        "const done = arguments[arguments.length - 1]; done(window.__sawProgress === true);",
    ) == serde_json::json!(true)
}

/// Scrolls the element with `id` to the middle of its view (for a screenshot of it).
fn scroll_to(d: &Driver, id: &str) {
    d.execute_async(&format!(
        "const done = arguments[arguments.length - 1];\
         document.querySelector('[data-testid=\"{id}\"]').scrollIntoView({{ block: 'center' }});\
         done(true);"
    ));
}

fn open_tab(d: &Driver, tab: &str) {
    d.click(&d.by_testid(&format!("tab-{tab}")));
}

#[test]
#[ignore = "needs the built app, tauri-driver and a display; scripts/test.sh runs it"]
fn first_start_shows_the_recovery_key_once_and_recover_brings_the_vault_back() {
    let tmp = tempfile::tempdir().unwrap();
    let data_dir = tmp.path().join("vault");
    let _keychain = Keychain(data_dir.clone());
    // Print hands the saved kit page to the desktop's opener (xdg-open): here one that writes
    // down what it was asked to open.
    let bin = tmp.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let opened = tmp.path().join("opened.txt");
    let shim = bin.join("xdg-open");
    std::fs::write(
        &shim,
        format!("#!/bin/sh\necho \"$1\" >> '{}'\n", opened.display()),
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&shim, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path_var = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let d = start_app_with(&data_dir, &[("PATH", &path_var)]);
    unlock(&d);

    // The first unlock made the vault and shows its recovery key, once.
    let dialog = d.by_testid("recovery-kit-dialog");
    let key = d
        .attribute(&d.by_testid("recovery-key"), "data-key")
        .expect("the key");
    assert_eq!(key.len(), 35, "{key}");
    assert!(d.text(&dialog).contains("shown only now"));
    d.screenshot(&screenshots().join("recovery-kit-light.png"));

    // Save the kit page where the person says; it holds the key and is owner-only.
    let page = tmp.path().join("my-kit.html");
    let path = d.by_testid("kit-path");
    d.wait_until("the default kit path", || {
        d.attribute(&path, "value")
            .filter(|v| v.ends_with(".html"))
            .map(|_| ())
    });
    d.clear(&path);
    d.type_text(&path, page.to_str().unwrap());
    d.click(&d.by_testid("kit-save"));
    d.by_testid("kit-saved");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains(&key), "the kit page holds the key");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&page).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    // Print opens that page in the browser (the webview cannot print on Linux).
    d.click(&d.by_testid("kit-print"));
    d.by_testid("kit-opened");
    d.wait_until("the kit page handed to xdg-open", || {
        std::fs::read_to_string(&opened)
            .ok()
            .filter(|t| t.trim() == page.to_str().unwrap())
    });
    set_theme(&d, "dark");
    d.wait("html[data-theme=\"dark\"]");
    d.screenshot(&screenshots().join("recovery-kit-dark.png"));
    d.click(&d.by_testid("kit-done"));
    d.wait_count(&testid("recovery-kit-dialog"), 0);

    // Settings shows the kit's date.
    open_tab(&d, "settings");
    d.wait_until("the kit's date in Settings", || {
        d.find_all(&testid("recovery-status"))
            .first()
            .filter(|e| d.text(e).contains("Recovery kit made"))
            .map(|_| ())
    });
    d.screenshot(&screenshots().join("settings-recovery-dark.png"));
    set_theme(&d, "light");
    d.wait("html[data-theme=\"light\"]");

    // The keychain loses the key: unlock fails, Recover is offered.
    d.click(&d.by_testid("lock-button"));
    d.by_testid("lock-screen");
    let cleared = Command::new("secret-tool")
        .args(["clear", "service", "dev.latchkey.vault", "username"])
        .arg(vault_id(&data_dir))
        .status()
        .unwrap();
    assert!(cleared.success());
    d.click(&d.by_testid("unlock-button"));
    d.by_testid("error-banner");
    d.click(&d.by_testid("recover-button"));
    let field = d.by_testid("recovery-key-input");

    // A mistyped key (one symbol changed) is refused in words; still locked.
    let mut typo: Vec<char> = key.chars().collect();
    typo[3] = if typo[3] == 'A' { 'B' } else { 'A' };
    d.type_text(&field, &typo.into_iter().collect::<String>());
    d.click(&d.by_testid("recover-submit"));
    let err = d.by_testid("recover-error");
    assert!(!d.text(&err).trim().is_empty());
    d.screenshot(&screenshots().join("recover-light.png"));
    assert!(d.find_all(&testid("lock-screen")).len() == 1);

    // The right key, typed lower case with spaces for dashes, brings the vault back.
    d.clear(&field);
    d.type_text(&field, &key.to_lowercase().replace('-', " "));
    d.click(&d.by_testid("recover-submit"));
    d.wait("[data-testid=\"passkey-list\"], [data-testid=\"empty-state\"]");
    drop(d);

    // The key is in the keychain again: a restart unlocks as usual.
    let d = start_app(&data_dir);
    unlock(&d);
}

#[test]
#[ignore = "needs the built app, tauri-driver and a display; scripts/test.sh runs it"]
fn import_a_file_with_preview_and_progress_then_export_with_a_passphrase() {
    // Another vault exports two passkeys (one of them also here) with the CLI.
    let (_tmp_other, _keychain_other, other) = fresh_vault();
    seed(&other, "example.com", "alice");
    seed(&other, "shop.example.org", "carol");
    let (tmp, _keychain, cli) = fresh_vault();
    seed(&cli, "mail.example.net", "dave");
    let file = tmp.path().join("from-other.cxf.age");
    let (code, _, err) = other.run(
        &["export", "--out", file.to_str().unwrap()],
        "river otter lantern\n",
    );
    assert_eq!(code, 0, "{err}");
    // alice's passkey is in both vaults: this one imports the file with the CLI, then deletes
    // carol's, so the app's import finds one new passkey and one already here.
    let (code, _, err) = cli.run(&["import", file.to_str().unwrap()], "river otter lantern\n");
    assert_eq!(code, 0, "{err}");
    let (code, list, err) = cli.run(&["list", "--json"], "");
    assert_eq!(code, 0, "{err}");
    let list: serde_json::Value = serde_json::from_str(&list).unwrap();
    let carol = list
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["rpId"] == "shop.example.org")
        .expect("carol's passkey came in");
    let (code, _, err) = cli.run(&["delete", "--yes", carol["id"].as_str().unwrap()], "");
    assert_eq!(code, 0, "{err}");
    let bytes = std::fs::read(&file).unwrap();

    let d = start_app(&cli.data_dir);
    unlock(&d);
    d.wait_count(&testid("passkey-row"), 2);
    open_tab(&d, "transfer");
    d.by_testid("transfer-view");
    d.screenshot(&screenshots().join("import-export-light.png"));

    // Drop the file: it is encrypted, so the view asks for its passphrase.
    drop_file(&d, "from-other.cxf.age", &bytes);
    let pass = d.by_testid("import-passphrase");
    d.type_text(&pass, "wrong passphrase");
    d.click(&d.by_testid("import-unlock"));
    d.by_testid("import-error");
    d.clear(&pass);
    d.type_text(&pass, "river otter lantern");
    d.click(&d.by_testid("import-unlock"));

    // The preview: 2 passkeys, 1 already here (flagged), nothing ignored, no problems.
    d.by_testid("import-preview");
    wait_attr(&d, "import-counts", "data-total", "2");
    let counts = d.by_testid("import-counts");
    assert_eq!(d.attribute(&counts, "data-new").as_deref(), Some("1"));
    assert_eq!(
        d.attribute(&counts, "data-duplicates").as_deref(),
        Some("1")
    );
    assert_eq!(d.attribute(&counts, "data-problems").as_deref(), Some("0"));
    let flags: Vec<String> = d
        .find_all(&testid("import-item"))
        .iter()
        .map(|r| d.attribute(r, "data-duplicate").unwrap_or_default())
        .collect();
    assert_eq!(flags.len(), 2);
    assert_eq!(flags.iter().filter(|f| *f == "true").count(), 1);
    let preview_text = d.text(&d.by_testid("import-preview"));
    assert!(preview_text.contains("shop.example.org") && preview_text.contains("Already here"));
    d.screenshot(&screenshots().join("import-preview-light.png"));
    set_theme(&d, "dark");
    d.wait("html[data-theme=\"dark\"]");
    d.screenshot(&screenshots().join("import-preview-dark.png"));

    // Import: the progress bar shows, then the summary.
    watch_progress(&d);
    d.click(&d.by_testid("import-commit"));
    wait_attr(&d, "import-summary", "data-added", "1");
    let summary = d.by_testid("import-summary");
    assert_eq!(
        d.attribute(&summary, "data-duplicates").as_deref(),
        Some("1")
    );
    assert!(saw_progress(&d), "the progress bar showed");
    d.screenshot(&screenshots().join("import-summary-dark.png"));
    open_tab(&d, "passkeys");
    d.wait_count(&testid("passkey-row"), 3);
    assert!(d.page_source().contains("shop.example.org"));

    // Export two sites with a passphrase to a typed path.
    open_tab(&d, "transfer");
    let out = tmp.path().join("exported.cxf.age");
    let path = d.by_testid("export-path");
    d.clear(&path);
    d.type_text(&path, out.to_str().unwrap());
    d.click(&d.by_testid("export-chosen"));
    for site in ["example.com", "shop.example.org"] {
        d.click(&d.wait(&format!(
            "[data-testid=\"export-site\"][data-site=\"{site}\"]"
        )));
    }
    d.type_text(&d.by_testid("export-passphrase"), "copper kettle meadow");
    d.type_text(
        &d.by_testid("export-passphrase-repeat"),
        "copper kettle meadow",
    );
    scroll_to(&d, "export-passphrase");
    d.screenshot(&screenshots().join("export-dark.png"));
    set_theme(&d, "light");
    d.wait("html[data-theme=\"light\"]");
    d.click(&d.by_testid("export-button"));
    wait_attr(&d, "export-done", "data-count", "2");
    d.screenshot(&screenshots().join("export-done-light.png"));

    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let sealed = std::fs::read(&out).unwrap();
    assert!(
        latchkey_transfer::decrypt(&sealed, "another passphrase").is_err(),
        "another passphrase does not open it"
    );
    let clear = latchkey_transfer::decrypt(&sealed, "copper kettle meadow").unwrap();
    let cxf = String::from_utf8(clear.to_vec()).unwrap();
    assert!(cxf.contains("example.com") && cxf.contains("shop.example.org"));
    assert!(!cxf.contains("mail.example.net"), "only the chosen sites");
}

#[test]
#[ignore = "needs the built app, tauri-driver and a display; scripts/test.sh runs it"]
fn a_bitwarden_file_with_a_bad_item_imports_only_when_it_is_skipped() {
    // Bitwarden's export fields (the transfer crate's sample), with one passkey's key broken.
    let sample = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../crates/transfer/tests/fixtures/bitwarden.json");
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sample).unwrap()).unwrap();
    let broken = doc["items"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|i| i["name"] == "Example")
        .expect("the sample's Example item");
    broken["login"]["fido2Credentials"][0]["keyValue"] = "bm90IGEga2V5".into();
    let bytes = serde_json::to_vec_pretty(&doc).unwrap();

    let (_tmp, _keychain, cli) = fresh_vault();
    let d = start_app(&cli.data_dir);
    unlock(&d);
    open_tab(&d, "transfer");
    choose_file(&d, "bitwarden_export.json", &bytes);

    // 2 passkeys, 1 with a problem named by item and reason, 2 other items ignored.
    d.by_testid("import-preview");
    wait_attr(&d, "import-counts", "data-total", "2");
    let counts = d.by_testid("import-counts");
    assert_eq!(d.attribute(&counts, "data-problems").as_deref(), Some("1"));
    assert_eq!(d.attribute(&counts, "data-ignored").as_deref(), Some("2"));
    let problems = d.text(&d.by_testid("import-problems"));
    assert!(problems.contains("Item 4"), "{problems}");
    assert!(problems.contains("Example"), "{problems}");
    let commit = d.by_testid("import-commit");
    assert!(
        d.attribute(&commit, "disabled").is_some(),
        "refused whole until skipped"
    );
    d.screenshot(&screenshots().join("import-problems-light.png"));

    d.click(&d.by_testid("import-skip-bad"));
    d.click(&commit);
    wait_attr(&d, "import-summary", "data-added", "1");
    let summary = d.by_testid("import-summary");
    assert_eq!(d.attribute(&summary, "data-skipped").as_deref(), Some("1"));
    assert!(d.text(&summary).contains("Example"));
    open_tab(&d, "passkeys");
    d.wait_count(&testid("passkey-row"), 1);
    assert!(d.page_source().contains("github.com"));
}
