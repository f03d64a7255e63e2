//! Where the socket lives and who may use it. One socket per vault: the name carries a hash of
//! the vault's data dir, so a CLI pointed at another data dir never talks to the wrong app, and
//! the hash keeps the path from naming anything.
//!
//! The directory is the user's own runtime dir, never a shared one: `$XDG_RUNTIME_DIR/latchkey`,
//! else `/run/user/<uid>/latchkey` when `/run/user/<uid>` exists and is private to us. Without
//! either there is no socket at all (the CLI then opens the vault itself). A directory another
//! user can create (say under `/tmp`) would let them pose as the app and receive the user's
//! WebAuthn requests.
//!
//! Both ends check before trusting anything: the directory is a real directory (not a symlink),
//! owned by us, mode 0700; the socket is a real socket owned by us (0600 when we create it); and
//! the process at the other end runs as our uid (SO_PEERCRED), which closes any race between
//! the checks and `connect`.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The socket's file name for the vault in `data_dir` (inside [`runtime_dir`]).
pub fn socket_file_name(data_dir: &Path) -> String {
    let canonical = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
    let digest = Sha256::digest(canonical.as_os_str().as_encoded_bytes());
    let tag: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("bridge-{tag}.sock")
}

/// The socket for the vault in `data_dir`; `None` when this user has no private runtime dir.
pub fn socket_path(data_dir: &Path) -> Option<PathBuf> {
    runtime_dir().map(|d| d.join(socket_file_name(data_dir)))
}

/// `$XDG_RUNTIME_DIR/latchkey`, else `/run/user/<uid>/latchkey` if that runtime dir is ours and
/// private; else `None`: there is no shared-directory fallback.
#[cfg(unix)]
pub fn runtime_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d).join("latchkey"));
    }
    let fallback = PathBuf::from(format!("/run/user/{}", uid()));
    check_private_dir(&fallback)
        .ok()
        .map(|_| fallback.join("latchkey"))
}

#[cfg(not(unix))]
pub fn runtime_dir() -> Option<PathBuf> {
    None
}

#[cfg(unix)]
pub(crate) fn uid() -> u32 {
    nix::unistd::getuid().as_raw()
}

/// Why `dir` cannot hold our socket, if it cannot: it must be a directory itself (not a
/// symlink to one), owned by this user, with no group or other permissions.
#[cfg(unix)]
pub(crate) fn check_private_dir(dir: &Path) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::symlink_metadata(dir).map_err(|e| format!("cannot inspect it: {e}"))?;
    if meta.file_type().is_symlink() {
        return Err("it is a symbolic link, not a directory".into());
    }
    if !meta.is_dir() {
        return Err("it is not a directory".into());
    }
    if meta.uid() != uid() {
        return Err(format!("owned by uid {}, not by you", meta.uid()));
    }
    if meta.mode() & 0o077 != 0 {
        return Err(format!(
            "mode {:o} lets other users in (it must be 0700)",
            meta.mode() & 0o777
        ));
    }
    Ok(())
}

/// Why `path` is not our socket, if it is not: a socket itself (not a symlink), owned by us.
#[cfg(unix)]
pub(crate) fn check_socket_file(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let meta = std::fs::symlink_metadata(path).map_err(|e| format!("cannot inspect it: {e}"))?;
    if meta.file_type().is_symlink() {
        return Err("it is a symbolic link, not a socket".into());
    }
    if !meta.file_type().is_socket() {
        return Err("it is not a socket".into());
    }
    if meta.uid() != uid() {
        return Err(format!("owned by uid {}, not by you", meta.uid()));
    }
    Ok(())
}

/// Creates the runtime dir 0700 and refuses one that is a symlink, another user's, or open to
/// others.
#[cfg(unix)]
pub(crate) fn prepare_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if std::fs::symlink_metadata(dir).is_err() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
    }
    check_private_dir(dir).map_err(|why| {
        std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!(
                "{} is not a private directory of this user ({why}); remove it and start Latchkey again",
                dir.display()
            ),
        )
    })
}

/// The uid and pid of the process at the other end of `stream`, as the kernel recorded them
/// when it connected (or listened).
#[cfg(unix)]
pub(crate) fn peer_credentials(stream: &std::os::unix::net::UnixStream) -> Option<(u32, i32)> {
    use nix::sys::socket::{getsockopt, sockopt::PeerCredentials};
    getsockopt(stream, PeerCredentials)
        .ok()
        .map(|c| (c.uid(), c.pid()))
}
