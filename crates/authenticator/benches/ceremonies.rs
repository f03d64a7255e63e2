//! makeCredential and getAssertion through Latchkey's core over an encrypted sled vault holding
//! 10, 1k and 100k passkeys, side by side in one run with two peers:
//! 1Password's `passkey-authenticator` (in-memory `HashMap` store) and a bare P-256 ECDSA sign,
//! both by the p256 crate (what passkey-rs signs with) and by ring (what Latchkey signs with).
//!
//! Machines here are shared and noisy, so what matters is the ratio printed at the end, not the
//! absolute times. Every Latchkey write is flushed to disk before it is acknowledged (a design
//! rule); a getAssertion takes its counter from a block reserved ahead, so only one in 128 pays
//! a durable write, and the in-memory peer pays none. Run with `scripts/bench.sh` (it starts the
//! Secret Service the vault needs for its data key).

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use criterion::{BenchmarkId, Criterion};
use latchkey_authenticator::extensions::{
    GetAssertionExtensionInputs, MakeCredentialExtensionInputs,
};
use latchkey_authenticator::get_assertion::GetAssertionRequest;
use latchkey_authenticator::keys::CredentialKey;
use latchkey_authenticator::make_credential::{
    AttestationPreference, CredentialDescriptor, CredentialParameter, MakeCredentialRequest,
    Options, RpEntity, UserEntity,
};
use latchkey_authenticator::{
    Approval, ApprovalRequest, Authenticator, Caller, Door, Refusal, UserInteraction,
};
use latchkey_vault::{alg, KeyStore, OsKeychain, PasskeyRecord, Vault};
use p256::ecdsa::signature::Signer;

const SIZES: [usize; 3] = [10, 1_000, 100_000];
const TARGET_RP: &str = "bench.example";

/// Stands in for the person: approves at once with user verification. The OS check is human time
/// and is not what this benchmark measures.
struct Approve;

