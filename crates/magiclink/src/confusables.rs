//! UTS #39 confusable skeletons and the mixed-script / whole-script checks for name labels.
//!
//! Two names that look alike have the same skeleton (`pаypal` with a Cyrillic `а`, `examp1e`
//! with a digit one, `goögle` with a diaeresis all reduce to the Latin spelling), so comparing
//! skeletons catches homographs that an exact comparison misses. A label that mixes alphabets,
//! or is written entirely in letters that imitate Latin ones, is suspect even when it imitates
//! none of the person's sites, as in browsers' IDN display policies.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;
use unicode_script::{Script, UnicodeScript};
use unicode_security::{GeneralSecurityProfile, RestrictionLevel, RestrictionLevelDetection};

/// The lowercase skeleton of `s`: diacritics dropped, then every character replaced by its
/// UTS #39 prototype, then lowercased (the prototype of `0` is `O`, of `1` is `l`), twice so the
/// result is stable.
pub(crate) fn skeleton(s: &str) -> String {
    let mut text: String = s.nfd().filter(|c| !is_combining_mark(*c)).collect();
    for _ in 0..2 {
        let sk: String = unicode_security::skeleton(&text).collect();
        text = sk
            .nfd()
            .filter(|c| !is_combining_mark(*c))
            .collect::<String>()
            .to_lowercase();
    }
    text
}

/// What is wrong with one (decoded) label of a host name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LabelProblem {
    /// A character UTS #39 does not allow in identifiers (symbols, rare or historic letters).
    UnusualCharacter(char),
    /// Letters from scripts that do not belong together (beyond UTS #39 "highly restrictive";
    /// Latin with Cyrillic or Greek is the classic homograph).
    MixedScripts(Vec<String>),
    /// Entirely in one non-Latin script, with every letter imitating a Latin one.
    ImitatesLatin { script: String, looks_like: String },
}

impl LabelProblem {
    pub fn reason(&self, label: &str) -> String {
        match self {
            LabelProblem::UnusualCharacter(c) => format!(
                "The name \"{label}\" contains the unusual character {c} (U+{:04X}), which ordinary site names do not use; it may imitate another character.",
                *c as u32
            ),
            LabelProblem::MixedScripts(scripts) => format!(
                "The name \"{label}\" mixes letters from different alphabets ({}), a common way to imitate another name.",
                scripts.join(" and ")
            ),
            LabelProblem::ImitatesLatin { script, looks_like } => format!(
                "The name \"{label}\" is written in {script} letters that look exactly like the Latin name \"{looks_like}\"."
            ),
        }
    }
}

/// Top-level endings where a name written wholly in Cyrillic is normal (as Chromium allows).
const CYRILLIC_ENDINGS: &[&str] = &["bg", "by", "kz", "ru", "su", "ua", "uz", "mk", "rs", "mn"];

/// Checks one decoded label; `tld` is the host's last label (ASCII or punycode).
pub(crate) fn label_problem(label: &str, tld: &str) -> Option<LabelProblem> {
    if label.is_ascii() {
        return None;
    }
    if let Some(c) = label
        .chars()
        .find(|c| !c.is_ascii() && !c.identifier_allowed())
    {
        return Some(LabelProblem::UnusualCharacter(c));
    }
    // Hyphens and digits are not identifier characters in every profile; scripts are what matter.
    let letters: String = label.chars().filter(|c| *c != '-').collect();
    if letters.as_str().detect_restriction_level() > RestrictionLevel::HighlyRestrictive {
        return Some(LabelProblem::MixedScripts(scripts_of(&letters)));
    }
    let scripts = scripts_of(&letters);
    let looks_like = skeleton(label);
    let all_imitate = looks_like
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && looks_like.chars().any(|c| c.is_ascii_lowercase());
    if all_imitate && scripts.len() == 1 && scripts[0] != "Latin" {
        let native_ending = !tld.is_ascii()
            || tld.starts_with("xn--")
            || (scripts[0] == "Cyrillic" && CYRILLIC_ENDINGS.contains(&tld));
        if !native_ending {
            return Some(LabelProblem::ImitatesLatin {
                script: scripts[0].clone(),
                looks_like,
            });
        }
    }
    None
}

/// The distinct scripts of the letters in `s`, in order of appearance (Common and Inherited,
/// i.e. digits and marks, left out).
fn scripts_of(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in s.chars() {
        let script = c.script();
        if matches!(script, Script::Common | Script::Inherited | Script::Unknown) {
            continue;
        }
        let name = script.full_name().replace('_', " ");
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skeletons_unify_homographs() {
        assert_eq!(skeleton("pаypal.com"), skeleton("paypal.com")); // Cyrillic а
        assert_eq!(skeleton("examp1e.com"), skeleton("example.com"));
        assert_eq!(skeleton("g00gle.com"), skeleton("google.com"));
        assert_eq!(skeleton("goögle.com"), skeleton("google.com"));
        assert_eq!(skeleton("ΒΑΝΚ"), skeleton("bank"));
        assert_ne!(skeleton("bank.example"), skeleton("tank.example"));
    }

    #[test]
    fn ascii_and_single_script_labels_pass() {
        assert_eq!(label_problem("paypal", "com"), None);
        assert_eq!(label_problem("bücher", "example"), None);
        assert_eq!(label_problem("例え", "jp"), None);
        assert_eq!(label_problem("пример", "com"), None); // real Cyrillic word, not all Latin-like
    }

    #[test]
    fn mixed_scripts_are_named() {
        match label_problem("pаypal", "com") {
            Some(LabelProblem::MixedScripts(s)) => assert_eq!(s, ["Latin", "Cyrillic"]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn whole_script_latin_imitation() {
        // аррӏе: all Cyrillic, reads as "apple".
        match label_problem("аррӏе", "com") {
            Some(LabelProblem::ImitatesLatin { script, looks_like }) => {
                assert_eq!(script, "Cyrillic");
                assert_eq!(looks_like, "apple");
            }
            other => panic!("{other:?}"),
        }
        // Under a Cyrillic country ending the same label is ordinary.
        assert_eq!(label_problem("аррӏе", "ru"), None);
    }

    #[test]
    fn unusual_characters() {
        assert!(matches!(
            label_problem("bank☺", "com"),
            Some(LabelProblem::UnusualCharacter('☺'))
        ));
    }
}
