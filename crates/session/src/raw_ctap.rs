//! Raw CTAP2 requests from the virtual security key (`Door::Hid`): the bytes a CTAP client sent
//! over CTAPHID go to the same authenticator, prompt queue, OS check, activity log and use
//! statistics as every other door's ceremonies. Only the answer's form differs: a CTAP status
//! byte + CBOR instead of WebAuthn JSON.
//!
//! A CTAP client spreads a ceremony over several requests (getKeyAgreement, a pinUvAuthToken,
//! makeCredential), so the caller keeps a [`CtapState`] per client connection and lends it to
//! each request.

use latchkey_authenticator::{
    command, Authenticator, AuthenticatorConfig, Caller, CtapError, CtapState, Door, Operation,
};

use crate::activity::ActivityKind;
use crate::approver::{PromptApprover, RequestInfo, Withdrawn};
use crate::session::Session;
use crate::store::SessionStore;

/// The largest CTAP message the virtual key carries (CTAPHID's 57 + 128 × 59 bytes); getInfo
/// advertises it as maxMsgSize.
pub const HID_MAX_MESSAGE: u32 = 7609;

impl Session {
    /// Runs one raw CTAP2 request (command byte + CBOR) from the virtual security key and returns
    /// the answer (status byte + CBOR). `state` is the client connection's CTAP state, carried
    /// from its previous request to its next. `request.tag` names the request for
    /// [`Session::cancel`] (`Door::Hid`); `request.client` is the program the door found holding
    /// the device, shown on the prompt. `waiting(true)` is called while the prompt waits for the
    /// person, `waiting(false)` once it is answered (for CTAPHID's "user presence needed").
    ///
    /// While the vault is locked only getInfo is answered; everything else is refused with
    /// CTAP2_ERR_OPERATION_DENIED, before any prompt and without touching the vault. A request
    /// withdrawn by the client (CTAPHID CANCEL) answers CTAP2_ERR_KEEPALIVE_CANCEL.
    pub fn ctap(
        &self,
        request: &[u8],
        state: &mut CtapState,
        info: RequestInfo,
        waiting: &dyn Fn(bool),
    ) -> Vec<u8> {
        let door = Door::Hid;
        let command = request.first().copied();
        if self.vault.lock().unwrap().is_none() && command != Some(command::GET_INFO) {
            return vec![CtapError::OperationDenied.status()];
        }
        // A deletion through credential management is logged like one from the window.
        let deleting = deleted_credential(request)
            .and_then(|id| self.with_vault(|v| v.meta(&id)).ok().flatten());
        let approver = PromptApprover::new(self, door, None, info).on_waiting(waiting);
        let mut auth = Authenticator::with_config(
            SessionStore(self),
            approver,
            AuthenticatorConfig::usb(HID_MAX_MESSAGE),
        )
        .with_key_cache(self.key_cache())
        .with_state(std::mem::take(state));
        let answer = auth.handle_request(request, &Caller::new(door, None));
        *state = auth.take_state();
        let succeeded = answer.first() == Some(&0);
        let outcome = auth.user().take_outcome();
        if let Some(d) = &outcome {
            if succeeded {
                let kind = match d.operation {
                    Operation::MakeCredential => {
                        self.clear_link_mark(&d.rp_id);
                        Some(ActivityKind::Created)
                    }
                    Operation::GetAssertion => Some(ActivityKind::Approved),
                    // Approving a credential-management token or a selection signs nothing.
                    Operation::CredentialManagement | Operation::Selection => None,
                };
                if let Some(kind) = kind {
                    self.log(kind, Some(&d.rp_id), d.account.as_deref(), door);
                    self.events.vault_changed();
                }
            } else if let Some(kind) = d.refusal {
                self.log(kind, Some(&d.rp_id), d.account.as_deref(), door);
            }
        }
        if succeeded
            && matches!(
                command,
                Some(command::CREDENTIAL_MANAGEMENT | command::CREDENTIAL_MANAGEMENT_PRE)
            )
        {
            // A delete or rename through credential management: the windows list again.
            if let Some(m) = &deleting {
                let account = m.user_name.clone().or_else(|| m.user_display_name.clone());
                self.log(
                    ActivityKind::Deleted,
                    Some(&m.rp_id),
                    account.as_deref(),
                    door,
                );
            }
            self.events.vault_changed();
        }
        match outcome.and_then(|d| d.withdrawn) {
            Some(Withdrawn::Aborted) if !succeeded => vec![CtapError::KeepaliveCancel.status()],
            _ => answer,
        }
    }
}

/// The credential id of an authenticatorCredentialManagement deleteCredential request
/// (subCommand 0x06, subCommandParams {0x02: {"id": ...}}), if that is what `request` is.
fn deleted_credential(request: &[u8]) -> Option<Vec<u8>> {
    use ciborium::Value;
    let (&cmd, params) = request.split_first()?;
    if cmd != command::CREDENTIAL_MANAGEMENT && cmd != command::CREDENTIAL_MANAGEMENT_PRE {
        return None;
    }
    let params: Value = ciborium::de::from_reader(params).ok()?;
    let entry = |map: &Value, key: Value| -> Option<Value> {
        map.as_map()?
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.clone())
    };
    if entry(&params, Value::Integer(1.into()))? != Value::Integer(6.into()) {
        return None;
    }
    let sub = entry(&params, Value::Integer(2.into()))?;
    let descriptor = entry(&sub, Value::Integer(2.into()))?;
    entry(&descriptor, Value::Text("id".into()))?
        .as_bytes()
        .cloned()
}
