//! A heap box that overwrites its contents with zeros when dropped, for ring's key pairs.
//!
//! ring signs P-256 several times faster than the pure-Rust p256 crate, but its key pairs
//! (`EcdsaKeyPair`, `Ed25519KeyPair`) keep their private scalars inline and do not clear them on
//! drop. Latchkey keeps a parsed key alive in the key cache for the whole unlocked session, so
//! the secret must not outlive it in freed memory. [`Wiped`] owns the value in one heap
//! allocation that nothing else copies, and zeroes every byte of it (volatile writes, via
//! `zeroize`) before the allocation is freed.
//!
//! Only types without drop glue are accepted (checked at compile time): the bytes are zeroed
//! instead of running a destructor, which is sound only if the destructor would do nothing.
//! What ring leaves on the stack while it parses or signs is not covered; the p256 crate
//! leaves the same kind of temporaries.

use std::mem::MaybeUninit;
use std::ops::Deref;

use zeroize::Zeroize;

/// `T` on the heap, zeroed before it is freed.
pub struct Wiped<T> {
    // `MaybeUninit` so that the box stays valid after its bytes are zeroed: all zeros need not
    // be a valid `T` (ring's key pairs hold `&'static` references).
    cell: Box<MaybeUninit<T>>,
}

impl<T> Wiped<T> {
    const HAS_NO_DROP_GLUE: () = assert!(
        !std::mem::needs_drop::<T>(),
        "Wiped zeroes T instead of dropping it; T must have no destructor"
    );

    /// Moves `value` into its own allocation. The caller's copy is the one `value` was built
    /// in; build it in place where possible (`Wiped::new(ring::…::from_pkcs8(…)?)`).
    pub fn new(value: T) -> Self {
        #[allow(clippy::let_unit_value)]
        let () = Self::HAS_NO_DROP_GLUE;
        Self {
            cell: Box::new(MaybeUninit::new(value)),
        }
    }
}

impl<T> Deref for Wiped<T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: `cell` is initialised in `new` and only zeroed in `drop`, after which it is
        // never read.
        unsafe { self.cell.assume_init_ref() }
    }
}

impl<T> Drop for Wiped<T> {
    fn drop(&mut self) {
        // `T` has no drop glue (checked in `new`), so not running its destructor loses nothing.
        self.cell.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_value_reads_back_and_its_bytes_are_zeroed_before_the_box_is_freed() {
        let mut wiped = Wiped::new([0xA5u8; 64]);
        assert_eq!(*wiped, [0xA5u8; 64]);
        // Run the destructor's body without freeing, then look at the same bytes.
        let bytes = wiped.cell.as_ptr();
        wiped.cell.zeroize();
        // SAFETY: the allocation is still owned by `wiped`; the bytes are initialised (zeros).
        assert_eq!(unsafe { *bytes }, [0u8; 64]);
    }

    #[test]
    fn ring_key_pairs_have_no_destructor_to_skip() {
        assert!(!std::mem::needs_drop::<ring::signature::EcdsaKeyPair>());
        assert!(!std::mem::needs_drop::<ring::signature::Ed25519KeyPair>());
    }
}
