//! Shared set-up for the vault tests: real OS keychain (Secret Service), throw-away data dirs.
#![allow(dead_code)]

use latchkey_vault::{alg, KeyStore, OsKeychain, PasskeyRecord, Vault};

pub const SERVICE: &str = "dev.latchkey.test";

pub fn keychain() -> OsKeychain {
    OsKeychain::with_service(SERVICE)
}

/// A vault in a fresh temp dir; the keychain entry is removed when the guard drops.
pub struct TestVault {
    pub dir: tempfile::TempDir,
    pub id: String,
}

impl TestVault {
    pub fn new() -> (TestVault, Vault) {
        let dir = tempfile::tempdir().unwrap();
        let vault =
            Vault::init(dir.path(), &keychain()).expect("init (is the Secret Service running?)");
        let id = vault.id().to_owned();
        (TestVault { dir, id }, vault)
    }
    pub fn open(&self) -> Vault {
        Vault::open(self.dir.path(), &keychain()).unwrap()
    }
}

impl Drop for TestVault {
    fn drop(&mut self) {
        let _ = keychain().delete(&self.id);
    }
}

pub fn record(i: u32, rp: &str, user: &str) -> PasskeyRecord {
    PasskeyRecord {
        credential_id: format!("cred-id-{rp}-{user}-{i}").into_bytes(),
        rp_id: rp.to_owned(),
        rp_name: Some(format!("{rp} site")),
        user_handle: format!("handle-{user}-{i}").into_bytes(),
        user_name: Some(format!("{user}@{rp}")),
        user_display_name: Some(format!("Display {user}")),
        nickname: None,
        algorithm: alg::ES256,
        private_key: format!("PRIVATE-KEY-BYTES-{rp}-{user}-{i}").into_bytes(),
        sign_count: 0,
        created_at: 1_700_000_000 + u64::from(i),
        last_used_at: None,
        use_count: 0,
        cred_protect: 1,
        cred_random_with_uv: Some(vec![i as u8; 32]),
        cred_random_without_uv: None,
        backup_eligible: true,
        backup_state: false,
    }
}

/// Every byte of every file under `dir`, for at-rest and unchanged-on-error checks.
pub fn snapshot(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.clone(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// The raw database of a closed vault, as an attacker with access to the files sees it.
/// sled releases its file lock only when its background flusher lets go of the database, a
/// moment after the vault is dropped; on a loaded machine that moment can be long, so the lock
/// is retried for a few seconds before the test gives up.
pub fn raw_db(dir: &std::path::Path) -> sled::Db {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        match sled::open(dir.join("db")) {
            Ok(db) => return db,
            Err(e)
                if e.to_string().contains("could not acquire lock")
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(e) => panic!("cannot open the raw database: {e}"),
        }
    }
}

/// Every non-empty tree of a closed vault's database, key → value, for "nothing changed"
/// checks (opening a database may create an empty tree; an empty tree holds no record).
pub type RawTrees = std::collections::BTreeMap<Vec<u8>, Vec<(Vec<u8>, Vec<u8>)>>;

pub fn raw_trees(dir: &std::path::Path) -> RawTrees {
    let db = raw_db(dir);
    let mut out = RawTrees::new();
    for name in db.tree_names() {
        let tree = db.open_tree(&name).unwrap();
        if tree.is_empty() {
            continue;
        }
        let rows = tree
            .iter()
            .map(|r| {
                let (k, v) = r.unwrap();
                (k.to_vec(), v.to_vec())
            })
            .collect();
        out.insert(name.to_vec(), rows);
    }
    out
}
