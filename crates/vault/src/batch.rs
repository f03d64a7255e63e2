//! Every change to the vault goes through one [`Batch`]: it collects the new plaintexts, then
//! seals them at the next version and commits them together with the updated manifest in ONE
//! sled transaction, and flushes before it returns. Batches run one at a time under the vault's
//! write lock (the caller holds the [`Manifest`] behind a mutex), so a read-modify-write such as
//! a signature counter increment cannot interleave with another.

use std::collections::BTreeMap;

use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::Transactional;
use zeroize::Zeroizing;

use crate::manifest::{self, Manifest};
use crate::seal::{sealed_version, Keys};
use crate::VaultError;

/// The trees whose records the manifest covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum TreeId {
    /// slot → sealed `PasskeyMeta` (everything a list needs, no secrets).
    Meta,
    /// slot → sealed private key and hmac-secret CredRandoms.
    Secret,
    /// site index key → sealed slot (see `site_index.rs`).
    SiteIndex,
    /// sequence number → sealed activity log entry.
    Log,
    /// keyed fingerprint of a sign-in link opened → sealed time it was opened (`links.rs`).
    OpenedLinks,
}

impl TreeId {
    pub(crate) const ALL: [TreeId; 5] = [
        TreeId::Meta,
        TreeId::Secret,
        TreeId::SiteIndex,
        TreeId::Log,
        TreeId::OpenedLinks,
    ];

    /// The sled tree name; also part of every record's associated data and tag.
    pub(crate) fn name(self) -> &'static str {
        match self {
            TreeId::Meta => "meta",
            TreeId::Secret => "secret",
            TreeId::SiteIndex => "by_rp",
            TreeId::Log => "log",
            TreeId::OpenedLinks => "links",
        }
    }

    /// What a record of this tree is, for error messages.
    fn what(self) -> &'static str {
        match self {
            TreeId::Meta => "a passkey's details",
            TreeId::Secret => "a passkey's private key",
            TreeId::SiteIndex => "a site index entry",
            TreeId::Log => "an activity log entry",
            TreeId::OpenedLinks => "an opened sign-in link's record",
        }
    }
}

/// The sled trees of a vault.
pub(crate) struct Trees {
    pub(crate) meta: sled::Tree,
    pub(crate) secret: sled::Tree,
    pub(crate) site_index: sled::Tree,
    pub(crate) log: sled::Tree,
    pub(crate) links: sled::Tree,
    pub(crate) manifest: sled::Tree,
}

impl Trees {
    pub(crate) fn open(db: &sled::Db) -> Result<Trees, VaultError> {
        let open = |name: &str| db.open_tree(name).map_err(storage);
        Ok(Trees {
            meta: open(TreeId::Meta.name())?,
            secret: open(TreeId::Secret.name())?,
            site_index: open(TreeId::SiteIndex.name())?,
            log: open(TreeId::Log.name())?,
            links: open(TreeId::OpenedLinks.name())?,
            manifest: open(manifest::TREE)?,
        })
    }

    pub(crate) fn get(&self, id: TreeId) -> &sled::Tree {
        match id {
            TreeId::Meta => &self.meta,
            TreeId::Secret => &self.secret,
            TreeId::SiteIndex => &self.site_index,
            TreeId::Log => &self.log,
            TreeId::OpenedLinks => &self.links,
        }
    }

    /// The covered trees with their names, for the manifest check.
    pub(crate) fn covered(&self) -> Vec<(&'static str, &sled::Tree)> {
        TreeId::ALL
            .iter()
            .map(|&t| (t.name(), self.get(t)))
            .collect()
    }

    /// Whether no record at all is stored (a vault that never had a write).
    pub(crate) fn all_empty(&self) -> bool {
        TreeId::ALL.iter().all(|&t| self.get(t).is_empty())
    }

    /// Opens one stored record of the current format.
    pub(crate) fn open_record(
        &self,
        keys: &Keys,
        tree: TreeId,
        key: &[u8],
    ) -> Result<Option<Zeroizing<Vec<u8>>>, VaultError> {
        let Some(sealed) = self.get(tree).get(key).map_err(storage)? else {
            return Ok(None);
        };
        keys.open(tree.name(), key, &sealed)
            .map(|(_, plain)| Some(plain))
            .map_err(|_| VaultError::CorruptRecord(format!("{} does not open", tree.what())))
    }
}

type Pending = BTreeMap<(TreeId, Vec<u8>), Option<Zeroizing<Vec<u8>>>>;

