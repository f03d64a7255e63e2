//! credProtect (CTAP 2.1 §12.1): how much a credential hides itself from requests that did not
//! verify the user.

use crate::error::CtapError;

/// userVerificationOptional.
pub const OPTIONAL: u8 = 1;
/// userVerificationOptionalWithCredentialIDList.
pub const OPTIONAL_WITH_CREDENTIAL_ID_LIST: u8 = 2;
/// userVerificationRequired.
pub const REQUIRED: u8 = 3;

/// Validates a requested level (1..=3).
pub fn parse_level(level: u32) -> Result<u8, CtapError> {
    match level {
        1..=3 => Ok(level as u8),
        _ => Err(CtapError::InvalidParameter),
    }
}

/// Whether a credential at `level` may be used: level 3 needs UV, level 2 needs UV or an
/// allowList naming it (CTAP 2.1 §6.2.2 step 7).
pub fn is_usable(level: u8, user_verified: bool, from_allow_list: bool) -> bool {
    match level {
        REQUIRED => user_verified,
        OPTIONAL_WITH_CREDENTIAL_ID_LIST => user_verified || from_allow_list,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_filtering() {
        assert_eq!(parse_level(0), Err(CtapError::InvalidParameter));
        assert_eq!(parse_level(4), Err(CtapError::InvalidParameter));
        assert_eq!(parse_level(2), Ok(2));
        assert!(is_usable(OPTIONAL, false, false));
        assert!(!is_usable(OPTIONAL_WITH_CREDENTIAL_ID_LIST, false, false));
        assert!(is_usable(OPTIONAL_WITH_CREDENTIAL_ID_LIST, false, true));
        assert!(!is_usable(REQUIRED, false, true));
        assert!(is_usable(REQUIRED, true, false));
    }
}
