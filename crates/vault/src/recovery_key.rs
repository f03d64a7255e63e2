//! The recovery key: the second way to the vault's data key when the OS keychain has lost it.
//!
//! 26 random symbols of Crockford's base32 (130 bits from the OS generator) plus 4 check
//! symbols, written as 6 groups of 5 (`XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX`). The alphabet has
//! no I, L, O or U, so what is read off paper is not confused; I and L are read as 1 and O as 0.
//!
//! The check symbols make the 30 symbols a Reed–Solomon codeword over GF(32) with 4 parity
//! symbols (minimum distance 5): every mistake in up to 4 symbols is caught for certain, which
//! covers any one wrong symbol and any two symbols swapped (adjacent or not). A key that fails
//! the check is [`VaultError::RecoveryKeyMistyped`], told apart from a key that is typed right
//! but wrong ([`VaultError::WrongRecoveryKey`]).
//!
//! 130 bits cannot be guessed, so the wrapping key comes from HKDF alone (no slow KDF): the
//! recovery key is random, not a person's password.

use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

use crate::VaultError;

/// Crockford's base32 alphabet: digits and letters without I, L, O, U.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Random symbols: 26 × 5 = 130 bits.
pub(crate) const KEY_SYMBOLS: usize = 26;
/// Reed–Solomon parity symbols: 4 × 5 = 20 bits of check.
const CHECK_SYMBOLS: usize = 4;
const TOTAL_SYMBOLS: usize = KEY_SYMBOLS + CHECK_SYMBOLS;
const GROUP: usize = 5;

/// A vault's recovery key. Zeroized on drop; `Debug` never prints it.
pub struct RecoveryKey {
    /// The 26 key symbols, each 0..32.
    symbols: Zeroizing<[u8; KEY_SYMBOLS]>,
}

impl RecoveryKey {
    /// A fresh random key from the OS generator.
    pub fn generate() -> Result<RecoveryKey, VaultError> {
        let mut symbols = Zeroizing::new([0u8; KEY_SYMBOLS]);
        SystemRandom::new()
            .fill(symbols.as_mut())
            .map_err(|_| VaultError::Storage("the OS random generator failed".into()))?;
        // 256 is a multiple of 32: the low 5 bits of a uniform byte are uniform.
        for s in symbols.iter_mut() {
            *s &= 0x1f;
        }
        Ok(RecoveryKey { symbols })
    }

    /// Reads a key as a person types it. Spaces, dashes and case are ignored; Crockford's
    /// I/L→1 and O→0. Not 30 symbols, or a character outside the alphabet:
    /// [`VaultError::RecoveryKeyMalformed`]; the check symbols do not match:
    /// [`VaultError::RecoveryKeyMistyped`].
    pub fn parse(text: &str) -> Result<RecoveryKey, VaultError> {
        let mut all = Zeroizing::new([0u8; TOTAL_SYMBOLS]);
        let mut n = 0usize;
        for (position, c) in text.chars().enumerate() {
            if c.is_whitespace() || c == '-' {
                continue;
            }
            let value = symbol_value(c).ok_or_else(|| {
                VaultError::RecoveryKeyMalformed(format!(
                    "character {} is not one a recovery key uses (they use 0-9 and A-Z without U)",
                    position + 1
                ))
            })?;
            if n < TOTAL_SYMBOLS {
                all[n] = value;
            }
            n += 1;
        }
        if n != TOTAL_SYMBOLS {
            return Err(VaultError::RecoveryKeyMalformed(format!(
                "a recovery key has {TOTAL_SYMBOLS} letters and digits (6 groups of 5); this has {n}"
            )));
        }
        let mut symbols = Zeroizing::new([0u8; KEY_SYMBOLS]);
        symbols.copy_from_slice(&all[..KEY_SYMBOLS]);
        if check_symbols(&symbols) != all[KEY_SYMBOLS..] {
            return Err(VaultError::RecoveryKeyMistyped);
        }
        Ok(RecoveryKey { symbols })
    }

    /// "XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX": the 26 key symbols and the 4 check symbols.
    pub fn display(&self) -> Zeroizing<String> {
        let mut all = Zeroizing::new([0u8; TOTAL_SYMBOLS]);
        all[..KEY_SYMBOLS].copy_from_slice(self.symbols.as_ref());
        all[KEY_SYMBOLS..].copy_from_slice(&check_symbols(&self.symbols));
        let mut out = Zeroizing::new(String::with_capacity(TOTAL_SYMBOLS + 5));
        for (i, v) in all.iter().enumerate() {
            if i > 0 && i % GROUP == 0 {
                out.push('-');
            }
            out.push(char::from(ALPHABET[usize::from(*v)]));
        }
        out
    }

