//! Import and export through the session: the real vault on the real Secret Service, files
//! built with latchkey-transfer's own writer (the CXF Latchkey exports), read back with its
//! reader. The OS check is a counting stand-in (the real polkit path is the CLI's, in
//! crates/cli/tests/transfer.rs): what is tested is when the session asks and what it writes.

mod common;
use common::Fixture;

use std::sync::atomic::Ordering;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use latchkey_authenticator::keys::CredentialKey;
use latchkey_authenticator::Door;
use latchkey_session::{
    ActivityKind, FormatChoice, ImportProgress, ImportStage, Session, SessionError, TransferError,
    IMPORT_CHUNK,
};
use latchkey_transfer::Limits;
use latchkey_vault::{alg, PasskeyRecord};

const PASSPHRASE: &str = "correct horse battery staple";

/// An unlocked session over a new, empty vault (auto-lock far off: the large imports take
/// longer than the usual 400 ms).
fn fixture() -> Fixture {
    let f = Fixture::with_auto_lock(Duration::from_secs(30));
    f.session.unlock().unwrap();
    f
}

/// One Ed25519 key for the generated passkeys (its parse is what a reader checks; a key per
/// passkey would only slow the 100k test down).
fn ed25519() -> Vec<u8> {
    CredentialKey::generate(alg::EDDSA)
        .unwrap()
        .to_pkcs8()
        .to_vec()
}

fn record(rp_id: &str, n: u32, key: &[u8]) -> PasskeyRecord {
    PasskeyRecord {
        credential_id: format!("cred-{rp_id}-{n}").into_bytes(),
        rp_id: rp_id.to_owned(),
        rp_name: Some("Example".into()),
        user_handle: n.to_be_bytes().to_vec(),
        user_name: Some(format!("user{n}")),
        user_display_name: Some(format!("User {n}")),
        nickname: None,
        algorithm: alg::EDDSA,
        private_key: key.to_vec(),
        sign_count: n,
        created_at: 1_700_000_000 + u64::from(n),
        last_used_at: None,
        use_count: 0,
        cred_protect: 1,
        cred_random_with_uv: None,
        cred_random_without_uv: None,
        backup_eligible: true,
        backup_state: false,
    }
}

/// A clear CXF file of `records`, as `latchkey export --plain` writes it.
fn cxf(records: &[PasskeyRecord]) -> Vec<u8> {
    latchkey_transfer::write_cxf(records, 1_700_000_000)
        .unwrap()
        .to_vec()
}

fn no_progress(_: ImportProgress) {}

/// Opens and commits `bytes`; returns (added, duplicates).
fn import(s: &Session, bytes: Vec<u8>) -> (usize, usize) {
    let preview = s
        .import_open(bytes, "file.json", FormatChoice::Auto, None, &no_progress)
        .unwrap();
    let summary = s
        .import_commit(&preview.token, false, &no_progress)
        .unwrap();
    (summary.added, summary.duplicates)
}

/// The passkeys in an export file, read back with the import reader.
fn read_back(path: &std::path::Path, passphrase: Option<&str>) -> Vec<PasskeyRecord> {
    let bytes = std::fs::read(path).unwrap();
    latchkey_transfer::read(
        &bytes,
        path.file_name().and_then(|n| n.to_str()),
        FormatChoice::Auto,
        passphrase,
        &Limits::default(),
        &mut |_, _| {},
    )
    .unwrap()
    .items
    .into_iter()
    .map(|i| i.record)
    .collect()
}

