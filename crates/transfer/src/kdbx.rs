//! KeePass databases (KDBX 3.1 and 4) holding KeePassXC passkey entries.
//!
//! Attribute names checked against keepassxreboot/keepassxc src/browser/BrowserPasskeys.cpp and
//! PasskeyUtils.cpp: KPEX_PASSKEY_CREDENTIAL_ID (or KPEX_PASSKEY_GENERATED_USER_ID, written by
//! StrongBox), KPEX_PASSKEY_PRIVATE_KEY_PEM, KPEX_PASSKEY_RELYING_PARTY, KPEX_PASSKEY_USERNAME
//! (or KPXC_PASSKEY_USERNAME), KPEX_PASSKEY_USER_HANDLE.
//!
//! Before the `keepass` crate derives a key, the outer header's KDF parameters are read here
//! and bounded: the file chooses them, and an Argon2 memory size of 100 GB or ten billion
//! AES-KDF rounds would otherwise hang or kill the app.

use keepass::{Database, DatabaseKey};

use crate::convert::{item_label, Collector};
use crate::detect::KDBX_MAGIC;
use crate::keepassxc;
use crate::{Format, Limits, Parsed, TransferError};

const FORMAT: &str = "KDBX";
const KDBX_SIG2: &[u8] = &[0x67, 0xFB, 0x4B, 0xB5];
/// Most Argon2 memory a database may ask for (KeePassXC's default is 64 MiB).
const MAX_ARGON2_MEMORY: u64 = 1 << 30;
/// Most Argon2 work (iterations × memory) a database may ask for: 128 passes over 64 MiB.
const MAX_ARGON2_WORK: u64 = 128 * (64 << 20);
const MAX_ARGON2_PARALLELISM: u64 = 64;
/// Most AES-KDF rounds (KeePassXC calibrates about one second: tens of millions).
const MAX_AES_ROUNDS: u64 = 500_000_000;

const PEM: &str = "KPEX_PASSKEY_PRIVATE_KEY_PEM";
const CREDENTIAL_ID: &str = "KPEX_PASSKEY_CREDENTIAL_ID";
const GENERATED_USER_ID: &str = "KPEX_PASSKEY_GENERATED_USER_ID";
const RELYING_PARTY: &str = "KPEX_PASSKEY_RELYING_PARTY";
const USERNAME: &str = "KPEX_PASSKEY_USERNAME";
const KPXC_USERNAME: &str = "KPXC_PASSKEY_USERNAME";
const USER_HANDLE: &str = "KPEX_PASSKEY_USER_HANDLE";

pub(crate) fn read(
    bytes: &[u8],
    passphrase: Option<&str>,
    limits: &Limits,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Parsed, TransferError> {
    check_header(bytes)?;
    let passphrase = passphrase
        .filter(|p| !p.is_empty())
        .ok_or(TransferError::PassphraseNeeded)?;
    let db = Database::open(
        &mut &bytes[..],
        DatabaseKey::new().with_password(passphrase),
    )
    .map_err(open_error)?;
    let total = db.iter_all_entries().count();
    if total > limits.max_items {
        return Err(TransferError::TooManyItems {
            limit: limits.max_items,
        });
    }
    let recycle_bin = db.recycle_bin().map(|g| g.id());
    let mut out = Collector::new(total, progress);
    let mut index = 0;
    // Depth-first in the database's own order, so indexes match what KeePassXC shows.
    let mut stack = vec![db.root().id()];
    while let Some(id) = stack.pop() {
        if Some(id) == recycle_bin {
            continue;
        }
        let Some(group) = db.group(id) else { continue };
        for entry in group.entries() {
            index += 1;
            if entry.get(PEM).is_none() {
                out.ignored += 1;
                out.tick();
                continue;
            }
            let created_at = entry
                .times
                .creation
                .and_then(|t| u64::try_from(t.and_utc().timestamp()).ok());
            let username = entry.get(KPXC_USERNAME).or_else(|| entry.get(USERNAME));
            let draft = keepassxc::draft(
                entry.get(RELYING_PARTY),
                username,
                entry
                    .get(GENERATED_USER_ID)
                    .or_else(|| entry.get(CREDENTIAL_ID)),
                entry.get(USER_HANDLE),
                entry.get(PEM),
                created_at,
            );
            let label = item_label(entry.get_title(), entry.get(RELYING_PARTY), username);
            out.push(index, move || label, draft);
            out.tick();
        }
        let children: Vec<_> = group.groups().map(|g| g.id()).collect();
        stack.extend(children.into_iter().rev());
    }
    Ok(out.finish(Format::Kdbx))
}

fn open_error(e: keepass::error::DatabaseOpenError) -> TransferError {
    use keepass::error::DatabaseOpenError as E;
    match e {
        E::Key(keepass::error::DatabaseKeyError::IncorrectKey) => TransferError::WrongPassphrase,
        E::UnexpectedEof => TransferError::Truncated("the database ends early".into()),
        E::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            TransferError::Truncated("the database ends early".into())
        }
        E::UnsupportedVersion => {
            TransferError::Unsupported("this KeePass database version (KDBX 3.1 and 4 are)".into())
        }
        other => TransferError::NotFormat {
            format: FORMAT,
            detail: format!("the database is damaged or cut off ({other})"),
        },
    }
}