    /// The secret input to the wrapping key's HKDF.
    pub(crate) fn secret(&self) -> &[u8; KEY_SYMBOLS] {
        &self.symbols
    }
}

impl std::fmt::Debug for RecoveryKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecoveryKey(..)")
    }
}

fn symbol_value(c: char) -> Option<u8> {
    let c = match c.to_ascii_uppercase() {
        'I' | 'L' => '1',
        'O' => '0',
        c => c,
    };
    if !c.is_ascii() {
        return None;
    }
    ALPHABET.iter().position(|&a| a == c as u8).map(|p| p as u8)
}

/// GF(32) with the primitive polynomial x⁵ + x² + 1; α = 2.
mod gf32 {
    const POLY: u8 = 0b10_0101;

    pub(super) fn mul(mut a: u8, mut b: u8) -> u8 {
        let mut out = 0u8;
        while b != 0 {
            if b & 1 != 0 {
                out ^= a;
            }
            b >>= 1;
            a <<= 1;
            if a & 0x20 != 0 {
                a ^= POLY;
            }
        }
        out
    }

    /// α^i.
    pub(super) fn alpha_pow(i: u32) -> u8 {
        (0..i).fold(1u8, |acc, _| mul(acc, 2))
    }
}

/// g(x) = (x − α)(x − α²)(x − α³)(x − α⁴), highest coefficient first (monic, 5 terms).
fn generator() -> [u8; CHECK_SYMBOLS + 1] {
    let mut g = vec![1u8];
    for i in 1..=CHECK_SYMBOLS as u32 {
        let root = gf32::alpha_pow(i);
        // g(x)·(x + root): in characteristic 2, minus is plus.
        let mut next = vec![0u8; g.len() + 1];
        for (j, &c) in g.iter().enumerate() {
            next[j] ^= c;
            next[j + 1] ^= gf32::mul(c, root);
        }
        g = next;
    }
    g.try_into().expect("degree 4")
}

