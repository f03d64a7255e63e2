//! `latchkey export` and `latchkey import` with the real binary, the real Secret Service and
//! sites that judge for themselves: webauthn-rs registers ES256 and RS256 passkeys through
//! `latchkey webauthn create`, and the passkeys moved into a fresh vault (its own keychain
//! entry) must sign in there with the counters going on. webauthn-rs 0.6 refuses every OKP key
//! (see crates/authenticator/tests/webauthn_rs_judge.rs), so the EdDSA passkey is judged here
//! with ring against the public key the site got at registration: signature, RP ID hash,
//! flags, challenge, origin and counter.
//!
//! Also: a wrong passphrase, `--plain` unconfirmed, a second import, a file with a bad item
//! (refused whole, then `--skip-bad`), and an import killed with SIGKILL at random moments.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::storm::{env_u64, run_and_kill, Kill, Outcome, Rng};
use common::*;
use latchkey_authenticator::keys::CredentialKey;
use latchkey_vault::{alg, KeyStore, OsKeychain, PasskeyRecord, Vault};
use webauthn_rs::prelude::*;
use webauthn_rs::{Webauthn, WebauthnBuilder};

const ORIGIN: &str = "https://example.com";
const PASSPHRASE: &str = "tulip anchor seventeen lantern";

fn relying_party() -> Webauthn {
    WebauthnBuilder::new("example.com", &Url::parse(ORIGIN).unwrap())
        .unwrap()
        .rp_name("Example")
        .build()
        .unwrap()
}

fn init(d: &DataDir) {
    run(&d.path(), &["init"], "").ok();
}

/// Registers through `latchkey webauthn create` with only `alg` offered; webauthn-rs judges.
fn register(rp: &Webauthn, dir: &Path, user: &str, alg: (i64, COSEAlgorithm)) -> Passkey {
    let (ccr, state) = rp
        .start_passkey_registration(Uuid::new_v4(), user, user, None)
        .unwrap();
    let mut options = serde_json::to_value(&ccr).unwrap();
    let mut state = serde_json::to_value(&state).unwrap();
    // webauthn-rs has no public knob for its algorithm list: the options and the RP's own
    // state are narrowed to the algorithm under test.
    options["publicKey"]["pubKeyCredParams"] =
        serde_json::json!([{"type": "public-key", "alg": alg.0}]);
    state["rs"]["credential_algorithms"] = serde_json::json!([alg.1]);
    let state: PasskeyRegistration = serde_json::from_value(state).unwrap();
    let out = run(
        dir,
        &["webauthn", "create", "--origin", ORIGIN, "--yes"],
        &options.to_string(),
    )
    .ok();
    assert_eq!(out.json()["response"]["publicKeyAlgorithm"], alg.0);
    rp.finish_passkey_registration(&serde_json::from_str(&out.stdout).unwrap(), &state)
        .expect("webauthn-rs accepts the registration")
}

/// Signs in through `latchkey webauthn get`; webauthn-rs must accept it with a counter ahead
/// of the one it stored. Returns the new counter.
fn sign_in(rp: &Webauthn, dir: &Path, passkey: &mut Passkey) -> u32 {
    let (rcr, state) = rp
        .start_passkey_authentication(std::slice::from_ref(passkey))
        .unwrap();
    let out = run(
        dir,
        &["webauthn", "get", "--origin", ORIGIN, "--yes"],
        &serde_json::to_string(&rcr).unwrap(),
    )
    .ok();
    let result = rp
        .finish_passkey_authentication(&serde_json::from_str(&out.stdout).unwrap(), &state)
        .expect("webauthn-rs accepts the sign-in (signature and counter)");
    passkey.update_credential(&result);
    result.counter()
}

/// An Ed25519 passkey as a site keeps it: its id, the raw public key, the last counter.
struct EdSite {
    id: String,
    public: Vec<u8>,
    counter: u32,
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(v: &serde_json::Value) -> Vec<u8> {
    URL_SAFE_NO_PAD
        .decode(v.as_str().expect("a base64url string"))
        .unwrap()
}

fn sha256(data: &[u8]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, data)
        .as_ref()
        .to_vec()
}