impl UserInteraction for Approve {
    fn approve(&self, request: &ApprovalRequest<'_>) -> Result<Approval, Refusal> {
        Ok(Approval {
            account: (!request.accounts.is_empty()).then_some(0),
            user_verified: true,
        })
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Fills a fresh vault with `n` passkeys: one for the target site, the rest spread over other
/// sites. Filler records share one key pair (generating 100k keys would only slow set-up; the
/// stored bytes are the same size).
fn seeded_vault(dir: &Path, keychain: &OsKeychain, n: usize) -> (Vault, Vec<u8>) {
    let vault =
        Vault::init(dir, keychain).expect("init bench vault (is the Secret Service running?)");
    let filler_key = CredentialKey::generate(alg::ES256).expect("p256 key");
    let filler_der = filler_key.to_pkcs8();
    let target_key = CredentialKey::generate(alg::ES256).expect("p256 key");
    let record = |i: usize, rp: String, der: &[u8]| PasskeyRecord {
        credential_id: format!("bench-credential-{i:08}").into_bytes(),
        rp_id: rp,
        rp_name: None,
        user_handle: format!("user-{i}").into_bytes(),
        user_name: Some(format!("user{i}@example.com")),
        user_display_name: Some(format!("User {i}")),
        nickname: None,
        algorithm: alg::ES256,
        private_key: der.to_vec(),
        sign_count: 0,
        created_at: now(),
        last_used_at: None,
        use_count: 0,
        cred_protect: 1,
        cred_random_with_uv: None,
        cred_random_without_uv: None,
        backup_eligible: true,
        backup_state: false,
    };
    let target = record(0, TARGET_RP.to_owned(), &target_key.to_pkcs8());
    let target_id = target.credential_id.clone();
    let mut batch = vec![target];
    for i in 1..n {
        batch.push(record(i, format!("site{}.example", i % 5_000), &filler_der));
        if batch.len() == 5_000 {
            vault.create_many(&batch).expect("seed");
            batch.clear();
        }
    }
    vault.create_many(&batch).expect("seed");
    (vault, target_id)
}

fn make_credential_request(i: u64) -> MakeCredentialRequest {
    MakeCredentialRequest {
        client_data_hash: vec![7; 32],
        rp: RpEntity {
            id: format!("new{i}.example"),
            name: None,
        },
        user: UserEntity {
            id: i.to_be_bytes().to_vec(),
            name: Some(format!("new{i}")),
            display_name: None,
        },
        pub_key_cred_params: vec![CredentialParameter { alg: alg::ES256 }],
        exclude_list: Vec::new(),
        extensions: MakeCredentialExtensionInputs::default(),
        options: Options {
            rk: Some(true),
            up: None,
            uv: Some(true),
        },
        pin_uv_auth_param: None,
        pin_uv_auth_protocol: None,
        enterprise_attestation: None,
        attestation_preference: AttestationPreference::None,
    }
}

/// A sign-in naming the target credential (allow list): passkey-rs's in-memory store only
/// answers allow-listed requests, so both sides run the same flow.
fn get_assertion_request(target: &[u8]) -> GetAssertionRequest {
    GetAssertionRequest {
        rp_id: TARGET_RP.to_owned(),
        client_data_hash: vec![9; 32],
        allow_list: vec![CredentialDescriptor {
            id: target.to_vec(),
        }],
        extensions: GetAssertionExtensionInputs::default(),
        options: Options {
            rk: None,
            up: None,
            uv: Some(true),
        },
        pin_uv_auth_param: None,
        pin_uv_auth_protocol: None,
    }
}

fn bench_latchkey(c: &mut Criterion) {
    let keychain = OsKeychain::with_service("dev.latchkey.bench");
    let caller = Caller::new(Door::Cli, Some(format!("https://{TARGET_RP}")));
    for n in SIZES {
        let dir = tempfile::tempdir().expect("tempdir");
        let started = std::time::Instant::now();
        let (vault, target) = seeded_vault(dir.path(), &keychain, n);
        eprintln!("seeded {n} passkeys in {:.1?}", started.elapsed());
        if n == SIZES[SIZES.len() - 1] {
            bench_parts(c, &vault, &target, n);
        }
        let mut auth = Authenticator::new(vault, Approve);

        let mut group = c.benchmark_group("get_assertion");
        group.bench_with_input(BenchmarkId::new("latchkey_sled_vault", n), &n, |b, _| {
            let req = get_assertion_request(&target);
            b.iter(|| black_box(auth.get_assertion(&req, &caller).expect("assertion")))
        });
        group.finish();
        if n == SIZES[SIZES.len() - 1] {
            let req = get_assertion_request(&target);
            let mut ours = || {
                black_box(auth.get_assertion(&req, &caller).expect("assertion"));
            };
            let mut theirs = peer::get_assertion_op(n);
            let mut bare = bare_sign_op();
            let mut bare_ring = bare_ring_sign_op();
            let _ = PAIRED.set(interleaved([
                &mut ours,
                &mut theirs,
                &mut bare,
                &mut bare_ring,
            ]));
        }

        let mut group = c.benchmark_group("make_credential");
        let mut i = 0u64;
        group.bench_with_input(BenchmarkId::new("latchkey_sled_vault", n), &n, |b, _| {
            b.iter(|| {
                i += 1;
                black_box(
                    auth.make_credential(&make_credential_request(i), &caller)
                        .expect("create"),
                )
            })
        });
        group.finish();

        // The vault's keychain entry belongs to this run only.
        let vault_id = auth.store().id().to_owned();
        drop(auth);
        let _ = keychain.delete(&vault_id);
    }
}

/// Rounds of the interleaved comparison.
const PAIRED_ROUNDS: usize = 2_000;

/// Medians of one Latchkey getAssertion, one passkey-rs getAssertion and one bare P-256
/// signature by p256 and by ring, timed in turn (see [`interleaved`]).
static PAIRED: std::sync::OnceLock<[Duration; 4]> = std::sync::OnceLock::new();

/// Runs each of `ops` once per round, in turn, for [`PAIRED_ROUNDS`] rounds, and returns each
/// one's median time. Criterion measures each group for seconds, one after the other: on a
/// shared machine the load changes between groups and moves a ratio of two groups by ±40%
/// (one run here put a getAssertion, which includes a signature, at 0.6x a bare signature);
/// interleaved, every side meets the same load.
fn interleaved<const N: usize>(mut ops: [&mut dyn FnMut(); N]) -> [Duration; N] {
    let mut times: [Vec<Duration>; N] = std::array::from_fn(|_| Vec::with_capacity(PAIRED_ROUNDS));
    for _ in 0..PAIRED_ROUNDS {
        for (op, t) in ops.iter_mut().zip(times.iter_mut()) {
            let start = std::time::Instant::now();
            op();
            t.push(start.elapsed());
        }
    }
    times.map(|mut t| {
        t.sort();
        t[PAIRED_ROUNDS / 2]
    })
}

/// What a getAssertion signs: authenticatorData (37 bytes) || clientDataHash.
const SIGNED_MESSAGE: [u8; 37 + 32] = [5; 37 + 32];

/// A bare P-256 signature of a message the size of a getAssertion's (authData + hash).
fn bare_sign_op() -> impl FnMut() {
    let key = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
    let msg = SIGNED_MESSAGE;
    move || {
        let sig: p256::ecdsa::Signature = key.sign(black_box(&msg));
        black_box(sig);
    }
}

/// The same signature by ring, the library Latchkey signs with: the floor of Latchkey's own
/// getAssertion.
fn bare_ring_sign_op() -> impl FnMut() {
    use ring::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
    let rng = ring::rand::SystemRandom::new();
    let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).expect("key");
    let key =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, doc.as_ref(), &rng).expect("key");
    let msg = SIGNED_MESSAGE;
    move || {
        black_box(key.sign(&rng, black_box(&msg)).expect("sign"));
    }
}