/// The 4 check symbols: the remainder of m(x)·x⁴ divided by g(x), so that the 30 symbols form
/// a codeword (a multiple of g) of a Reed–Solomon code of distance 5.
pub(crate) fn check_symbols(key: &[u8; KEY_SYMBOLS]) -> [u8; CHECK_SYMBOLS] {
    let g = generator();
    let mut rem = [0u8; CHECK_SYMBOLS];
    for &m in key.iter() {
        let factor = m ^ rem[0];
        rem.copy_within(1.., 0);
        rem[CHECK_SYMBOLS - 1] = 0;
        for j in 0..CHECK_SYMBOLS {
            rem[j] ^= gf32::mul(factor, g[j + 1]);
        }
    }
    rem
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> RecoveryKey {
        RecoveryKey::generate().unwrap()
    }

    fn symbols_of(text: &str) -> Vec<char> {
        text.chars().filter(|c| *c != '-').collect()
    }

    fn join(symbols: &[char]) -> String {
        symbols.iter().collect()
    }

    #[test]
    fn display_has_six_groups_of_five_and_parses_back() {
        for _ in 0..50 {
            let key = sample();
            let text = key.display();
            let groups: Vec<&str> = text.split('-').collect();
            assert_eq!(groups.len(), 6);
            assert!(groups.iter().all(|g| g.len() == 5));
            assert!(text
                .chars()
                .all(|c| c == '-' || ALPHABET.contains(&(c as u8))));
            let back = RecoveryKey::parse(&text).unwrap();
            assert_eq!(back.secret(), key.secret());
        }
    }

    #[test]
    fn codewords_are_multiples_of_the_generator() {
        // Every root of g is a root of the whole codeword: evaluate at α..α⁴.
        let key = sample();
        let mut word = key.secret().to_vec();
        word.extend_from_slice(&check_symbols(key.secret()));
        for i in 1..=4 {
            let x = gf32::alpha_pow(i);
            let value = word.iter().fold(0u8, |acc, &c| gf32::mul(acc, x) ^ c);
            assert_eq!(value, 0, "α^{i} is not a root");
        }
        // α is primitive: its powers run through all 31 non-zero elements.
        let mut seen = std::collections::BTreeSet::new();
        for i in 0..31 {
            seen.insert(gf32::alpha_pow(i));
        }
        assert_eq!(seen.len(), 31);
    }

    #[test]
    fn every_single_wrong_symbol_is_caught() {
        for _ in 0..20 {
            let key = sample();
            let good = symbols_of(&key.display());
            for pos in 0..TOTAL_SYMBOLS {
                for &a in ALPHABET.iter() {
                    let a = a as char;
                    if a == good[pos] {
                        continue;
                    }
                    let mut typo = good.clone();
                    typo[pos] = a;
                    assert!(
                        matches!(
                            RecoveryKey::parse(&join(&typo)),
                            Err(VaultError::RecoveryKeyMistyped)
                        ),
                        "a wrong symbol at {pos} was not caught"
                    );
                }
            }
        }
    }

    #[test]
    fn every_swap_of_two_symbols_is_caught() {
        for _ in 0..20 {
            let key = sample();
            let good = symbols_of(&key.display());
            for i in 0..TOTAL_SYMBOLS {
                for j in i + 1..TOTAL_SYMBOLS {
                    if good[i] == good[j] {
                        continue;
                    }
                    let mut typo = good.clone();
                    typo.swap(i, j);
                    assert!(
                        matches!(
                            RecoveryKey::parse(&join(&typo)),
                            Err(VaultError::RecoveryKeyMistyped)
                        ),
                        "swapping {i} and {j} was not caught"
                    );
                }
            }
        }
    }

    #[test]
    fn up_to_four_wrong_symbols_are_caught() {
        // Distance 5: any 1..=4 changed symbols. A sample of random positions and values.
        let rng = SystemRandom::new();
        let mut bytes = [0u8; 12];
        for _ in 0..3000 {
            let key = sample();
            let good = symbols_of(&key.display());
            rng.fill(&mut bytes).unwrap();
            let count = 1 + usize::from(bytes[0] % 4);
            let mut typo = good.clone();
            for k in 0..count {
                let pos = usize::from(bytes[1 + 2 * k]) % TOTAL_SYMBOLS;
                let delta = 1 + bytes[2 + 2 * k] % 31;
                let v = symbol_value(typo[pos]).unwrap() ^ delta;
                typo[pos] = ALPHABET[usize::from(v)] as char;
            }
            if typo == good {
                continue;
            }
            assert!(matches!(
                RecoveryKey::parse(&join(&typo)),
                Err(VaultError::RecoveryKeyMistyped)
            ));
        }
    }

    #[test]
    fn parse_ignores_spaces_dashes_case_and_maps_lookalikes() {
        let key = sample();
        let text = key.display();
        let plain: String = text.chars().filter(|c| *c != '-').collect();
        let spaced = text.replace('-', " ");
        let lower = text.to_lowercase();
        let messy = format!(
            "  {}\n",
            plain.chars().map(|c| format!("{c} -")).collect::<String>()
        );
        for variant in [plain.clone(), spaced, lower, messy] {
            assert_eq!(RecoveryKey::parse(&variant).unwrap().secret(), key.secret());
        }
        // I and L read as 1, O as 0 (what a person may see on paper).
        let lookalike: String = plain
            .chars()
            .map(|c| match c {
                '1' => 'l',
                '0' => 'O',
                c => c,
            })
            .collect();
        assert_eq!(
            RecoveryKey::parse(&lookalike).unwrap().secret(),
            key.secret()
        );
        let with_i: String = plain.replace('1', "I");
        assert_eq!(RecoveryKey::parse(&with_i).unwrap().secret(), key.secret());
    }

    #[test]
    fn malformed_keys_are_told_apart_from_typos() {
        let key = sample();
        let plain: String = key.display().chars().filter(|c| *c != '-').collect();
        for bad in [
            String::new(),
            plain[..29].to_owned(),
            format!("{plain}A"),
            format!("{}U", &plain[..29]),
            format!("{}é", &plain[..29]),
            format!("{}_", &plain[..29]),
        ] {
            assert!(
                matches!(
                    RecoveryKey::parse(&bad),
                    Err(VaultError::RecoveryKeyMalformed(_))
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn debug_never_prints_the_key() {
        let key = sample();
        let text = key.display();
        let debug = format!("{key:?}");
        assert_eq!(debug, "RecoveryKey(..)");
        assert!(!debug.contains(&text[..5]));
    }

    #[test]
    fn generated_keys_use_all_130_bits() {
        // Every symbol value shows up across a few keys (the & 0x1f keeps all five bits).
        let mut seen = [false; 32];
        for _ in 0..40 {
            for &s in sample().secret() {
                seen[usize::from(s)] = true;
            }
        }
        assert!(seen.iter().all(|s| *s));
    }
}
