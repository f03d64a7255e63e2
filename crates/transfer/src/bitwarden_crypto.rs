//! bitwarden_crypto (in progress).
