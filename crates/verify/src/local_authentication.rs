//! macOS: LocalAuthentication (Touch ID, or the account password) through
//! `robius-authentication`. Cannot be built on the Linux machines this project is tested on;
//! kept minimal so it can be read at a glance.

use robius_authentication::{
    AndroidText, BiometricStrength, Context, PolicyBuilder, Text, WindowsText,
};

use crate::{VerificationRequest, Verifier, VerifyError};

pub struct LocalAuthentication;

impl Verifier for LocalAuthentication {
    fn verify(&self, request: &VerificationRequest<'_>) -> Result<(), VerifyError> {
        let policy = PolicyBuilder::new()
            .biometrics(Some(BiometricStrength::Strong))
            .password(true)
            .build()
            .ok_or_else(|| {
                VerifyError::Unavailable("no usable LocalAuthentication policy".into())
            })?;
        let message = request.message();
        let text = Text {
            android: AndroidText {
                title: "Latchkey",
                subtitle: None,
                description: None,
            },
            apple: &message,
            windows: WindowsText::new_truncated("Latchkey", &message),
        };
        // Fails closed: only a completed authentication is `Ok`; every error refuses.
        Context::new(())
            .blocking_authenticate(text, &policy)
            .map_err(|e| VerifyError::Denied(format!("{e:?}")))
    }
}