mod peer {
    //! 1Password's passkey-authenticator with its in-memory store, driven the same way.
    use super::*;
    use passkey_authenticator::{
        Authenticator as PkAuthenticator, MemoryStore, UiHint, UserCheck, UserValidationMethod,
    };
    use passkey_crypto::{iana, AvailableBackend, CryptoBackend, SecretKeyT};
    use passkey_types::ctap2::{get_assertion, make_credential, Aaguid, Ctap2Error};
    use passkey_types::{webauthn, Passkey};

    struct PkApprove;

    #[async_trait::async_trait]
    impl UserValidationMethod for PkApprove {
        type PasskeyItem = Passkey;
        async fn check_user<'a>(
            &self,
            _hint: UiHint<'a, Passkey>,
            presence: bool,
            verification: bool,
        ) -> Result<UserCheck, Ctap2Error> {
            Ok(UserCheck {
                presence,
                verification,
            })
        }
        fn is_presence_enabled(&self) -> bool {
            true
        }
        fn is_verification_enabled(&self) -> Option<bool> {
            Some(true)
        }
    }

    fn passkey(i: usize, rp: String) -> Passkey {
        let key = AvailableBackend
            .generate_key(iana::Algorithm::ES256)
            .expect("key");
        Passkey {
            key: key.to_cose_key(),
            credential_id: format!("bench-credential-{i:08}").into_bytes().into(),
            rp_id: rp,
            user_handle: Some(format!("user-{i}").into_bytes().into()),
            username: Some(format!("user{i}@example.com")),
            user_display_name: Some(format!("User {i}")),
            counter: Some(0),
            extensions: Default::default(),
        }
    }

    type PeerAuthenticator = PkAuthenticator<MemoryStore, PkApprove, AvailableBackend>;

    /// passkey-rs over an in-memory store of `n` passkeys, the target among them.
    fn authenticator(n: usize) -> PeerAuthenticator {
        let mut store = MemoryStore::new();
        let target = passkey(0, TARGET_RP.to_owned());
        store.insert(target.credential_id.to_vec(), target);
        // Filler passkeys share one key pair, as on the Latchkey side.
        let filler = passkey(1, String::new());
        for i in 1..n {
            let mut p = filler.clone();
            p.credential_id = format!("bench-credential-{i:08}").into_bytes().into();
            p.rp_id = format!("site{}.example", i % 5_000);
            store.insert(p.credential_id.to_vec(), p);
        }
        let mut auth =
            PkAuthenticator::new(Aaguid::new_empty(), store, PkApprove, AvailableBackend);
        auth.set_make_credentials_with_signature_counter(true);
        auth
    }

    /// The same allow-listed sign-in as [`get_assertion_request`], in passkey-rs's types.
    fn get_assertion_request() -> get_assertion::Request {
        get_assertion::Request {
            rp_id: TARGET_RP.into(),
            client_data_hash: vec![9; 32].into(),
            allow_list: Some(vec![webauthn::PublicKeyCredentialDescriptor {
                ty: webauthn::PublicKeyCredentialType::PublicKey,
                id: b"bench-credential-00000000".to_vec().into(),
                transports: None,
            }]),
            extensions: None,
            pin_auth: None,
            pin_protocol: None,
            options: get_assertion::Options { up: true, uv: true },
        }
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
    }

    /// One passkey-rs getAssertion over `n` passkeys per call, for the interleaved comparison.
    pub fn get_assertion_op(n: usize) -> impl FnMut() {
        let rt = runtime();
        let mut auth = authenticator(n);
        move || {
            black_box(
                rt.block_on(auth.get_assertion(get_assertion_request()))
                    .expect("assertion"),
            );
        }
    }

    pub fn bench(c: &mut Criterion) {
        let rt = runtime();
        for n in SIZES {
            let mut auth = authenticator(n);

            let mut group = c.benchmark_group("get_assertion");
            group.bench_with_input(BenchmarkId::new("passkey_rs_memory", n), &n, |b, _| {
                b.iter(|| {
                    black_box(
                        rt.block_on(auth.get_assertion(get_assertion_request()))
                            .expect("assertion"),
                    )
                })
            });
            group.finish();

            let mut group = c.benchmark_group("make_credential");
            let mut i = 0u64;
            group.bench_with_input(BenchmarkId::new("passkey_rs_memory", n), &n, |b, _| {
                b.iter(|| {
                    i += 1;
                    let req = make_credential::Request {
                        client_data_hash: vec![7; 32].into(),
                        rp: make_credential::PublicKeyCredentialRpEntity {
                            id: format!("new{i}.example"),
                            name: None,
                        },
                        user: webauthn::PublicKeyCredentialUserEntity {
                            id: i.to_be_bytes().to_vec().into(),
                            display_name: String::new(),
                            name: format!("new{i}"),
                        },
                        pub_key_cred_params: vec![webauthn::PublicKeyCredentialParameters {
                            ty: webauthn::PublicKeyCredentialType::PublicKey,
                            alg: iana::Algorithm::ES256,
                        }],
                        exclude_list: None,
                        extensions: None,
                        options: make_credential::Options {
                            rk: true,
                            up: true,
                            uv: true,
                        },
                        pin_auth: None,
                        pin_protocol: None,
                    };
                    black_box(rt.block_on(auth.make_credential(req)).expect("create"))
                })
            });
            group.finish();
        }
    }
}