fn register_ed25519(dir: &Path, user: &str) -> EdSite {
    let options = serde_json::json!({
        "challenge": b64(b"ed25519-registration-challenge"),
        "rp": {"id": "example.com", "name": "Example"},
        "user": {"id": b64(user.as_bytes()), "name": user, "displayName": user},
        "pubKeyCredParams": [{"type": "public-key", "alg": -8}],
        "authenticatorSelection": {"residentKey": "required", "userVerification": "required"}
    });
    let out = run(
        dir,
        &["webauthn", "create", "--origin", ORIGIN, "--yes"],
        &options.to_string(),
    )
    .ok()
    .json();
    assert_eq!(out["response"]["publicKeyAlgorithm"], -8);
    // SubjectPublicKeyInfo for Ed25519: a fixed 12-byte prefix, then the 32-byte key.
    let spki = unb64(&out["response"]["publicKey"]);
    assert_eq!(spki.len(), 44, "an Ed25519 SPKI");
    EdSite {
        id: out["id"].as_str().unwrap().to_owned(),
        public: spki[12..].to_vec(),
        counter: 0,
    }
}

/// The site's check of an Ed25519 sign-in, step by step as WebAuthn §7.2 says.
fn sign_in_ed25519(dir: &Path, site: &mut EdSite, round: u32) -> u32 {
    let challenge = b64(format!("ed25519-sign-in-{round}").as_bytes());
    let options = serde_json::json!({
        "challenge": challenge,
        "rpId": "example.com",
        "allowCredentials": [{"type": "public-key", "id": site.id}],
        "userVerification": "required"
    });
    let out = run(
        dir,
        &["webauthn", "get", "--origin", ORIGIN, "--yes"],
        &options.to_string(),
    )
    .ok()
    .json();
    assert_eq!(out["id"], site.id.as_str());
    let client_data = unb64(&out["response"]["clientDataJSON"]);
    let parsed: serde_json::Value = serde_json::from_slice(&client_data).unwrap();
    assert_eq!(parsed["type"], "webauthn.get");
    assert_eq!(parsed["challenge"], challenge.as_str());
    assert_eq!(parsed["origin"], ORIGIN);
    let auth_data = unb64(&out["response"]["authenticatorData"]);
    assert_eq!(auth_data[..32], sha256(b"example.com")[..], "RP ID hash");
    assert_eq!(auth_data[32] & 0x05, 0x05, "user present and verified");
    let counter = u32::from_be_bytes(auth_data[33..37].try_into().unwrap());
    let mut signed = auth_data.clone();
    signed.extend_from_slice(&sha256(&client_data));
    ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, &site.public)
        .verify(&signed, &unb64(&out["response"]["signature"]))
        .expect("the Ed25519 signature verifies with the key the site registered");
    assert!(
        counter > site.counter,
        "the counter went on: {counter} after {}",
        site.counter
    );
    site.counter = counter;
    counter
}

fn list(dir: &Path) -> Vec<serde_json::Value> {
    run(dir, &["list", "--json"], "")
        .ok()
        .json()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn passkeys_moved_to_a_fresh_vault_sign_in_there_and_their_counters_go_on() {
    let rp = relying_party();
    let old = DataDir::new();
    init(&old);
    let old_dir = old.path();
    let mut es256 = register(&rp, &old_dir, "es-user", (-7, COSEAlgorithm::ES256));
    let mut rs256 = register(&rp, &old_dir, "rs-user", (-257, COSEAlgorithm::RS256));
    let mut ed = register_ed25519(&old_dir, "ed-user");
    for _ in 0..2 {
        sign_in(&rp, &old_dir, &mut es256);
        sign_in(&rp, &old_dir, &mut rs256);
    }
    sign_in_ed25519(&old_dir, &mut ed, 1);
    sign_in_ed25519(&old_dir, &mut ed, 2);
    let before: Vec<u64> = list(&old_dir)
        .iter()
        .map(|m| m["signCount"].as_u64().unwrap())
        .collect();
    assert!(before.iter().all(|&c| c == 2), "{before:?}");

    let file = old.dir.path().join("moved.cxf.age");
    let out = run(
        &old_dir,
        &["export", "--out", file.to_str().unwrap()],
        &format!("{PASSPHRASE}\n"),
    )
    .ok();
    assert!(
        out.stdout.contains("Exported 3 passkeys to"),
        "{}",
        out.stdout
    );
    assert!(std::fs::read(&file)
        .unwrap()
        .starts_with(b"age-encryption.org/v1"));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );

    // A fresh vault with its own data key; the old vault's key is gone from the keychain, so
    // nothing can come from it but the file.
    let new = DataDir::new();
    init(&new);
    let new_dir = new.path();
    assert_ne!(new.vault_id(), old.vault_id());
    OsKeychain::new().delete(&old.vault_id().unwrap()).unwrap();
    let imported = run(
        &new_dir,
        &["import", file.to_str().unwrap()],
        &format!("{PASSPHRASE}\n"),
    )
    .ok();
    assert!(
        imported.stdout.starts_with("Imported 3 passkeys from"),
        "{}",
        imported.stdout
    );
    let moved = list(&new_dir);
    assert_eq!(moved.len(), 3);
    assert!(moved.iter().all(|m| m["signCount"] == 2), "{moved:?}");

    // The sites' saved public keys verify the imported passkeys, counters ahead of theirs.
    assert_eq!(sign_in(&rp, &new_dir, &mut es256), 3);
    assert_eq!(sign_in(&rp, &new_dir, &mut rs256), 3);
    assert_eq!(sign_in_ed25519(&new_dir, &mut ed, 3), 3);
    assert_eq!(sign_in(&rp, &new_dir, &mut es256), 4);
}

