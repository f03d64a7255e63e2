//! Checks a sign-in ("magic") link before Latchkey opens it.
//!
//! A magic link is the weak fallback when a site's passkey is not at hand: whoever holds the
//! link signs in, and a link that only looks like the person's site is the classic phish. So
//! every link is judged here, in plain words, before anything opens it:
//!
//! - [`Verdict::Refused`]: not an `https` link (or `http://localhost`), or built with a trick
//!   (`javascript:`, `data:`, `file:`, user-info, backslashes, hidden whitespace or control
//!   characters, an IP address instead of a name, too long, unparseable).
//! - [`Verdict::AlreadyUsed`]: opened before (a keyed fingerprint the vault keeps, see
//!   [`fingerprint`]).
//! - [`Verdict::Expired`]: the link itself says so (a JWT-shaped parameter's `exp`, or an
//!   `exp` / `expires` parameter, in the past).
//! - [`Verdict::Lookalike`]: a near miss of one of the person's sites (same UTS #39 skeleton,
//!   one character off, the site's name embedded in another domain, brand plus extra words), or
//!   an internationalised name that mixes alphabets or imitates a Latin one.
//! - [`Verdict::Trusted`] / [`Verdict::UnknownSite`]: the link's registrable domain is / is not
//!   one of the person's sites.
//!
//! The library holds no state and no secrets of its own: the caller (the session) passes the
//! person's sites, the vault's link key and a look-up of fingerprints already opened.

mod confusables;
mod expiry;
mod fingerprint;
mod lookalike;
mod parse;
mod site;
mod verdict;

pub use fingerprint::{fingerprint, LinkFingerprint};
pub use parse::MAX_LINK_LEN;
pub use site::KnownSites;
pub use verdict::{check, LinkReport, Verdict};
