//! The lock screen's Repair: unlock fails with the damaged-vault error, repair (behind the OS
//! check) keeps a copy and brings every passkey back, and unlock works again. Real vault and
//! Secret Service; the OS check is a stand-in that can refuse (polkit itself is tested through
//! the CLI in crates/cli/tests/os_gate.rs).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use latchkey_session::{NoEvents, Session, SessionError};
use latchkey_vault::{alg, KeyStore, OsKeychain, PasskeyRecord, Vault, VaultError};
use latchkey_verify::{VerificationRequest, Verifier, VerifyError};

const SERVICE: &str = "dev.latchkey.test";

struct Gate(Arc<AtomicBool>);

impl Verifier for Gate {
    fn verify(&self, _: &VerificationRequest<'_>) -> Result<(), VerifyError> {
        if self.0.load(Ordering::SeqCst) {
            Err(VerifyError::Denied("refused for the test".into()))
        } else {
            Ok(())
        }
    }
}

fn record(i: u8) -> PasskeyRecord {
    PasskeyRecord {
        credential_id: vec![i; 16],
        rp_id: "example.com".into(),
        rp_name: None,
        user_handle: vec![i],
        user_name: Some(format!("user{i}")),
        user_display_name: None,
        nickname: None,
        algorithm: alg::ES256,
        private_key: vec![i; 32],
        sign_count: 0,
        created_at: 1_700_000_000,
        last_used_at: None,
        use_count: 0,
        cred_protect: 1,
        cred_random_with_uv: None,
        cred_random_without_uv: None,
        backup_eligible: true,
        backup_state: false,
    }
}

#[test]
fn unlock_of_a_damaged_vault_offers_repair_and_repair_brings_it_back() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let keychain = OsKeychain::with_service(SERVICE);
    let vault = Vault::init(&dir, &keychain).unwrap();
    let id = vault.id().to_owned();
    for i in 1..=3 {
        vault.create(&record(i)).unwrap();
    }
    drop(vault);
    drop(Vault::open(&dir, &keychain).unwrap()); // sled writes its snapshot while opening
    let snap = std::fs::read_dir(dir.join("db"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("snap.")
        })
        .unwrap();
    let mut bytes = std::fs::read(&snap).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xFF;
    std::fs::write(&snap, bytes).unwrap();

    let refuse = Arc::new(AtomicBool::new(false));
    let session = Session::new(
        &dir,
        Box::new(OsKeychain::with_service(SERVICE)),
        Box::new(Gate(refuse.clone())),
        Arc::new(NoEvents),
    );
    let err = session.unlock().unwrap_err();
    assert!(
        matches!(err, SessionError::Vault(VaultError::Damaged { .. })),
        "{err:?}"
    );
    assert!(err.to_string().contains("Repair"), "{err}");

    // No repair without the OS check; nothing is copied or moved then.
    refuse.store(true, Ordering::SeqCst);
    assert!(matches!(
        session.repair(),
        Err(SessionError::Verification(_))
    ));
    assert!(!std::fs::read_dir(&dir).unwrap().any(|e| e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .starts_with("damaged-")));
    refuse.store(false, Ordering::SeqCst);

    let report = session.repair().unwrap();
    assert!(
        report.contains("A copy of the vault as it was is kept in"),
        "{report}"
    );
    assert!(report.contains("all 3 passkey(s)"), "{report}");
    session.unlock().unwrap();
    assert_eq!(session.status().count, 3);
    // An open vault is not repaired.
    assert!(matches!(session.repair(), Err(SessionError::Invalid(_))));
    session.lock();
    let _ = keychain.delete(&id);
}
