//! Site-supplied names are cleaned and capped when stored: what a site sent never reaches the
//! disk (and so no later reader) with terminal escapes, bidi controls or unbounded length.

mod common;

use common::*;
use latchkey_vault::{RP_NAME_MAX_CHARS, USER_NAME_MAX_CHARS};

/// ESC ] 0 ; … BEL retitles a terminal, ESC [ 2 J clears it, U+202E reverses what follows.
fn hostile(tail: &str) -> String {
    format!(
        "\u{1b}]0;pwned\u{7}\u{1b}[2Jmal\u{202E}lory{}",
        tail.repeat(10_000)
    )
}

fn assert_clean(s: &str, max: usize) {
    assert!(
        !s.chars()
            .any(|c| c.is_control()
                || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')),
        "{s:?}"
    );
    assert!(s.chars().count() <= max, "{} chars", s.chars().count());
    assert!(s.ends_with('…'), "cut names say so: {s:?}");
}

#[test]
fn names_are_cleaned_and_capped_when_stored() {
    let (tv, vault) = TestVault::new();
    let mut r = record(1, "example.com", "alice");
    r.user_name = Some(hostile("x"));
    r.user_display_name = Some(hostile("y"));
    r.rp_name = Some(hostile("z"));
    vault.create(&r).unwrap();
    let b = record(2, "example.com", "bob");
    vault.create_many(std::slice::from_ref(&b)).unwrap();
    vault
        .update_user(&b.credential_id, Some(&hostile("b")), Some(&hostile("B")))
        .unwrap();
    vault.lock();

    let vault = tv.open();
    let stored = vault.get(&r.credential_id).unwrap().unwrap();
    let name = stored.user_name.clone().unwrap();
    assert!(name.starts_with("]0;pwned[2Jmallory"), "{name:?}");
    assert_clean(&name, USER_NAME_MAX_CHARS);
    assert_clean(
        stored.user_display_name.as_deref().unwrap(),
        USER_NAME_MAX_CHARS,
    );
    assert_clean(stored.rp_name.as_deref().unwrap(), RP_NAME_MAX_CHARS);
    let updated = vault.get(&b.credential_id).unwrap().unwrap();
    assert_clean(updated.user_name.as_deref().unwrap(), USER_NAME_MAX_CHARS);
    assert_clean(
        updated.user_display_name.as_deref().unwrap(),
        USER_NAME_MAX_CHARS,
    );
    // The list (what the CLI and the app read) agrees.
    for m in vault.list().unwrap() {
        assert_clean(m.user_name.as_deref().unwrap(), USER_NAME_MAX_CHARS);
    }
    // An ordinary name is stored exactly as given.
    let plain = record(3, "example.com", "Zoë Ñúñez");
    vault.create(&plain).unwrap();
    assert_eq!(vault.get(&plain.credential_id).unwrap().unwrap(), plain);
}
