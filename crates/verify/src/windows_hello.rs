//! Windows Hello through `UserConsentVerifier` (PIN, face or fingerprint). Cannot be built on the
//! Linux machines this project is tested on; kept minimal so it can be read at a glance.

use windows::core::HSTRING;
use windows::Security::Credentials::UI::{UserConsentVerificationResult, UserConsentVerifier};

use crate::{VerificationRequest, Verifier, VerifyError};

pub struct WindowsHello;

impl Verifier for WindowsHello {
    fn verify(&self, request: &VerificationRequest<'_>) -> Result<(), VerifyError> {
        let message = HSTRING::from(request.message());
        let result = UserConsentVerifier::RequestVerificationAsync(&message)
            .and_then(|op| op.get())
            .map_err(|e| VerifyError::Unavailable(e.to_string()))?;
        // Fails closed: only `Verified` is a yes; any other result, present or future, refuses.
        match result {
            UserConsentVerificationResult::Verified => Ok(()),
            UserConsentVerificationResult::Canceled => Err(VerifyError::Cancelled),
            UserConsentVerificationResult::DeviceNotPresent
            | UserConsentVerificationResult::NotConfiguredForUser
            | UserConsentVerificationResult::DisabledByPolicy => Err(VerifyError::Unavailable(
                "Windows Hello is not set up for this account".into(),
            )),
            _ => Err(VerifyError::Denied("Windows Hello refused".into())),
        }
    }
}