#[test]
fn the_preview_counts_new_duplicates_and_problems_and_skip_bad_decides() {
    let f = fixture();
    let s = &f.session;
    let key = ed25519();
    let stored: Vec<_> = (1..=3).map(|n| record("a.example", n, &key)).collect();
    assert_eq!(import(s, cxf(&stored)), (3, 0));

    // One already here, one new (twice in the file), one whose key does not parse.
    let mut bad = record("b.example", 9, &key);
    bad.private_key = b"not a key".to_vec();
    let file = vec![
        record("a.example", 3, &key),
        record("b.example", 4, &key),
        record("b.example", 4, &key),
        bad,
    ];
    let preview = s
        .import_open(
            cxf(&file),
            "mixed.json",
            FormatChoice::Auto,
            None,
            &no_progress,
        )
        .unwrap();
    assert_eq!(preview.file_name, "mixed.json");
    assert_eq!(preview.format, "CXF");
    assert_eq!(preview.total, 4);
    assert_eq!((preview.new, preview.duplicates), (1, 2));
    assert_eq!(preview.problems.len(), 1, "{:?}", preview.problems);
    assert_eq!(preview.problems[0].index, 4, "people count from 1");
    let flags: Vec<(usize, bool)> = preview
        .items
        .iter()
        .map(|i| (i.index, i.duplicate))
        .collect();
    assert_eq!(flags, [(1, true), (2, false), (3, true)]);
    assert_eq!(preview.items[1].rp_id, "b.example");
    assert_eq!(preview.items[1].algorithm, "EdDSA");
    assert_eq!(preview.items[1].user_name.as_deref(), Some("user4"));

    // Refused whole while it has problems: nothing written, still staged for a second try.
    let before = s.list().unwrap();
    let err = s
        .import_commit(&preview.token, false, &no_progress)
        .unwrap_err();
    assert!(matches!(err, SessionError::ImportHasProblems(1)), "{err}");
    assert!(err.to_string().contains("nothing was imported"), "{err}");
    assert_eq!(s.list().unwrap(), before);
    assert_eq!(s.staged_import_count(), 1);

    let summary = s.import_commit(&preview.token, true, &no_progress).unwrap();
    assert_eq!((summary.added, summary.duplicates), (1, 2));
    assert_eq!(summary.skipped.len(), 1);
    assert_eq!(s.status().count, 4);
    assert_eq!(s.staged_import_count(), 0, "a committed import is gone");
    // The imported passkey is whole: its key still parses, its counter came along.
    let got = s
        .list()
        .unwrap()
        .into_iter()
        .find(|p| p.rp_id == "b.example")
        .unwrap();
    assert_eq!(got.sign_count, 4);
    assert_eq!(got.user_name.as_deref(), Some("user4"));

    let log = s.activity(10).unwrap();
    let imported: Vec<_> = log
        .iter()
        .filter(|e| e.kind == ActivityKind::Imported)
        .map(|e| e.account.clone())
        .collect();
    assert_eq!(
        imported,
        [Some("1 passkey".to_owned()), Some("3 passkeys".to_owned())]
    );
    assert!(log
        .iter()
        .all(|e| e.rp_id.is_none() || e.kind != ActivityKind::Imported));
}

#[test]
fn a_second_import_of_the_same_file_adds_nothing() {
    let f = fixture();
    let key = ed25519();
    let file = cxf(&(1..=5)
        .map(|n| record("a.example", n, &key))
        .collect::<Vec<_>>());
    assert_eq!(import(&f.session, file.clone()), (5, 0));
    assert_eq!(import(&f.session, file), (0, 5));
    assert_eq!(f.session.status().count, 5);
}

#[test]
fn a_duplicate_stored_after_the_preview_is_skipped_not_a_failure() {
    let f = fixture();
    let s = &f.session;
    let key = ed25519();
    let file = cxf(&(1..=3)
        .map(|n| record("a.example", n, &key))
        .collect::<Vec<_>>());
    let first = s
        .import_open(
            file.clone(),
            "f.json",
            FormatChoice::Auto,
            None,
            &no_progress,
        )
        .unwrap();
    let second = s
        .import_open(file, "f.json", FormatChoice::Auto, None, &no_progress)
        .unwrap();
    assert_eq!(second.new, 3);
    s.import_commit(&first.token, false, &no_progress).unwrap();
    let summary = s.import_commit(&second.token, false, &no_progress).unwrap();
    assert_eq!((summary.added, summary.duplicates), (0, 3));
}

#[test]
fn staged_imports_are_dropped_on_lock_and_on_discard() {
    let f = fixture();
    let s = &f.session;
    let key = ed25519();
    let file = cxf(&[record("a.example", 1, &key)]);
    let preview = s
        .import_open(
            file.clone(),
            "f.json",
            FormatChoice::Auto,
            None,
            &no_progress,
        )
        .unwrap();
    assert_eq!(s.staged_import_count(), 1);
    s.lock();
    assert_eq!(s.staged_import_count(), 0, "lock drops what was staged");
    s.unlock().unwrap();
    let err = s
        .import_commit(&preview.token, false, &no_progress)
        .unwrap_err();
    assert!(err.to_string().contains("open the file again"), "{err}");
    assert_eq!(s.status().count, 0);

    let preview = s
        .import_open(file, "f.json", FormatChoice::Auto, None, &no_progress)
        .unwrap();
    s.import_discard(&preview.token);
    assert_eq!(s.staged_import_count(), 0);
    assert!(s
        .import_commit(&preview.token, false, &no_progress)
        .is_err());

    // Locked: nothing is read at all.
    s.lock();
    let err = s
        .import_open(
            b"{}".to_vec(),
            "f.json",
            FormatChoice::Auto,
            None,
            &no_progress,
        )
        .unwrap_err();
    assert!(matches!(err, SessionError::Locked), "{err}");
}

