//! The JSON API: registration and sign-in ceremonies, the signed-in account, sign-out.

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand_core::{OsRng, RngCore};
use serde::Deserialize;
use serde_json::json;
use webauthn_rs::prelude::{PublicKeyCredential, RegisterPublicKeyCredential, Uuid};

use crate::accounts::normalize_email;
use crate::error::ApiError;
use crate::sessions::{with_cookie, Pending};
use crate::AppState;

type S = State<Arc<AppState>>;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/register/start", post(register_start))
        .route("/api/register/finish", post(register_finish))
        .route("/api/login/start", post(login_start))
        .route("/api/login/finish", post(login_finish))
        .route("/api/me", get(me))
        .route("/api/logout", post(logout))
}

#[derive(Deserialize)]
struct RegisterStart {
    username: Option<String>,
    /// For new accounts: where sign-in links go.
    email: Option<String>,
}

#[derive(Deserialize)]
struct LoginStart {
    username: Option<String>,
}

const MAX_USERNAME: usize = 64;

fn clean_username(raw: Option<&str>) -> Option<String> {
    raw.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn random_uuid() -> Uuid {
    let mut b = [0u8; 16];
    OsRng.fill_bytes(&mut b);
    // Version 4, RFC 4122 variant.
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    Uuid::from_bytes(b)
}

fn ok(cookie: HeaderMap, body: serde_json::Value) -> Response {
    (cookie, Json(body)).into_response()
}

/// Signed out: a new account named `username`. Signed in: another passkey for the signed-in
/// account (a different or missing user name then means that account).
async fn register_start(
    State(st): S,
    headers: HeaderMap,
    Json(req): Json<RegisterStart>,
) -> Result<Response, ApiError> {
    let (sid, set) = st.sessions.lock().unwrap().get_or_create(&headers);
    let signed_in = st.sessions.lock().unwrap().session(&sid).user;
    let accounts = st.accounts.lock().unwrap();
    let (user, username, email, exclude) = match signed_in.and_then(|u| accounts.get(&u)) {
        Some(a) => (
            a.id,
            a.username.clone(),
            a.email.clone(),
            a.passkeys
                .iter()
                .map(|p| p.passkey.cred_id().clone())
                .collect::<Vec<_>>(),
        ),
        None => {
            let name = clean_username(req.username.as_deref())
                .ok_or_else(|| ApiError::BadRequest("enter a user name to sign up with".into()))?;
            if name.chars().count() > MAX_USERNAME {
                return Err(ApiError::BadRequest(format!(
                    "the user name is longer than {MAX_USERNAME} characters; pick a shorter one"
                )));
            }
            if accounts.by_name(&name).is_some() {
                return Err(ApiError::Conflict(format!(
                    "the user name {name:?} is taken; sign in as {name:?} to add a passkey, or pick another name"
                )));
            }
            let email = match req
                .email
                .as_deref()
                .map(str::trim)
                .filter(|e| !e.is_empty())
            {
                None => None,
                Some(raw) => {
                    let e = normalize_email(raw).ok_or_else(|| {
                        ApiError::BadRequest(format!(
                            "{raw:?} is not an email address like name@example.com; correct it or leave it empty"
                        ))
                    })?;
                    if accounts.by_email(&e).is_some() {
                        return Err(ApiError::Conflict(format!(
                            "another account uses {e}; sign in to it (or ask for a sign-in link), or use another address"
                        )));
                    }
                    Some(e)
                }
            };
            (random_uuid(), name, email, Vec::new())
        }
    };
    drop(accounts);
    let (options, state) = st
        .webauthn
        .start_passkey_registration(user, &username, &username, Some(exclude))
        .map_err(|e| ApiError::BadRequest(format!("could not start the registration: {e}")))?;
    st.sessions
        .lock()
        .unwrap()
        .session(&sid)
        .set_pending(Pending::Register {
            user,
            username,
            email,
            state,
        });
    Ok(ok(with_cookie(set), discoverable(json!(options))))
}

/// Asks for a discoverable credential (a passkey the authenticator can offer without a user
/// name). webauthn-rs's passkey registration says `residentKey: "discouraged"`, and then a
/// security key or the browser's own authenticator makes a credential that the site's "Sign in
/// with a passkey" (no user name) and its autofill can never find.
fn discoverable(mut options: serde_json::Value) -> serde_json::Value {
    if let Some(sel) = options
        .pointer_mut("/publicKey/authenticatorSelection")
        .and_then(|s| s.as_object_mut())
    {
        sel.insert("residentKey".into(), json!("required"));
        sel.insert("requireResidentKey".into(), json!(true));
    }
    options
}

async fn register_finish(
    State(st): S,
    headers: HeaderMap,
    Json(cred): Json<RegisterPublicKeyCredential>,
) -> Result<Response, ApiError> {
    let (sid, set) = st.sessions.lock().unwrap().get_or_create(&headers);
    let pending = st.sessions.lock().unwrap().session(&sid).take_pending();
    let Some(Pending::Register {
        user,
        username,
        email,
        state,
    }) = pending
    else {
        return Err(no_ceremony("registration"));
    };
    let passkey = st
        .webauthn
        .finish_passkey_registration(&cred, &state)
        .map_err(|e| ApiError::BadRequest(format!("the passkey was not accepted: {e}")))?;
    {
        let mut accounts = st.accounts.lock().unwrap();
        // Two sign-ups for one name may have raced; the first one to finish keeps it.
        if accounts.by_name(&username).is_some_and(|a| a.id != user) {
            return Err(ApiError::Conflict(format!(
                "the user name {username:?} was taken meanwhile; pick another name"
            )));
        }
        if let Some(e) = &email {
            if accounts.by_email(e).is_some_and(|a| a.id != user) {
                return Err(ApiError::Conflict(format!(
                    "another account took {e} meanwhile; use another address"
                )));
            }
        }
        accounts.add_passkey(user, &username, email.as_deref(), passkey);
    }
    {
        let mut sessions = st.sessions.lock().unwrap();
        let session = sessions.session(&sid);
        session.user = Some(user);
        // The passkey the link sign-in offered now exists.
        session.by_link = false;
    }
    Ok(ok(with_cookie(set), account_json(&st, &user, false)))
}

/// No user name: a discoverable request (the authenticator offers its passkeys for this site).
/// A user name: the request lists that account's passkeys.
async fn login_start(
    State(st): S,
    headers: HeaderMap,
    body: Option<Json<LoginStart>>,
) -> Result<Response, ApiError> {
    let (sid, set) = st.sessions.lock().unwrap().get_or_create(&headers);
    let username = body.and_then(|Json(b)| clean_username(b.username.as_deref()));
    let (options, pending) = match username {
        None => {
            let (o, s) = st
                .webauthn
                .start_discoverable_authentication()
                .map_err(|e| ApiError::BadRequest(format!("could not start the sign-in: {e}")))?;
            (o, Pending::LoginDiscoverable(s))
        }
        Some(name) => {
            let accounts = st.accounts.lock().unwrap();
            let account = accounts.by_name(&name).ok_or_else(|| {
                ApiError::NotFound(format!(
                    "there is no account {name:?} here; sign up first or check the spelling"
                ))
            })?;
            let keys: Vec<_> = account.passkeys.iter().map(|p| p.passkey.clone()).collect();
            let (o, s) = st
                .webauthn
                .start_passkey_authentication(&keys)
                .map_err(|e| ApiError::BadRequest(format!("could not start the sign-in: {e}")))?;
            (
                o,
                Pending::LoginAllowList {
                    user: account.id,
                    state: s,
                },
            )
        }
    };
    st.sessions
        .lock()
        .unwrap()
        .session(&sid)
        .set_pending(pending);
    Ok(ok(with_cookie(set), json!(options)))
}

async fn login_finish(
    State(st): S,
    headers: HeaderMap,
    Json(cred): Json<PublicKeyCredential>,
) -> Result<Response, ApiError> {
    let (sid, set) = st.sessions.lock().unwrap().get_or_create(&headers);
    let pending = st.sessions.lock().unwrap().session(&sid).take_pending();
    let refused = |e| ApiError::Unauthorized(format!("the sign-in was not accepted: {e}"));
    let (user, result) = match pending {
        Some(Pending::LoginDiscoverable(state)) => {
            let (user, cred_id) = st
                .webauthn
                .identify_discoverable_authentication(&cred)
                .map_err(refused)?;
            // The passkey must be one of the account's that the user handle names.
            let passkey = {
                let accounts = st.accounts.lock().unwrap();
                accounts
                    .get(&user)
                    .and_then(|a| {
                        a.passkeys
                            .iter()
                            .find(|p| p.passkey.cred_id().as_slice() == cred_id)
                    })
                    .map(|p| p.passkey.clone())
                    .ok_or_else(|| {
                        ApiError::Unauthorized(
                            "this passkey belongs to no account here; sign up first".into(),
                        )
                    })?
            };
            let r = st
                .webauthn
                .finish_discoverable_authentication_v2(&cred, state, &passkey)
                .map_err(refused)?;
            (user, r)
        }
        Some(Pending::LoginAllowList { user, state }) => {
            let r = st
                .webauthn
                .finish_passkey_authentication(&cred, &state)
                .map_err(refused)?;
            (user, r)
        }
        _ => return Err(no_ceremony("sign-in")),
    };
    st.accounts.lock().unwrap().record_sign_in(&user, &result);
    {
        let mut sessions = st.sessions.lock().unwrap();
        let session = sessions.session(&sid);
        session.user = Some(user);
        session.by_link = false;
    }
    Ok(ok(with_cookie(set), account_json(&st, &user, false)))
}

async fn me(State(st): S, headers: HeaderMap) -> Result<Response, ApiError> {
    let signed_in = {
        let mut sessions = st.sessions.lock().unwrap();
        sessions.find(&headers).and_then(|sid| {
            let s = sessions.session(&sid);
            s.user.map(|u| (u, s.by_link))
        })
    };
    let Some((user, by_link)) = signed_in else {
        return Err(ApiError::Unauthorized(
            "not signed in; sign in first".into(),
        ));
    };
    Ok(ok(HeaderMap::new(), account_json(&st, &user, by_link)))
}

async fn logout(State(st): S, headers: HeaderMap) -> Response {
    let mut sessions = st.sessions.lock().unwrap();
    if let Some(sid) = sessions.find(&headers) {
        let s = sessions.session(&sid);
        s.user = None;
        s.by_link = false;
    }
    ok(HeaderMap::new(), json!({ "signedOut": true }))
}

fn no_ceremony(what: &str) -> ApiError {
    ApiError::BadRequest(format!(
        "no {what} is in progress for this browser (it was finished already or expired after 5 minutes); start again"
    ))
}

/// The account as the pages show it; `signedInByLink` makes the account page offer a passkey
/// on this device.
fn account_json(st: &AppState, user: &Uuid, by_link: bool) -> serde_json::Value {
    let accounts = st.accounts.lock().unwrap();
    let Some(a) = accounts.get(user) else {
        return json!(null);
    };
    json!({
        "username": a.username,
        "email": a.email,
        "signedInByLink": by_link,
        "passkeys": a.passkeys.iter().map(|p| json!({
            "id": URL_SAFE_NO_PAD.encode(p.passkey.cred_id()),
            "created": p.created,
            "lastUsed": p.last_used,
            "counter": p.counter,
        })).collect::<Vec<_>>(),
    })
}
