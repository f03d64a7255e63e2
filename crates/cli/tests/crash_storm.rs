//! The kill storm against the CLI: the real `latchkey` binary creates, signs in with, renames,
//! deletes and lists passkeys, and is killed with SIGKILL at random moments (a closed lid, the
//! OOM killer, a forced quit) and at the instant sled starts a snapshot. After every kill the
//! vault must open, every acknowledged passkey must be there exactly as acknowledged and sign in
//! (webauthn-rs accepts the assertion, so the counter never went back), and every record that is
//! visible must open (`list` opens each one). See common/storm.rs.
//!
//! CI runs a bounded storm (`LATCHKEY_STORM_KILLS`, default 300, and at most
//! `LATCHKEY_STORM_SECONDS`, default 80). `scripts/crash-storm.sh N` runs N kills by hand.
//! `LATCHKEY_STORM_SEED` replays a series.

mod common;

use std::path::Path;

use common::storm::{run_and_kill, storm, Kill, Limits, Outcome, Rng, Target};
use common::*;

/// Every round's CLI process gets the round's kill; nothing else needs restarting.
struct Cli {
    kills: u64,
}

impl Target for Cli {
    fn run(&mut self, dir: &Path, args: &[&str], stdin: &str, kill: Kill) -> Outcome {
        let out = run_and_kill(dir, args, stdin, kill);
        if matches!(out, Outcome::Killed) {
            self.kills += 1;
        }
        out
    }

    fn recover(&mut self, _: &Path, _: &mut Rng) -> Result<(), String> {
        Ok(())
    }

    fn kills(&self) -> u64 {
        self.kills
    }

    fn delete_is_final(&self) -> bool {
        true
    }

    fn name(&self) -> &'static str {
        "the CLI killed"
    }
}

#[test]
fn the_vault_opens_with_every_acknowledged_passkey_after_every_kill() {
    let d = DataDir::new();
    let dir = d.path();
    run(&dir, &["init"], "").ok();
    storm(
        &mut Cli { kills: 0 },
        &dir,
        Limits::from_env("LATCHKEY_STORM", 300, 80),
    );
}
