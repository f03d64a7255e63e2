//! The kill storm for sign-ins with reserved counters: a child process signs in again and again
//! through the real vault and authenticator (as a long-running app does, so most of its sign-ins
//! take their counter from memory below the reserved ceiling and write nothing), and is killed
//! with SIGKILL at a random moment. After every kill: every passkey is still there (the CLI's
//! `list` opens every record), its stored counter is not behind any counter a site saw, and the
//! next sign-in (the restarted child's first) is accepted by webauthn-rs, its counter above every
//! earlier one and at most one reserved block ahead. At the end every passkey signs in through
//! the CLI. See crates/vault/src/usage.rs.
//!
//! The child is this test binary re-run with `LATCHKEY_SIGN_IN_ROLE` set (as app_crash_storm.rs
//! does): options JSON in on stdin, one line each; the response JSON out on stdout, one line
//! each. A response read whole is a sign-in the site saw; one cut off by the kill is not.
//!
//! CI: `LATCHKEY_SIGN_IN_STORM_KILLS` (default 60), at most `LATCHKEY_SIGN_IN_STORM_SECONDS` (40).
//! `LATCHKEY_STORM_SEED` replays a series.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::storm::{check, counter, env_u64, relying_party, sign_in, Known, Limits, Rng, ORIGIN};
use common::*;
use latchkey_authenticator::{
    client, Approval, ApprovalRequest, Authenticator, Door, Refusal, UserInteraction,
};
use latchkey_vault::COUNTER_BLOCK;
use webauthn_rs::prelude::*;

const ROLE: &str = "LATCHKEY_SIGN_IN_ROLE";
const DIR: &str = "LATCHKEY_SIGN_IN_DIR";
const TEST: &str = "sign_ins_continue_above_every_counter_seen_after_every_kill";

/// The person, approving at once with user verification (the OS check is not under test).
struct Approve;

impl UserInteraction for Approve {
    fn approve(&self, request: &ApprovalRequest<'_>) -> Result<Approval, Refusal> {
        Ok(Approval {
            account: (!request.accounts.is_empty()).then_some(0),
            user_verified: true,
        })
    }
}

/// The child: opens the vault as the CLI and the app do and signs in for every line of options.
fn run_signer(dir: &Path) -> ! {
    let vault = latchkey_vault::Vault::open(dir, &latchkey_vault::OsKeychain::new())
        .unwrap_or_else(|e| {
            println!("OPEN-FAILED {e}");
            std::process::exit(3)
        });
    let mut auth = Authenticator::new(vault, Approve);
    let stdout = std::io::stdout();
    for line in std::io::stdin().lock().lines() {
        let Ok(options) = line else { break };
        match client::get(&mut auth, ORIGIN, &options, Door::Cli) {
            Ok(response) => {
                let mut out = stdout.lock();
                let _ = writeln!(out, "{response}");
                let _ = out.flush();
            }
            Err(e) => {
                println!("SIGN-IN-FAILED {e}");
                std::process::exit(4);
            }
        }
    }
    std::process::exit(0)
}

/// Registers one passkey through the CLI (not killed).
fn register(dir: &Path, user: &str) -> (String, Passkey) {
    let rp = relying_party();
    let (ccr, state) = rp
        .start_passkey_registration(Uuid::new_v4(), user, user, None)
        .unwrap();
    let out = run(
        dir,
        &["webauthn", "create", "--origin", ORIGIN, "--yes"],
        &serde_json::to_string(&ccr).unwrap(),
    )
    .ok();
    let passkey = rp
        .finish_passkey_registration(&serde_json::from_str(&out.stdout).unwrap(), &state)
        .expect("webauthn-rs accepts the registration");
    (out.json()["id"].as_str().unwrap().to_owned(), passkey)
}