/// A set of changes that become visible together or not at all.
pub(crate) struct Batch<'a> {
    trees: &'a Trees,
    keys: &'a Keys,
    pending: Pending,
    /// Set by the format-1 migration only: old values have no version to take out of the hash.
    replacing_legacy: bool,
}

impl<'a> Batch<'a> {
    pub(crate) fn new(trees: &'a Trees, keys: &'a Keys) -> Batch<'a> {
        Batch {
            trees,
            keys,
            pending: BTreeMap::new(),
            replacing_legacy: false,
        }
    }

    pub(crate) fn replacing_legacy(trees: &'a Trees, keys: &'a Keys) -> Batch<'a> {
        Batch {
            replacing_legacy: true,
            ..Batch::new(trees, keys)
        }
    }

    pub(crate) fn keys(&self) -> &Keys {
        self.keys
    }

    /// A record's plaintext as this batch would leave it.
    pub(crate) fn get(
        &self,
        tree: TreeId,
        key: &[u8],
    ) -> Result<Option<Zeroizing<Vec<u8>>>, VaultError> {
        if let Some(change) = self.pending.get(&(tree, key.to_vec())) {
            return Ok(change.clone());
        }
        self.trees.open_record(self.keys, tree, key)
    }

    /// Whether a record exists as this batch would leave it (opens nothing).
    pub(crate) fn contains(&self, tree: TreeId, key: &[u8]) -> Result<bool, VaultError> {
        if let Some(change) = self.pending.get(&(tree, key.to_vec())) {
            return Ok(change.is_some());
        }
        self.trees.get(tree).contains_key(key).map_err(storage)
    }

    pub(crate) fn put(&mut self, tree: TreeId, key: &[u8], plain: Zeroizing<Vec<u8>>) {
        self.pending.insert((tree, key.to_vec()), Some(plain));
    }

    pub(crate) fn remove(&mut self, tree: TreeId, key: &[u8]) {
        self.pending.insert((tree, key.to_vec()), None);
    }

    /// Seals every change at `state.version + 1`, writes them and the new manifest in one
    /// transaction, flushes, and only then advances `state`.
    pub(crate) fn commit(self, db: &sled::Db, state: &mut Manifest) -> Result<(), VaultError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let version = state
            .version
            .checked_add(1)
            .ok_or_else(|| VaultError::Storage("the vault's write counter is exhausted".into()))?;
        let mut next = Manifest {
            version,
            digest: state.digest,
        };
        let mut rows = Vec::with_capacity(self.pending.len());
        for ((tree, key), change) in &self.pending {
            if let Some(old) = self.trees.get(*tree).get(key).map_err(storage)? {
                match sealed_version(&old) {
                    Some(v) => next.digest.sub(&self.keys.record_tag(tree.name(), key, v)),
                    None if self.replacing_legacy => {}
                    None => {
                        return Err(VaultError::CorruptRecord(format!(
                            "{} is in an unknown format",
                            tree.what()
                        )))
                    }
                }
            }
            let sealed = match change {
                Some(plain) => {
                    next.digest
                        .add(&self.keys.record_tag(tree.name(), key, version));
                    Some(self.keys.seal(tree.name(), key, version, plain)?)
                }
                None => None,
            };
            rows.push((*tree, key.as_slice(), sealed));
        }
        let sealed_manifest = next.seal(self.keys)?;
        let t = self.trees;
        (
            &t.meta,
            &t.secret,
            &t.site_index,
            &t.log,
            &t.links,
            &t.manifest,
        )
            .transaction(|(meta, secret, index, log, links, manifest)| {
                for (tree, key, sealed) in &rows {
                    let target = match tree {
                        TreeId::Meta => meta,
                        TreeId::Secret => secret,
                        TreeId::SiteIndex => index,
                        TreeId::Log => log,
                        TreeId::OpenedLinks => links,
                    };
                    match sealed {
                        Some(v) => target.insert(*key, v.as_slice())?,
                        None => target.remove(*key)?,
                    };
                }
                manifest.insert(manifest::KEY, sealed_manifest.as_slice())?;
                Ok::<_, ConflictableTransactionError<VaultError>>(())
            })
            .map_err(|e| match e {
                TransactionError::Abort(e) => e,
                TransactionError::Storage(e) => storage(e),
            })?;
        // The transaction is in; from here on the state on disk is `next`, even if the flush
        // fails (the caller is told the write is not known to be durable).
        *state = next;
        db.flush().map(|_| ()).map_err(storage)
    }
}

pub(crate) fn storage(e: sled::Error) -> VaultError {
    VaultError::Storage(e.to_string())
}
