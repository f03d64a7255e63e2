//! Where the socket lives and who may use it. One socket per vault: the name carries a hash of
//! the vault's data dir, so a CLI pointed at another data dir never talks to the wrong app, and
//! the hash keeps the path from naming anything. The directory is the user's runtime dir
//! (`$XDG_RUNTIME_DIR/latchkey`, mode 0700); the socket is 0600 and every connection's peer uid
//! is checked against ours.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The socket for the vault in `data_dir`.
pub fn socket_path(data_dir: &Path) -> PathBuf {
    let canonical = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
    let digest = Sha256::digest(canonical.as_os_str().as_encoded_bytes());
    let tag: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    runtime_dir().join(format!("bridge-{tag}.sock"))
}

/// `$XDG_RUNTIME_DIR/latchkey`, else a per-user directory under the temp dir.
pub fn runtime_dir() -> PathBuf {
    match std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        Some(d) => PathBuf::from(d).join("latchkey"),
        None => std::env::temp_dir().join(format!("latchkey-{}", uid())),
    }
}

#[cfg(unix)]
pub(crate) fn uid() -> u32 {
    nix::unistd::getuid().as_raw()
}

#[cfg(not(unix))]
pub(crate) fn uid() -> u32 {
    0
}

/// Creates the runtime dir 0700 and refuses one that another user owns or others can enter.
#[cfg(unix)]
pub(crate) fn prepare_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
    if !dir.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
    }
    let meta = std::fs::metadata(dir)?;
    if meta.uid() != uid() || meta.permissions().mode() & 0o077 != 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!(
                "{} is not a private directory of this user; remove it and start Latchkey again",
                dir.display()
            ),
        ));
    }
    Ok(())
}

/// The connecting process runs as this same user.
#[cfg(unix)]
pub(crate) fn peer_is_same_user(stream: &std::os::unix::net::UnixStream) -> bool {
    use nix::sys::socket::{getsockopt, sockopt::PeerCredentials};
    getsockopt(stream, PeerCredentials)
        .map(|c| c.uid() == uid())
        .unwrap_or(false)
}