#[test]
fn only_a_few_imports_stay_staged() {
    let f = fixture();
    let s = &f.session;
    let key = ed25519();
    let file = cxf(&[record("a.example", 1, &key)]);
    let tokens: Vec<String> = (0..5)
        .map(|_| {
            s.import_open(
                file.clone(),
                "f.json",
                FormatChoice::Auto,
                None,
                &no_progress,
            )
            .unwrap()
            .token
        })
        .collect();
    assert_eq!(s.staged_import_count(), latchkey_session::MAX_STAGED);
    assert!(
        s.import_commit(&tokens[0], false, &no_progress).is_err(),
        "the oldest went"
    );
    s.import_commit(&tokens[4], false, &no_progress).unwrap();
}

#[test]
fn encrypted_files_ask_for_the_passphrase_and_a_wrong_one_is_refused() {
    let f = fixture();
    let s = &f.session;
    let key = ed25519();
    let sealed =
        latchkey_transfer::encrypt(&cxf(&[record("a.example", 1, &key)]), PASSPHRASE).unwrap();
    let err = s
        .import_open(
            sealed.clone(),
            "f.age",
            FormatChoice::Auto,
            None,
            &no_progress,
        )
        .unwrap_err();
    assert!(matches!(err, SessionError::PassphraseNeeded), "{err}");
    let err = s
        .import_open(
            sealed.clone(),
            "f.age",
            FormatChoice::Auto,
            Some("wrong passphrase"),
            &no_progress,
        )
        .unwrap_err();
    assert!(
        matches!(err, SessionError::Transfer(TransferError::WrongPassphrase)),
        "{err}"
    );
    assert_eq!(s.staged_import_count(), 0);
    let preview = s
        .import_open(
            sealed,
            "f.age",
            FormatChoice::Auto,
            Some(PASSPHRASE),
            &no_progress,
        )
        .unwrap();
    assert_eq!(preview.new, 1);
}

#[test]
fn export_is_behind_the_os_check_filtered_by_site_and_private_to_its_owner() {
    let f = fixture();
    let s = &f.session;
    let key = ed25519();
    let mut all: Vec<_> = (1..=3).map(|n| record("a.example", n, &key)).collect();
    all.extend((4..=5).map(|n| record("b.example", n, &key)));
    all.push(record("c.example", 6, &key));
    import(s, cxf(&all));
    let out = f.dir.path().join("export.age");

    // Refused check: no file, nothing logged.
    f.gate.refuse.store(true, Ordering::SeqCst);
    let err = s.export_to(&out, &[], Some(PASSPHRASE)).unwrap_err();
    assert!(matches!(err, SessionError::Verification(_)), "{err}");
    assert!(!out.exists());
    assert_eq!(
        std::fs::read_dir(f.dir.path()).unwrap().count(),
        1,
        "no temp file left"
    );
    f.gate.refuse.store(false, Ordering::SeqCst);

    let calls = f.gate.calls.load(Ordering::SeqCst);
    let sites = vec!["a.example".to_owned(), "c.example".to_owned()];
    assert_eq!(s.export_to(&out, &sites, Some(PASSPHRASE)).unwrap(), 4);
    assert_eq!(
        f.gate.calls.load(Ordering::SeqCst),
        calls + 1,
        "one OS check"
    );
    assert_eq!(
        f.gate.operations.lock().unwrap().last().unwrap(),
        "export passkeys"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let bytes = std::fs::read(&out).unwrap();
    assert!(
        bytes.starts_with(b"age-encryption.org/v1"),
        "age by default"
    );
    let mut back = read_back(&out, Some(PASSPHRASE));
    back.sort_by(|a, b| a.credential_id.cmp(&b.credential_id));
    let mut want: Vec<_> = all
        .iter()
        .filter(|r| r.rp_id != "b.example")
        .cloned()
        .collect();
    want.sort_by(|a, b| a.credential_id.cmp(&b.credential_id));
    assert_eq!(back.len(), want.len());
    for (got, want) in back.iter().zip(&want) {
        assert_eq!(got.credential_id, want.credential_id);
        assert_eq!(
            got.private_key, want.private_key,
            "the same key, so it signs the same"
        );
        assert_eq!(got.sign_count, want.sign_count, "counters travel");
        assert_eq!(got.user_handle, want.user_handle);
        assert_eq!(got.user_name, want.user_name);
    }

    // Plain JSON when asked; a replaced file is replaced whole.
    assert_eq!(s.export_to(&out, &[], None).unwrap(), 6);
    let text = std::fs::read(&out).unwrap();
    assert!(serde_json::from_slice::<serde_json::Value>(&text).is_ok());
    assert_eq!(read_back(&out, None).len(), 6);

    // A site with nothing here says so and writes nothing.
    let none = f.dir.path().join("none.json");
    let err = s
        .export_to(&none, &["nowhere.example".to_owned()], None)
        .unwrap_err();
    assert!(err.to_string().contains("nowhere.example"), "{err}");
    assert!(!none.exists());

    let exported: Vec<_> = s
        .activity(20)
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == ActivityKind::Exported)
        .map(|e| e.account)
        .collect();
    assert_eq!(
        exported,
        [Some("6 passkeys".to_owned()), Some("4 passkeys".to_owned())]
    );
}

