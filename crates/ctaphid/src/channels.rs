//! Channel ids (CTAP 2.1 §11.2.3): the device hands each client a CID through INIT on the
//! broadcast channel; requests on any other CID are refused, so one client's stray packets
//! cannot land in another's transaction. CIDs are never 0 and never the broadcast id.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};

use crate::packet::{BROADCAST_CID, CTAPHID_INIT, ERR_INVALID_CHANNEL, RESERVED_CID};

/// How many channels are remembered. Every client run allocates one and never frees it, so
/// the table is capped; the least recently used channel is forgotten first.
pub const MAX_CHANNELS: usize = 1024;

/// The allocated channels.
#[derive(Debug)]
pub struct Channels {
    /// CID → last use (a logical clock), for evicting the least recently used.
    allocated: HashMap<u32, u64>,
    next: u32,
    clock: u64,
}

impl Default for Channels {
    fn default() -> Self {
        Self::new()
    }
}

impl Channels {
    /// An empty table whose first CID is unpredictable, so a client still holding a CID from
    /// a previous run of the device is unlikely to collide with a new client's.
    pub fn new() -> Self {
        let seed = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        Channels {
            allocated: HashMap::new(),
            next: seed as u32,
            clock: 0,
        }
    }

    /// A table whose first CID is `first` (then counting up): for the fuzz target and tests,
    /// which need to know the CIDs in advance. The device uses [`Channels::new`].
    pub fn starting_at(first: u32) -> Self {
        Channels {
            allocated: HashMap::new(),
            next: first,
            clock: 0,
        }
    }

    /// Hands out a new CID (never 0, never broadcast, never one in use).
    pub fn allocate(&mut self) -> u32 {
        loop {
            let cid = self.next;
            self.next = self.next.wrapping_add(1);
            if cid == RESERVED_CID || cid == BROADCAST_CID || self.allocated.contains_key(&cid) {
                continue;
            }
            if self.allocated.len() >= MAX_CHANNELS {
                if let Some(oldest) = self
                    .allocated
                    .iter()
                    .min_by_key(|(_, used)| **used)
                    .map(|(cid, _)| *cid)
                {
                    self.allocated.remove(&oldest);
                }
            }
            self.clock += 1;
            self.allocated.insert(cid, self.clock);
            return cid;
        }
    }

    /// Whether `cid` was allocated (and not yet evicted).
    pub fn is_allocated(&self, cid: u32) -> bool {
        self.allocated.contains_key(&cid)
    }

    /// Records a use of `cid`, so active clients are not evicted.
    pub fn touch(&mut self, cid: u32) {
        self.clock += 1;
        let clock = self.clock;
        if let Some(used) = self.allocated.get_mut(&cid) {
            *used = clock;
        }
    }

    /// How many channels are remembered.
    pub fn len(&self) -> usize {
        self.allocated.len()
    }

    /// Whether no channel was allocated yet.
    pub fn is_empty(&self) -> bool {
        self.allocated.is_empty()
    }

    /// Whether a request `cmd` may come on `cid`: CID 0 never, the broadcast CID only for
    /// INIT, others only once allocated. The error is the CTAPHID_ERROR code.
    pub fn check(&self, cid: u32, cmd: u8) -> Result<(), u8> {
        if cid == RESERVED_CID {
            return Err(ERR_INVALID_CHANNEL);
        }
        if cid == BROADCAST_CID {
            return if cmd == CTAPHID_INIT {
                Ok(())
            } else {
                Err(ERR_INVALID_CHANNEL)
            };
        }
        if self.is_allocated(cid) {
            Ok(())
        } else {
            Err(ERR_INVALID_CHANNEL)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::{CTAPHID_CBOR, CTAPHID_PING};

    #[test]
    fn allocated_channels_are_distinct_and_never_reserved() {
        let mut channels = Channels::new();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..500 {
            let cid = channels.allocate();
            assert_ne!(cid, RESERVED_CID);
            assert_ne!(cid, BROADCAST_CID);
            assert!(seen.insert(cid), "CID {cid:#x} handed out twice");
        }
    }

    #[test]
    fn allocation_skips_zero_and_broadcast_when_the_counter_wraps() {
        let mut channels = Channels::starting_at(BROADCAST_CID);
        let first = channels.allocate();
        assert_eq!(first, 1, "0xffffffff and 0 are skipped");
    }

    #[test]
    fn cid_zero_is_an_invalid_channel() {
        let channels = Channels::new();
        assert_eq!(channels.check(0, CTAPHID_INIT), Err(ERR_INVALID_CHANNEL));
        assert_eq!(channels.check(0, CTAPHID_PING), Err(ERR_INVALID_CHANNEL));
    }

    #[test]
    fn broadcast_is_only_for_init() {
        let channels = Channels::new();
        assert_eq!(channels.check(BROADCAST_CID, CTAPHID_INIT), Ok(()));
        assert_eq!(
            channels.check(BROADCAST_CID, CTAPHID_CBOR),
            Err(ERR_INVALID_CHANNEL)
        );
    }

    #[test]
    fn unallocated_cid_is_refused_until_allocated() {
        let mut channels = Channels::new();
        let cid = channels.allocate();
        assert_eq!(channels.check(cid, CTAPHID_CBOR), Ok(()));
        assert_eq!(
            channels.check(cid.wrapping_add(1000), CTAPHID_CBOR),
            Err(ERR_INVALID_CHANNEL)
        );
    }

    #[test]
    fn table_is_capped_and_forgets_the_least_recently_used() {
        let mut channels = Channels::new();
        let first = channels.allocate();
        let second = channels.allocate();
        for _ in 0..MAX_CHANNELS - 2 {
            channels.allocate();
        }
        assert_eq!(channels.len(), MAX_CHANNELS);
        channels.touch(first);
        channels.allocate();
        assert_eq!(channels.len(), MAX_CHANNELS);
        assert!(channels.is_allocated(first), "recently used channel kept");
        assert!(
            !channels.is_allocated(second),
            "least recently used channel forgotten"
        );
    }
}