/// Reads the outer header far enough to bound the key derivation the file asks for.
fn check_header(bytes: &[u8]) -> Result<(), TransferError> {
    let cut = || TransferError::Truncated("the database ends inside its header".into());
    let bad = |detail: &str| TransferError::NotFormat {
        format: FORMAT,
        detail: detail.into(),
    };
    if bytes.len() < 12 {
        return Err(cut());
    }
    if &bytes[..4] != KDBX_MAGIC || &bytes[4..8] != KDBX_SIG2 {
        return Err(bad("it does not start with the KDBX signature"));
    }
    let major = u16::from_le_bytes([bytes[10], bytes[11]]);
    let mut at = 12;
    let wide = match major {
        3 => false,
        4 => true,
        _ => {
            return Err(TransferError::Unsupported(format!(
                "KDBX version {major} (KDBX 3.1 and 4 are supported)"
            )))
        }
    };
    loop {
        let id = *bytes.get(at).ok_or_else(cut)?;
        let (len, head) = if wide {
            let b = bytes.get(at + 1..at + 5).ok_or_else(cut)?;
            (u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize, 5)
        } else {
            let b = bytes.get(at + 1..at + 3).ok_or_else(cut)?;
            (u16::from_le_bytes([b[0], b[1]]) as usize, 3)
        };
        let value = bytes.get(at + head..at + head + len).ok_or_else(cut)?;
        at += head + len;
        // The keepass crate reads these fixed-size fields without checking their length (and
        // panics on a short one); they are checked here first.
        let fixed = match (wide, id) {
            // CompressionFlags; KDBX 3.1 InnerRandomStreamID.
            (_, 3) | (false, 10) => Some(4),
            // KDBX 3.1 TransformRounds.
            (false, 6) => Some(8),
            _ => None,
        };
        if fixed.is_some_and(|n| n != value.len()) {
            return Err(bad("a header field has the wrong size"));
        }
        match id {
            0 if wide => return check_kdbx4_blocks(bytes, at),
            0 => return Ok(()),
            // KDBX 3.1 TransformRounds (AES-KDF).
            6 if !wide => {
                let rounds = le_u64(value).ok_or_else(|| bad("bad TransformRounds"))?;
                if rounds > MAX_AES_ROUNDS {
                    return Err(too_costly(format!("{rounds} AES-KDF rounds")));
                }
            }
            // KDBX 4 KdfParameters.
            11 if wide => check_kdf_parameters(value)?,
            // KDBX 4 PublicCustomData: only its shape matters.
            12 if wide => {
                walk_variant_dictionary(value, |_, _| Ok(()))?;
            }
            _ => {}
        }
    }
}

