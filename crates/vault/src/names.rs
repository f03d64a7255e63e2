//! Names a website chose (`rp.name`, `user.name`, `user.displayName`) and nicknames, made safe to
//! store and to show. Why: a site controls these strings completely. Raw, they can carry terminal
//! escape sequences (retitle the window, clear the screen, fake a prompt), bidi controls that
//! make "moc.example" read as something else, invisible characters that hide text, and
//! megabytes that flood a table. So they are cleaned when stored and again when printed (a vault
//! written by an older version may hold anything).

/// Longest `rp.name` kept, in characters. CTAP 2.1 §6.1.2 lets authenticators truncate names to
/// 64 bytes; 64 characters keeps every real site name whole and a table readable.
pub const RP_NAME_MAX_CHARS: usize = 64;
/// Longest `user.name` kept (an e-mail address or handle), in characters.
pub const USER_NAME_MAX_CHARS: usize = 64;
/// Longest `user.displayName` kept, in characters.
pub const DISPLAY_NAME_MAX_CHARS: usize = 64;
/// Longest nickname, in characters (the same limit the CLI and the app enforce on rename).
pub const NICKNAME_MAX_CHARS: usize = 64;
/// Longest relying party ID shown: a DNS name has at most 253 characters.
pub const RP_ID_MAX_CHARS: usize = 253;

/// What a cut-off name ends with.
const ELLIPSIS: char = '…';

/// Returns `s` without control, bidi and invisible format characters, with whitespace runs
/// collapsed to one space, trimmed, and at most `max_chars` characters (cut on a character
/// boundary, ending with "…" when cut).
///
/// Removed: C0 and C1 controls and DEL (terminal escapes start with ESC U+001B or CSI U+009B);
/// the bidi controls U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069; and invisible format
/// characters that can hide or disguise text: soft hyphen U+00AD, U+180E, zero width space
/// U+200B, word joiner and invisible operators U+2060–U+2064, the deprecated U+206A–U+206F,
/// BOM U+FEFF, interlinear annotations U+FFF9–U+FFFB and the tag characters U+E0000–U+E007F
/// (used to smuggle invisible ASCII). Line breaks and tabs become spaces.
///
/// Kept on purpose: ZERO WIDTH JOINER (U+200D) and ZERO WIDTH NON-JOINER (U+200C). Emoji
/// sequences (👩‍💻) need the joiner, and Persian and Indic names need the non-joiner to be
/// spelled right; neither reorders text nor acts on a terminal. What they can do (make two names
/// look alike) is the look-alike problem in general, which this function does not claim to solve.
pub fn sanitize_name(s: &str, max_chars: usize) -> String {
    let mut cleaned = String::with_capacity(s.len().min(max_chars * 4));
    let mut pending_space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            pending_space = !cleaned.is_empty();
            continue;
        }
        if is_hidden(c) {
            continue;
        }
        if pending_space {
            cleaned.push(' ');
            pending_space = false;
        }
        cleaned.push(c);
        // Enough to know whether a cut is needed; the rest is never looked at, so a 10 MB
        // name costs no more than a short one.
        if cleaned.len() > max_chars * 4 + 4 {
            break;
        }
    }
    if cleaned.chars().count() <= max_chars {
        return cleaned;
    }
    let mut cut: String = cleaned.chars().take(max_chars.saturating_sub(1)).collect();
    cut.truncate(cut.trim_end().len());
    if max_chars > 0 {
        cut.push(ELLIPSIS);
    }
    cut
}

/// [`sanitize_name`] for an optional field.
pub fn sanitize_opt(s: Option<&str>, max_chars: usize) -> Option<String> {
    s.map(|s| sanitize_name(s, max_chars))
}

/// Characters removed outright: controls, bidi controls, invisible format characters.
fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'
            | '\u{200E}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{E0000}'..='\u{E007F}')
}

/// The names of a record as they are stored: every site-supplied name and the nickname cleaned
/// and capped.
pub(crate) fn sanitize_meta(m: &mut crate::PasskeyMeta) {
    m.rp_name = sanitize_opt(m.rp_name.as_deref(), RP_NAME_MAX_CHARS);
    m.user_name = sanitize_opt(m.user_name.as_deref(), USER_NAME_MAX_CHARS);
    m.user_display_name = sanitize_opt(m.user_display_name.as_deref(), DISPLAY_NAME_MAX_CHARS);
    m.nickname = sanitize_opt(m.nickname.as_deref(), NICKNAME_MAX_CHARS);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_escapes_and_bidi_controls_are_removed() {
        let s = "\u{1b}]0;pwned\u{7}al\u{1b}[2Jice\u{202E}moc.\u{2066}x\u{2069}\u{9b}31m\u{200B}";
        let out = sanitize_name(s, 64);
        assert_eq!(out, "]0;pwnedal[2Jicemoc.x31m");
        assert!(!out.chars().any(|c| c.is_control()));
    }

    #[test]
    fn whitespace_is_collapsed_and_trimmed() {
        assert_eq!(
            sanitize_name("  alice\n\t smith\u{2028} ", 64),
            "alice smith"
        );
        assert_eq!(sanitize_name("\u{1b}\u{7}", 64), "");
    }

    #[test]
    fn long_names_are_capped_on_a_character_boundary() {
        let long = "é".repeat(10_000);
        let out = sanitize_name(&long, USER_NAME_MAX_CHARS);
        assert_eq!(out.chars().count(), USER_NAME_MAX_CHARS);
        assert!(out.ends_with('…'));
        assert_eq!(sanitize_name("exactly", 7), "exactly");
        assert_eq!(sanitize_name("exactly!", 7), "exactl…");
        assert_eq!(
            sanitize_name("ab cd", 4),
            "ab…",
            "no space before the ellipsis"
        );
    }

    #[test]
    fn joiners_and_ordinary_scripts_are_kept() {
        for name in [
            "👩\u{200D}💻 Ada",
            "می\u{200C}خواهم",
            "Zoë Ñúñez",
            "山田太郎",
        ] {
            assert_eq!(sanitize_name(name, 64), name);
        }
    }
}
