//! Lock when the OS says the person is gone: logind's `Lock` (the desktop session was locked)
//! and `PrepareForSleep(true)` (the machine is about to sleep). Linux only; best effort — the
//! app keeps working where there is no logind.

use zbus::blocking::{Connection, MessageIterator};
use zbus::MatchRule;

use crate::session::Session;

/// logind's well-known bus name; only signals from its owner count.
pub const LOGIND: &str = "org.freedesktop.login1";

/// Blocks, locking `session` on each logind `Lock` or `PrepareForSleep(true)` signal seen on
/// `conn` (the system bus in the app). Returns only if the bus goes away.
pub fn follow_logind(session: &Session, conn: &Connection) -> zbus::Result<()> {
    let rule = MatchRule::builder()
        .msg_type(zbus::message::Type::Signal)
        .sender(LOGIND)?
        .build();
    for msg in MessageIterator::for_match_rule(rule, conn, None)? {
        let Ok(msg) = msg else { continue };
        let header = msg.header();
        let member = header.member().map(|m| m.as_str().to_owned());
        let going_to_sleep = || msg.body().deserialize::<bool>().unwrap_or(false);
        match member.as_deref() {
            Some("Lock") => session.lock(),
            Some("PrepareForSleep") if going_to_sleep() => session.lock(),
            _ => {}
        }
    }
    Ok(())
}