/// A vault with one passkey (ES256, alice) and a clear export of it beside it.
fn vault_and_plain_export() -> (DataDir, std::path::PathBuf) {
    let d = DataDir::new();
    init(&d);
    create_with(
        &|a, i| run(&d.path(), a, i),
        ORIGIN,
        "example.com",
        "alice",
        "YWxpY2U",
    )
    .ok();
    let file = d.dir.path().join("alice.json");
    run(
        &d.path(),
        &[
            "export",
            "--out",
            file.to_str().unwrap(),
            "--plain",
            "--yes",
        ],
        "",
    )
    .ok();
    (d, file)
}

#[test]
fn a_wrong_passphrase_exits_5_and_changes_nothing() {
    let src = DataDir::new();
    init(&src);
    create_with(
        &|a, i| run(&src.path(), a, i),
        ORIGIN,
        "example.com",
        "alice",
        "YWxpY2U",
    )
    .ok();
    let file = src.dir.path().join("alice.age");
    run(
        &src.path(),
        &["export", "--out", file.to_str().unwrap()],
        &format!("{PASSPHRASE}\n"),
    )
    .ok();

    let dst = DataDir::new();
    init(&dst);
    let before = fingerprint(&dst.path());
    let wrong = run(
        &dst.path(),
        &["import", file.to_str().unwrap()],
        "not the passphrase\n",
    );
    assert_eq!(wrong.code, 5, "{}", wrong.stderr);
    assert!(
        wrong.stderr.contains("wrong passphrase"),
        "{}",
        wrong.stderr
    );
    assert!(
        wrong.stderr.contains("alice.age"),
        "names the file: {}",
        wrong.stderr
    );
    assert_eq!(fingerprint(&dst.path()), before, "no file changed");

    // No passphrase at all (an empty line) is refused the same way.
    let empty = run(&dst.path(), &["import", file.to_str().unwrap()], "\n");
    assert_ne!(empty.code, 0, "{}", empty.stderr);
    assert_eq!(fingerprint(&dst.path()), before);
    assert!(list(&dst.path()).is_empty());
}

#[test]
fn exports_refuse_plain_without_yes_short_passphrases_and_existing_files() {
    let (d, plain) = vault_and_plain_export();
    let dir = d.path();
    let text = std::fs::read_to_string(&plain).unwrap();
    assert!(
        serde_json::from_str::<serde_json::Value>(&text).is_ok(),
        "clear JSON"
    );

    let out = d.dir.path().join("unconfirmed.json");
    let refused = run(
        &dir,
        &["export", "--out", out.to_str().unwrap(), "--plain"],
        "",
    );
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("WARNING: --plain"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("--yes"), "{}", refused.stderr);
    assert!(!out.exists(), "nothing written");

    let short = run(&dir, &["export", "--out", out.to_str().unwrap()], "short\n");
    assert_eq!(short.code, 2, "{}", short.stderr);
    assert!(short.stderr.contains("too short"), "{}", short.stderr);
    assert!(!out.exists());

    let existing = run(
        &dir,
        &["export", "--out", plain.to_str().unwrap()],
        &format!("{PASSPHRASE}\n"),
    );
    assert_eq!(existing.code, 2, "{}", existing.stderr);
    assert!(
        existing.stderr.contains("already exists"),
        "{}",
        existing.stderr
    );
    assert_eq!(std::fs::read_to_string(&plain).unwrap(), text, "untouched");

    let nowhere = run(
        &dir,
        &[
            "export",
            "--out",
            out.to_str().unwrap(),
            "--site",
            "other.example",
        ],
        &format!("{PASSPHRASE}\n"),
    );
    assert_eq!(nowhere.code, 1, "{}", nowhere.stderr);
    assert!(
        nowhere.stderr.contains("other.example"),
        "{}",
        nowhere.stderr
    );
    assert!(!out.exists());
}