/// Where a getAssertion's time goes, piece by piece, at the largest vault: opening the passkey's
/// records (what `store.get` does), parsing its PKCS#8 key (what the key cache saves), and
/// taking the next counter (memory below the reserved ceiling; one flushed write per block).
fn bench_parts(c: &mut Criterion, vault: &Vault, target: &[u8], n: usize) {
    let mut group = c.benchmark_group("get_assertion_parts");
    group.bench_with_input(BenchmarkId::new("open_records", n), &n, |b, _| {
        b.iter(|| black_box(vault.get(target).expect("get")))
    });
    let record = vault.get(target).expect("get").expect("target");
    group.bench_with_input(BenchmarkId::new("parse_pkcs8_key", n), &n, |b, _| {
        b.iter(|| {
            black_box(
                CredentialKey::from_pkcs8(record.algorithm, &record.private_key).expect("key"),
            )
        })
    });
    group.bench_with_input(BenchmarkId::new("record_use", n), &n, |b, _| {
        b.iter(|| black_box(vault.record_use(target, now()).expect("counter")))
    });
    group.finish();
}

fn bench_bare_sign(c: &mut Criterion) {
    // The floor: one P-256 ECDSA signature over what a getAssertion signs, by each library.
    let mut group = c.benchmark_group("bare");
    let mut p256_sign = bare_sign_op();
    group.bench_function("p256_sign", |b| b.iter(&mut p256_sign));
    let mut ring_sign = bare_ring_sign_op();
    group.bench_function("ring_sign", |b| b.iter(&mut ring_sign));
    // The floors of a makeCredential: one new key pair, and one durable write (the fsync of a
    // small file; the vault's sled flush is one such).
    group.bench_function("p256_keygen", |b| {
        b.iter(|| black_box(p256::ecdsa::SigningKey::random(&mut rand_core::OsRng)))
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let mut file = std::fs::File::create(dir.path().join("small")).expect("file");
    group.bench_function("fsync_small_file", |b| {
        b.iter(|| {
            use std::io::{Seek, Write};
            file.rewind().expect("seek");
            file.write_all(&[7u8; 512]).expect("write");
            file.sync_all().expect("fsync");
        })
    });
    group.finish();
}

/// Where criterion keeps its results: `CRITERION_HOME`, else `<target dir>/criterion`.
fn criterion_dir() -> std::path::PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return home.into();
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("criterion")
}

/// Reads criterion's point estimates (mean, ns) back from target/criterion and prints each
/// Latchkey figure as a ratio against the peers measured in this same run.
fn print_ratios() {
    let root = criterion_dir();
    let read = |group: &str, id: &str| -> Option<f64> {
        let path = root.join(group).join(id).join("new/estimates.json");
        let text = std::fs::read_to_string(path).ok()?;
        let v: serde_json::Value = serde_json::from_str(&text).ok()?;
        v["mean"]["point_estimate"].as_f64()
    };
    let sign = read("bare", "p256_sign");
    let mut rows = BTreeMap::new();
    for group in ["make_credential", "get_assertion"] {
        for n in SIZES {
            let ours = read(group, &format!("latchkey_sled_vault/{n}"));
            let peer = read(group, &format!("passkey_rs_memory/{n}"));
            rows.insert((group, n), (ours, peer));
        }
    }
    println!("\nLatchkey vs peers (mean time; ratio = Latchkey / peer, same run)");
    println!(
        "{:<16} {:>7} {:>12} {:>12} {:>10} {:>12}",
        "operation", "n", "latchkey", "passkey-rs", "÷ peer", "÷ p256 sign"
    );
    let fmt = |ns: f64| format!("{:.1?}", Duration::from_nanos(ns as u64));
    for ((group, n), (ours, peer)) in rows {
        let (Some(ours), Some(peer)) = (ours, peer) else {
            continue;
        };
        let vs_sign = sign
            .map(|s| format!("{:.1}x", ours / s))
            .unwrap_or_default();
        println!(
            "{:<16} {:>7} {:>12} {:>12} {:>9.1}x {:>12}",
            group,
            n,
            fmt(ours),
            fmt(peer),
            ours / peer,
            vs_sign
        );
    }
    if let Some(s) = sign {
        println!("bare p256 sign: {}", fmt(s));
    }
    if let Some(s) = read("bare", "ring_sign") {
        println!("bare ring sign: {}", fmt(s));
    }
    let keygen = read("bare", "p256_keygen");
    let fsync = read("bare", "fsync_small_file");
    if let (Some(k), Some(f)) = (keygen, fsync) {
        println!(
            "makeCredential floors: p256 keygen {}, fsync of a small file {}",
            fmt(k),
            fmt(f)
        );
        for n in SIZES {
            if let Some(ours) = read("make_credential", &format!("latchkey_sled_vault/{n}")) {
                println!(
                    "  makeCredential n={n}: {} = {:.1}x (keygen + fsync), {:.1}x fsync",
                    fmt(ours),
                    ours / (k + f),
                    ours / f
                );
            }
        }
    }
    let n = SIZES[SIZES.len() - 1];
    if let Some([ours, theirs, bare, bare_ring]) = PAIRED.get() {
        let ms = |d: &Duration| fmt(d.as_nanos() as f64);
        let ratio = |d: &Duration| ours.as_secs_f64() / d.as_secs_f64();
        println!(
            "getAssertion at n={n}, interleaved in turn for {PAIRED_ROUNDS} rounds (medians): \
             Latchkey {}, passkey-rs {}, bare p256 sign {}, bare ring sign {}: \
             Latchkey = {:.2}x passkey-rs, {:.2}x p256 sign, {:.2}x ring sign",
            ms(ours),
            ms(theirs),
            ms(bare),
            ms(bare_ring),
            ratio(theirs),
            ratio(bare),
            ratio(bare_ring)
        );
    }
    println!("getAssertion parts at n={n} (mean):");
    for part in ["open_records", "parse_pkcs8_key", "record_use"] {
        if let Some(t) = read("get_assertion_parts", &format!("{part}/{n}")) {
            let vs = sign
                .map(|s| format!(" = {:.2}x p256 sign", t / s))
                .unwrap_or_default();
            println!("  {part:<16} {:>10}{vs}", fmt(t));
        }
    }
}

fn main() {
    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    bench_bare_sign(&mut c);
    peer::bench(&mut c);
    bench_latchkey(&mut c);
    c.final_summary();
    print_ratios();
}
