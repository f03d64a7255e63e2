//! Sign-in counters and use statistics, kept in memory while the vault is open so that a
//! sign-in costs no disk write.
//!
//! **Counter reservation.** A passkey's stored `sign_count` is a ceiling: no counter above it
//! has ever been handed out. A sign-in takes the next counter from memory; only when that would
//! pass the stored ceiling is a new ceiling ([`COUNTER_BLOCK`] further on) written and flushed,
//! before the counter is handed out. After a crash the vault continues from the stored ceiling,
//! so a counter never repeats or goes back, and jumps by at most [`COUNTER_BLOCK`]. When the
//! vault closes cleanly (lock, quit, drop) the exact last counter is written back, so a clean
//! restart continues without a jump.
//!
//! **Statistics** ("last used", use count) are written in batches: with every ceiling write, when
//! [`crate::Vault::flush_usage`] is called (the session's timer, every few seconds), and when
//! the vault closes. A crash loses at most the statistics since the last batch, never a passkey
//! and never a counter step backwards.

use std::collections::HashMap;

use crate::record::PasskeyMeta;

/// How many counters one durable write reserves. Large enough that the write it costs, spread
/// over the block, is a small fraction of a signature (a flushed sled write here is about 3–4
/// signatures: with 128 it adds about 3% of one); small enough that a crash moves a counter by at
/// most 128 out of 4 294 967 295 (33 million crashes before a counter saturates), and that a site
/// looking at the counter sees steps far smaller than a hardware key with one global counter.
pub const COUNTER_BLOCK: u32 = 128;

/// One passkey's live counter and statistics.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Usage {
    /// The last counter handed out (or the stored value when nothing was handed out yet).
    pub(crate) counter: u32,
    /// The counter ceiling on disk: every counter up to it may be handed out with no write.
    pub(crate) ceiling: u32,
    pub(crate) last_used_at: Option<u64>,
    pub(crate) use_count: u64,
    /// Statistics not yet on disk.
    pub(crate) dirty: bool,
}

impl Usage {
    /// The state of a passkey nothing was handed out for since the vault opened: everything up
    /// to the stored counter may have been seen by a site (it may be a ceiling left by a crash).
    pub(crate) fn from_stored(meta: &PasskeyMeta) -> Usage {
        Usage {
            counter: meta.sign_count,
            ceiling: meta.sign_count,
            last_used_at: meta.last_used_at,
            use_count: meta.use_count,
            dirty: false,
        }
    }

    /// The state after one more sign-in at `now_unix`, and the ceiling to write first (if the
    /// reserved block is used up). At `u32::MAX` the counter stays there rather than wrap to a
    /// value a site would have seen before.
    pub(crate) fn next(&self, now_unix: u64) -> (Usage, Option<u32>) {
        let counter = self.counter.saturating_add(1);
        let next = Usage {
            counter,
            ceiling: self.ceiling,
            last_used_at: Some(now_unix),
            use_count: self.use_count.saturating_add(1),
            dirty: true,
        };
        let reserve = (counter > self.ceiling).then(|| counter.saturating_add(COUNTER_BLOCK - 1));
        (next, reserve)
    }

    /// What list, show and export report: the last counter handed out (every counter a site
    /// has seen is at or below it, so an exported copy continues above them all) and the live
    /// statistics.
    pub(crate) fn apply_to_meta(&self, meta: &mut PasskeyMeta) {
        meta.sign_count = self.counter;
        meta.last_used_at = self.last_used_at;
        meta.use_count = self.use_count;
    }
}

/// Live usage by slot, for passkeys used since the vault opened.
pub(crate) type UsageMap = HashMap<[u8; 32], Usage>;
