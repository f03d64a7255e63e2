//! Gives the heap a large list leaves behind back to the OS.
//!
//! Listing a vault of 10 000 passkeys allocates tens of MiB for a moment: every record is
//! decrypted, turned into a view, sorted and serialised to JSON for the window. glibc keeps
//! freed memory in its arenas for reuse, so an idle app stayed that much larger for good.
//! Measured here with `scripts/bench-app.sh --release` (app process PSS): `malloc_trim(0)` called
//! by hand (gdb) on the idle app gave back 8 MiB with 10 000 passkeys and 2 MiB with 10; built in
//! like this, the app idles 4–6 MiB lower with 10 000.
//! The trim runs once, a moment after the last list or lock (the JSON is sent after the
//! command returns), off the main thread; it takes a millisecond or two.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Long enough for the list's JSON to be sent and dropped.
const DELAY: Duration = Duration::from_secs(2);

static PENDING: AtomicBool = AtomicBool::new(false);

/// Trims the heap [`DELAY`] from now; calls made while a trim is pending share it.
pub fn soon() {
    if PENDING.swap(true, Ordering::AcqRel) {
        return;
    }
    let spawned = std::thread::Builder::new()
        .name("latchkey-heap-trim".into())
        .spawn(|| {
            std::thread::sleep(DELAY);
            PENDING.store(false, Ordering::Release);
            trim();
        });
    if spawned.is_err() {
        PENDING.store(false, Ordering::Release);
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() {
    // SAFETY: malloc_trim only walks glibc's own arenas; it takes their locks like malloc.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Other allocators (macOS, Windows, musl) give memory back on their own schedule.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() {}