/// KDBX 4 after the outer header: SHA-256 of the header, its HMAC, then HMAC blocks
/// (32-byte MAC, u32 size, data) ending with an empty block. The keepass crate accepts a file
/// whose final empty block is missing, so a copy cut at a block boundary would read as a
/// smaller database; this walk refuses it as truncated.
fn check_kdbx4_blocks(bytes: &[u8], header_end: usize) -> Result<(), TransferError> {
    let cut = || TransferError::Truncated("the database ends early".into());
    let mut at = header_end + 64;
    loop {
        let size = bytes.get(at + 32..at + 36).ok_or_else(cut)?;
        let size = u32::from_le_bytes([size[0], size[1], size[2], size[3]]) as usize;
        at = at
            .checked_add(36 + size)
            .filter(|&end| end <= bytes.len())
            .ok_or_else(cut)?;
        if size == 0 {
            return Ok(());
        }
    }
}

fn too_costly(what: String) -> TransferError {
    TransferError::Unsupported(format!(
        "a database whose key derivation asks for {what}; lower it in KeePassXC (Database settings → Encryption) and save again"
    ))
}

fn le_u64(v: &[u8]) -> Option<u64> {
    Some(match v.len() {
        8 => u64::from_le_bytes(v.try_into().ok()?),
        4 => u64::from(u32::from_le_bytes(v.try_into().ok()?)),
        _ => return None,
    })
}

/// Walks a KDBX 4 VariantDictionary: u16 version, then (type u8, name len u32, name, value
/// len u32, value)* ending with type 0, calling `f(name, value)`. Numbers must have their
/// exact size (the keepass crate would panic on a short one).
fn walk_variant_dictionary(
    dict: &[u8],
    mut f: impl FnMut(&[u8], &[u8]) -> Result<(), TransferError>,
) -> Result<(), TransferError> {
    let bad = || TransferError::NotFormat {
        format: FORMAT,
        detail: "the key derivation or custom data parameters are malformed".into(),
    };
    let mut at = 2;
    loop {
        let kind = *dict.get(at).ok_or_else(bad)?;
        if kind == 0 {
            return Ok(());
        }
        let n = dict.get(at + 1..at + 5).ok_or_else(bad)?;
        let n = u32::from_le_bytes([n[0], n[1], n[2], n[3]]) as usize;
        let name = dict.get(at + 5..at + 5 + n).ok_or_else(bad)?;
        let v_at = at + 5 + n;
        let vn = dict.get(v_at..v_at + 4).ok_or_else(bad)?;
        let vn = u32::from_le_bytes([vn[0], vn[1], vn[2], vn[3]]) as usize;
        let value = dict.get(v_at + 4..v_at + 4 + vn).ok_or_else(bad)?;
        at = v_at + 4 + vn;
        let size_ok = match kind {
            0x04 | 0x0C => vn == 4,
            0x05 | 0x0D => vn == 8,
            0x08 | 0x18 | 0x42 => true,
            _ => false,
        };
        if !size_ok {
            return Err(bad());
        }
        f(name, value)?;
    }
}

/// Bounds the KDF parameters: R = AES rounds, I = Argon2 iterations, M = memory (bytes),
/// P = parallelism.
fn check_kdf_parameters(dict: &[u8]) -> Result<(), TransferError> {
    let bad = || TransferError::NotFormat {
        format: FORMAT,
        detail: "the key derivation parameters are malformed".into(),
    };
    let (mut iterations, mut memory) = (1u64, 0u64);
    walk_variant_dictionary(dict, |name, value| {
        let number = || le_u64(value).ok_or_else(bad);
        match name {
            b"R" if number()? > MAX_AES_ROUNDS => {
                return Err(too_costly(format!("{} AES-KDF rounds", number()?)))
            }
            b"I" => iterations = number()?,
            b"M" => memory = number()?,
            b"P" if number()? > MAX_ARGON2_PARALLELISM => {
                return Err(too_costly(format!("Argon2 parallelism {}", number()?)))
            }
            _ => {}
        }
        Ok(())
    })?;
    if memory > MAX_ARGON2_MEMORY {
        return Err(too_costly(format!("{} MiB of Argon2 memory", memory >> 20)));
    }
    if iterations.saturating_mul(memory.max(1 << 20)) > MAX_ARGON2_WORK {
        return Err(too_costly(format!(
            "{iterations} Argon2 passes over {} MiB",
            memory >> 20
        )));
    }
    Ok(())
}