#[test]
fn an_export_never_contains_a_passkey_waiting_in_the_undo_window() {
    let f = fixture();
    let s = &f.session;
    let key = ed25519();
    import(
        s,
        cxf(&(1..=3)
            .map(|n| record("a.example", n, &key))
            .collect::<Vec<_>>()),
    );
    let gone = s.list().unwrap().remove(0);
    let ticket = s.delete(&gone.id, Door::App).unwrap();
    let out = f.dir.path().join("export.json");
    assert_eq!(s.export_to(&out, &[], None).unwrap(), 2);
    let ids: Vec<String> = read_back(&out, None)
        .iter()
        .map(|r| {
            use base64::Engine;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&r.credential_id)
        })
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(!ids.contains(&gone.id));
    // Nor when asked for its site by name.
    let out2 = f.dir.path().join("site.json");
    assert_eq!(
        s.export_to(&out2, &["a.example".to_owned()], None).unwrap(),
        2
    );
    s.undo_delete(&ticket.undo_id).unwrap();
}

#[test]
fn a_hundred_thousand_passkeys_import_with_progress_to_the_end() {
    const N: u32 = 100_000;
    let f = fixture();
    let s = &f.session;
    let key = ed25519();
    // 5000 sites with 20 passkeys each: a password manager's export, not one site's 100k.
    let records: Vec<_> = (0..N)
        .map(|n| record(&format!("site{}.example", n % 5000), n, &key))
        .collect();
    let file = cxf(&records);
    drop(records);
    let started = Instant::now();
    let chunk_times: Mutex<Vec<Duration>> = Mutex::new(Vec::new());
    let seen: Mutex<Vec<ImportProgress>> = Mutex::new(Vec::new());
    let record_progress = |p: ImportProgress| {
        if p.stage == ImportStage::Adding {
            chunk_times.lock().unwrap().push(started.elapsed());
        }
        seen.lock().unwrap().push(p)
    };
    let preview = s
        .import_open(file, "big.json", FormatChoice::Auto, None, &record_progress)
        .unwrap();
    assert_eq!((preview.total, preview.new), (N as usize, N as usize));
    assert_eq!(preview.items.len(), latchkey_session::PREVIEW_ITEMS);
    let read_took = started.elapsed();
    let summary = s
        .import_commit(&preview.token, false, &record_progress)
        .unwrap();
    assert_eq!(summary.added, N as usize);
    let took = started.elapsed();

    let seen = seen.into_inner().unwrap();
    let adding: Vec<_> = seen
        .iter()
        .filter(|p| p.stage == ImportStage::Adding)
        .collect();
    assert!(
        adding.windows(2).all(|w| w[0].done <= w[1].done),
        "monotonic"
    );
    assert!(adding.iter().all(|p| p.total == N as usize));
    assert_eq!(
        adding.last().unwrap().done,
        N as usize,
        "progress reaches the total"
    );
    assert!(
        adding.len() >= N as usize / IMPORT_CHUNK,
        "a report per chunk: {}",
        adding.len()
    );
    let reading: Vec<_> = seen
        .iter()
        .filter(|p| p.stage == ImportStage::Reading)
        .collect();
    assert!(reading.windows(2).all(|w| w[0].done <= w[1].done));

    let listed = s.list().unwrap();
    assert_eq!(listed.len(), N as usize, "all listed after");
    let times = chunk_times.into_inner().unwrap();
    eprintln!(
        "first chunk {:?}, last chunk {:?}",
        times[2] - times[1],
        times[times.len() - 1] - times[times.len() - 2]
    );
    let list_took = started.elapsed() - took;
    eprintln!("listing 100k: {:.1} s", list_took.as_secs_f64());
    eprintln!(
        "100k import: read and staged in {:.1} s, committed in {:.1} s, {:.1} s in all",
        read_took.as_secs_f64(),
        (took - read_took).as_secs_f64(),
        took.as_secs_f64()
    );
}