/// One child's life: sign-ins with random passkeys until the kill after `delay`. Returns how
/// many sign-ins the site saw, and fails the storm on a sign-in webauthn-rs refuses or on a
/// counter further ahead than the reservation allows: each child may burn at most one block
/// (its first sign-in with a passkey reserves one, and a kill before the site sees that
/// sign-in loses it), so a passkey whose last `unseen` children were killed with its sign-in in
/// flight may jump by at most `(unseen + 1)` blocks.
fn signing_round(
    dir: &Path,
    known: &mut BTreeMap<String, Known>,
    unseen: &mut BTreeMap<String, u64>,
    rng: &mut Rng,
    delay: Duration,
    seed: u64,
    kills: u64,
) -> u64 {
    let rp = relying_party();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([TEST, "--exact", "--nocapture", "--test-threads=1"])
        .env(ROLE, "signer")
        .env(DIR, dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the signing child");
    let mut to_child = child.stdin.take().unwrap();
    let mut from_child = BufReader::new(child.stdout.take().unwrap());
    let killer = std::thread::spawn(move || {
        std::thread::sleep(delay);
        let _ = child.kill();
        let _ = child.wait();
    });
    let ids: Vec<String> = known.keys().cloned().collect();
    let mut seen = 0u64;
    loop {
        let id = &ids[rng.below(ids.len() as u64) as usize];
        let k = known.get_mut(id).unwrap();
        let before = counter(k);
        let (rcr, state) = rp
            .start_passkey_authentication(std::slice::from_ref(&k.passkey))
            .unwrap();
        let line = serde_json::to_string(&rcr).unwrap();
        if writeln!(to_child, "{line}").is_err() {
            break;
        }
        let answer = loop {
            let mut text = String::new();
            match from_child.read_line(&mut text) {
                Ok(0) | Err(_) => break None,
                Ok(_) if !text.ends_with('\n') => break None,
                // The harness's "test ... " has no newline: the first answer shares its line.
                Ok(_) if text.contains("{\"") => {
                    break Some(text[text.find('{').unwrap()..].to_owned())
                }
                Ok(_) if text.contains("OPEN-FAILED") || text.contains("SIGN-IN-FAILED") => {
                    common::storm::fail(dir, seed, kills, text.trim())
                }
                Ok(_) => continue,
            }
        };
        let Some(answer) = answer else {
            // The kill came with this sign-in in flight: its counter may be spent unseen.
            *unseen.entry(id.clone()).or_default() += 1;
            break;
        };
        let credential: PublicKeyCredential = serde_json::from_str(&answer).unwrap();
        match rp.finish_passkey_authentication(&credential, &state) {
            Ok(result) => {
                let now = u64::from(result.counter());
                let burnt = unseen.insert(id.clone(), 0).unwrap_or(0);
                if now <= before || now > before + (burnt + 1) * u64::from(COUNTER_BLOCK) {
                    common::storm::fail(
                        dir,
                        seed,
                        kills,
                        &format!(
                            "{}'s counter went from {before} to {now} (one reserved block is {COUNTER_BLOCK}, {burnt} sign-ins killed unseen)",
                            k.user
                        ),
                    );
                }
                k.passkey.update_credential(&result);
                seen += 1;
            }
            Err(e) => common::storm::fail(
                dir,
                seed,
                kills,
                &format!("webauthn-rs refuses {}'s sign-in: {e:?}", k.user),
            ),
        }
    }
    drop(to_child);
    killer.join().unwrap();
    seen
}

#[test]
fn sign_ins_continue_above_every_counter_seen_after_every_kill() {
    if std::env::var_os(ROLE).is_some() {
        run_signer(Path::new(&std::env::var_os(DIR).unwrap()));
    }
    let d = DataDir::new();
    let dir = d.path();
    run(&dir, &["init"], "").ok();
    let limits = Limits::from_env("LATCHKEY_SIGN_IN_STORM", 60, 40);
    let seed = env_u64(
        "LATCHKEY_STORM_SEED",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64
            | 1,
    );
    eprintln!(
        "sign-in storm: seed {seed}, {} kills, at most {} s",
        limits.kills, limits.seconds
    );
    let mut rng = Rng(seed);
    let mut known = BTreeMap::new();
    let mut unseen = BTreeMap::new();
    let mut attempted = BTreeSet::new();
    for user in ["alice", "bob", "carol"] {
        let (id, passkey) = register(&dir, user);
        attempted.insert(user.to_owned());
        known.insert(
            id,
            Known {
                passkey,
                user: user.to_owned(),
                nickname: None,
                maybe_nickname: None,
                maybe_deleted: false,
            },
        );
    }
    let started = Instant::now();
    let (mut kills, mut signed, mut longest) = (0u64, 0u64, 0u64);
    while kills < limits.kills
        && (limits.seconds == 0 || started.elapsed().as_secs() < limits.seconds)
    {
        // Some children die while opening the vault, most after tens to hundreds of sign-ins
        // (each block of 128 reserved with one write).
        let delay = match rng.below(4) {
            0 => Duration::from_micros(rng.below(60_000)),
            _ => Duration::from_micros(rng.below(600_000)),
        };
        let seen = signing_round(&dir, &mut known, &mut unseen, &mut rng, delay, seed, kills);
        kills += 1;
        signed += seen;
        longest = longest.max(seen);
        // Every passkey is there, opens, and its stored counter is not behind the site's.
        check(&dir, &mut known, &attempted, seed, kills);
    }
    for k in known.values_mut() {
        sign_in(&relying_party(), &dir, k, seed, kills);
    }
    eprintln!(
        "sign-in storm: seed {seed}: {kills} kills, {signed} sign-ins seen by the site (up to {longest} in one child), {} s",
        started.elapsed().as_secs()
    );
    assert!(
        longest > u64::from(COUNTER_BLOCK),
        "no child lived through a whole reserved block ({longest} sign-ins at most): the storm no longer tests reservation"
    );
}
