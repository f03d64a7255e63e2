//! convert (in progress).
