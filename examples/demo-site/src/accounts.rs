//! Accounts and their passkeys, in memory.

use std::collections::HashMap;

use webauthn_rs::prelude::{AuthenticationResult, Passkey, Uuid};

/// One stored passkey with what the account page shows about it.
pub struct StoredPasskey {
    pub passkey: Passkey,
    pub created: String,
    pub last_used: Option<String>,
    /// The signature counter from the last verified sign-in (0 until then).
    pub counter: u32,
}

pub struct Account {
    pub id: Uuid,
    pub username: String,
    /// Where sign-in links go (lowercase); accounts made without one cannot get links.
    pub email: Option<String>,
    pub passkeys: Vec<StoredPasskey>,
}

#[derive(Default)]
pub struct Accounts {
    by_id: HashMap<Uuid, Account>,
    by_name: HashMap<String, Uuid>,
    by_email: HashMap<String, Uuid>,
}

impl Accounts {
    pub fn by_name(&self, name: &str) -> Option<&Account> {
        self.by_name.get(name).and_then(|id| self.by_id.get(id))
    }

    /// The account whose address is `email` (already normalized by `normalize_email`).
    pub fn by_email(&self, email: &str) -> Option<&Account> {
        self.by_email.get(email).and_then(|id| self.by_id.get(id))
    }

    pub fn get(&self, id: &Uuid) -> Option<&Account> {
        self.by_id.get(id)
    }

    /// Adds a passkey to the account `id`, creating the account (with `email`) if it is new.
    pub fn add_passkey(&mut self, id: Uuid, username: &str, email: Option<&str>, passkey: Passkey) {
        let account = self.by_id.entry(id).or_insert_with(|| Account {
            id,
            username: username.to_string(),
            email: email.map(str::to_string),
            passkeys: Vec::new(),
        });
        self.by_name.insert(username.to_string(), id);
        if let Some(e) = &account.email {
            self.by_email.insert(e.clone(), id);
        }
        account.passkeys.push(StoredPasskey {
            passkey,
            created: now(),
            last_used: None,
            counter: 0,
        });
    }

    /// Records a verified sign-in: the new counter (and backup state) from webauthn-rs.
    pub fn record_sign_in(&mut self, id: &Uuid, res: &AuthenticationResult) {
        if let Some(account) = self.by_id.get_mut(id) {
            for p in &mut account.passkeys {
                if p.passkey.update_credential(res).is_some() {
                    p.counter = res.counter();
                    p.last_used = Some(now());
                }
            }
        }
    }
}

/// An address as accounts and links key it: trimmed, lowercase, and one lettre accepts.
/// `None` when it is not an address.
pub fn normalize_email(raw: &str) -> Option<String> {
    let e = raw.trim().to_lowercase();
    (e.len() <= 254 && e.parse::<lettre::Address>().is_ok()).then_some(e)
}

fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
