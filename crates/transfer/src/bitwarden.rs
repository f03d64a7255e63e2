//! bitwarden (in progress).
