//! The WebAuthn client rules (W3C WebAuthn Level 3 §5.1.3, §5.1.4): what a browser does in front
//! of an authenticator. Takes the W3C JSON forms plus the caller's origin, checks origin and RP
//! ID, builds clientDataJSON, maps to CTAP2 and back to `RegistrationResponseJSON` /
//! `AuthenticationResponseJSON`.
//!
//! SKELETON: to be written.