#[test]
fn importing_the_same_file_twice_adds_nothing_the_second_time() {
    let (d, file) = vault_and_plain_export();
    let other = DataDir::new();
    init(&other);
    let first = run(
        &other.path(),
        &["import", file.to_str().unwrap(), "--json"],
        "",
    )
    .ok()
    .json();
    assert_eq!(first["added"], 1);
    assert_eq!(first["duplicates"], 0);
    let second = run(&other.path(), &["import", file.to_str().unwrap()], "").ok();
    assert!(
        second.stdout.starts_with("Imported 0 passkeys from")
            && second.stdout.contains("skipped 1 passkey already here"),
        "{}",
        second.stdout
    );
    // Into the vault it came from: all duplicates.
    let home = run(&d.path(), &["import", file.to_str().unwrap(), "--json"], "")
        .ok()
        .json();
    assert_eq!(
        (home["added"].as_u64(), home["duplicates"].as_u64()),
        (Some(0), Some(1))
    );
    assert_eq!(list(&other.path()).len(), 1);
}

fn records(n: u32, rp_id: &str) -> Vec<PasskeyRecord> {
    let key = CredentialKey::generate(alg::EDDSA).unwrap().to_pkcs8();
    (0..n)
        .map(|i| PasskeyRecord {
            credential_id: format!("{rp_id}-credential-{i}").into_bytes(),
            rp_id: rp_id.to_owned(),
            rp_name: None,
            user_handle: i.to_be_bytes().to_vec(),
            user_name: Some(format!("user{i}")),
            user_display_name: None,
            nickname: None,
            algorithm: alg::EDDSA,
            private_key: key.to_vec(),
            sign_count: i,
            created_at: 1_700_000_000,
            last_used_at: None,
            use_count: 0,
            cred_protect: 1,
            cred_random_with_uv: None,
            cred_random_without_uv: None,
            backup_eligible: true,
            backup_state: false,
        })
        .collect()
}

fn write_file(path: &Path, records: &[PasskeyRecord]) {
    let bytes = latchkey_transfer::write_cxf(records, 1_700_000_000).unwrap();
    std::fs::write(path, &*bytes).unwrap();
}

