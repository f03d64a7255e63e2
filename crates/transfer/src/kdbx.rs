//! kdbx (in progress).
