//! PIN/UV auth protocols one and two (CTAP 2.1 §6.5.6, §6.5.7): ECDH on P-256, the KDFs,
//! AES-256-CBC encrypt/decrypt, HMAC-SHA-256 authenticate.
//!
//! SKELETON: to be written.