#[test]
fn a_file_with_a_bad_item_is_refused_whole_unless_skip_bad() {
    let d = DataDir::new();
    init(&d);
    let dir = d.path();
    let mut items = records(3, "shop.example");
    items[1].private_key = b"this is not a PKCS#8 key".to_vec();
    let file = d.dir.path().join("mixed.json");
    write_file(&file, &items);
    let listed = list(&dir);

    let dry = run(&dir, &["import", file.to_str().unwrap(), "--dry-run"], "").ok();
    assert!(
        dry.stdout
            .contains("mixed.json: CXF, 3 passkeys: 2 new, 0 already here, 1 with problems"),
        "{}",
        dry.stdout
    );
    assert!(dry.stdout.contains("item 2"), "{}", dry.stdout);
    assert!(
        dry.stdout.contains("Dry run: nothing was imported."),
        "{}",
        dry.stdout
    );
    let json = run(
        &dir,
        &["import", file.to_str().unwrap(), "--dry-run", "--json"],
        "",
    )
    .ok()
    .json();
    assert_eq!(
        (json["total"].as_u64(), json["new"].as_u64()),
        (Some(3), Some(2))
    );
    assert_eq!(json["problems"][0]["index"], 2);
    assert_eq!(list(&dir), listed, "a dry run imports nothing");
    let before = fingerprint(&dir);

    let refused = run(&dir, &["import", file.to_str().unwrap()], "");
    assert_eq!(refused.code, 4, "{}", refused.stderr);
    assert!(refused.stderr.contains("mixed.json"), "{}", refused.stderr);
    assert!(refused.stderr.contains("item 2"), "{}", refused.stderr);
    assert!(
        refused.stderr.contains("nothing was imported"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("--skip-bad"), "{}", refused.stderr);
    assert_eq!(fingerprint(&dir), before, "vault bytes unchanged");

    let skipped = run(&dir, &["import", file.to_str().unwrap(), "--skip-bad"], "").ok();
    assert!(
        skipped.stdout.starts_with("Imported 2 passkeys from")
            && skipped.stdout.contains("skipped 1 bad item(s)"),
        "{}",
        skipped.stdout
    );
    assert!(
        skipped.stdout.contains("Skipped:\n  item 2"),
        "{}",
        skipped.stdout
    );
    let names: BTreeSet<String> = list(&dir)
        .iter()
        .map(|m| m["userName"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, BTreeSet::from(["user0".into(), "user2".into()]));
}

#[test]
fn unreadable_files_exit_4_and_name_the_file() {
    let d = DataDir::new();
    init(&d);
    let file = d.dir.path().join("notes.txt");
    std::fs::write(&file, "just some notes, not an export").unwrap();
    let r = run(&d.path(), &["import", file.to_str().unwrap()], "");
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(r.stderr.contains("notes.txt"), "{}", r.stderr);
    let missing = d.dir.path().join("missing.json");
    let r = run(&d.path(), &["import", missing.to_str().unwrap()], "");
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("missing.json"), "{}", r.stderr);
}

/// Every stored passkey opens whole and its key parses; returns how many there are.
fn whole_passkeys(dir: &Path) -> Result<usize, String> {
    let vault = Vault::open(dir, &OsKeychain::new()).map_err(|e| format!("does not open: {e}"))?;
    let metas = vault.list().map_err(|e| format!("does not list: {e}"))?;
    for m in &metas {
        let r = vault
            .get(&m.credential_id)
            .map_err(|e| format!("a passkey does not open: {e}"))?
            .ok_or("a listed passkey has no secret part")?;
        CredentialKey::from_pkcs8(r.algorithm, &r.private_key)
            .map_err(|e| format!("a stored key does not parse: {e:?}"))?;
    }
    Ok(metas.len())
}

/// Replaces the vault in `d` by a new, empty one (and its keychain entry).
fn fresh_vault(d: &DataDir) {
    OsKeychain::new().delete(&d.vault_id().unwrap()).unwrap();
    std::fs::remove_dir_all(d.path()).unwrap();
    init(d);
}

#[test]
fn an_import_killed_at_random_moments_leaves_whole_passkeys_and_a_rerun_finishes() {
    const N: usize = 3000;
    let d = DataDir::new();
    init(&d);
    let dir = d.path();
    let file = d.dir.path().join("big.json");
    write_file(&file, &records(N as u32, "big.example"));
    let args = ["import", file.to_str().unwrap()];

    let kills = env_u64("LATCHKEY_IMPORT_KILLS", 12);
    let seed = env_u64(
        "LATCHKEY_STORM_SEED",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64
            | 1,
    );
    let mut rng = Rng(seed);
    // How long reading alone (a dry run) and a whole import take here: most kills land in the
    // writing that follows the reading, the others anywhere.
    let timed = Instant::now();
    run(&dir, &["import", file.to_str().unwrap(), "--dry-run"], "").ok();
    let read_ms = timed.elapsed().as_millis() as u64;
    let timed = Instant::now();
    run(&dir, &args, "").ok();
    let full_ms = timed.elapsed().as_millis() as u64;
    assert_eq!(whole_passkeys(&dir).unwrap(), N);
    fresh_vault(&d);
    let started = Instant::now();
    let (mut killed, mut finished, mut partial, mut last) = (0, 0, 0, 0);
    while killed < kills && started.elapsed() < Duration::from_secs(45) {
        let kill = match rng.below(4) {
            0 => Kill::AtSnapshot,
            1 => Kill::After(Duration::from_millis(rng.below(full_ms + 1))),
            _ => Kill::After(Duration::from_millis(
                read_ms + rng.below(full_ms.saturating_sub(read_ms) + 1),
            )),
        };
        match run_and_kill(&dir, &args, "", kill) {
            Outcome::Killed => killed += 1,
            Outcome::Finished(r) => {
                assert_eq!(r.code, 0, "seed {seed}: {}", r.stderr);
                finished += 1;
            }
        }
        let count = whole_passkeys(&dir).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        assert_eq!(
            count % latchkey_session::IMPORT_CHUNK,
            0,
            "seed {seed}: {count} stored; a chunk is written whole or not at all"
        );
        assert!(count >= last, "seed {seed}: passkeys disappeared");
        if count > last && count < N {
            partial += 1;
        }
        last = count;
        if count == N {
            // Start over on a new vault so later kills land in the middle of an import again.
            fresh_vault(&d);
            last = 0;
        }
    }
    assert!(killed > 0, "seed {seed}: no import was killed");
    // A rerun adds the rest, skipping what is there.
    let rerun = run(&dir, &args, "").ok();
    assert!(rerun.stdout.contains("Imported"), "{}", rerun.stdout);
    assert_eq!(whole_passkeys(&dir).unwrap(), N);
    let again = run(&dir, &args, "").ok();
    assert!(
        again.stdout.starts_with("Imported 0 passkeys"),
        "{}",
        again.stdout
    );
    eprintln!(
        "import kill test: {killed} kills ({partial} left part of the file written), {finished} finished imports, a whole import of {N} takes {full_ms} ms ({read_ms} ms reading), seed {seed}"
    );
}

#[test]
fn an_export_runs_the_real_os_check_and_a_refusal_writes_nothing() {
    // polkit approves root without asking: the gate is judged as the unprivileged test users
    // (latchkey-test allowed, latchkey-deny refused; see tests/polkit).
    let d = DataDir::new();
    let copied = std::process::Command::new("cp")
        .arg(common::BIN)
        .arg(d.dir.path().join("latchkey"))
        .status()
        .unwrap();
    assert!(copied.success());
    let file = d.dir.path().join("in.json");
    write_file(&file, &records(2, "shop.example"));
    let dir = d.path();
    let chown = |user: &str| {
        let status = std::process::Command::new("chown")
            .args(["-R", user])
            .arg(d.dir.path())
            .status()
            .unwrap();
        assert!(status.success(), "run as root through scripts/test.sh");
    };
    chown("latchkey-deny");
    as_user("latchkey-deny", &dir, &["init"], "").ok();
    // Importing needs no OS check (nothing leaves the vault).
    as_user(
        "latchkey-deny",
        &dir,
        &["import", file.to_str().unwrap()],
        "",
    )
    .ok();

    let out = d.dir.path().join("out.age");
    let refused = as_user(
        "latchkey-deny",
        &dir,
        &["export", "--out", out.to_str().unwrap()],
        &format!("{PASSPHRASE}\n"),
    );
    assert_eq!(refused.code, 3, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("nothing was done"),
        "{}",
        refused.stderr
    );
    assert!(!out.exists(), "a refused export writes no file");
    assert_eq!(
        std::fs::read_dir(d.dir.path()).unwrap().count(),
        3,
        "no temporary file left (latchkey, in.json and vault, nothing else)"
    );

    chown("latchkey-test");
    let allowed = as_user(
        "latchkey-test",
        &dir,
        &["export", "--out", out.to_str().unwrap()],
        &format!("{PASSPHRASE}\n"),
    )
    .ok();
    assert!(
        allowed.stdout.contains("Exported 2 passkeys"),
        "{}",
        allowed.stdout
    );
    assert!(out.exists());
}

#[test]
fn while_the_app_runs_import_and_export_point_to_its_view_and_touch_nothing() {
    let (d, file) = vault_and_plain_export();
    let dir = d.path();
    // The app's core serving its real socket, as via_app.rs starts it.
    let session = latchkey_session::Session::new(
        &dir,
        Box::new(OsKeychain::new()),
        latchkey_verify::platform_verifier(),
        std::sync::Arc::new(latchkey_session::NoEvents),
    );
    let server = latchkey_bridge::BridgeServer::bind(&dir).expect("the app's socket");
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let _serving = server.spawn(
        std::sync::Arc::new(latchkey_session::bridge_handler::SessionHandler(session)),
        latchkey_bridge::Doors::with_browser_host(
            &profile_dir.join(latchkey_bridge::BROWSER_HOST_NAME),
        ),
    );
    let before = fingerprint(&dir);
    let out = d.dir.path().join("out.age");
    for args in [
        vec!["import", file.to_str().unwrap()],
        vec!["export", "--out", out.to_str().unwrap()],
    ] {
        let r = run(&dir, &args, &format!("{PASSPHRASE}\n"));
        assert_eq!(r.code, 5, "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains("use its \"Import & export\" tab"),
            "{args:?}: {}",
            r.stderr
        );
    }
    assert!(!out.exists());
    assert_eq!(fingerprint(&dir), before);
}
