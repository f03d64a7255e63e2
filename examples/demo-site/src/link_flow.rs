//! The emailed sign-in link, as a careful site sends it:
//! - `POST /api/link/request {email}` gives the same answer, in the same time, whether or not
//!   an account has the address; it is rate limited per address and per client; the mail is
//!   written in the background.
//! - `GET /link/<token>` spends nothing (mail scanners fetch and even run links): it shows
//!   "Sign in … as alice?" and a button.
//! - `POST /link/<token>` spends the link (claimed under one lock: of two concurrent uses one
//!   wins) and signs in the browser that clicked, never another waiting session. A link opened
//!   in a browser other than the one that asked for it needs an explicit confirmation that
//!   shows where and when it was asked for, and is refused while that browser waits for a link
//!   of its own (login CSRF: someone else's link would sign it in as them).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::accounts::normalize_email;
use crate::error::ApiError;
use crate::link_store::{new_token, token_hash, IssuedLink};
use crate::mail::{human_duration, sign_in_message, SignInMail};
use crate::safe_redirect::safe_next;
use crate::sessions::{binding, with_cookie};
use crate::AppState;

type S = State<Arc<AppState>>;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/link/request", post(request_link))
        .route("/link/{token}", get(show_link).post(use_link))
}

#[derive(Deserialize)]
struct LinkRequest {
    email: Option<String>,
}

/// The one answer to every accepted link request.
fn sent_message(st: &AppState) -> String {
    format!(
        "If an account here uses that address, a sign-in link is on its way. Open it in this \
         browser within {}; only the newest link works.",
        human_duration(st.options.link_ttl)
    )
}

async fn request_link(
    State(st): S,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Option<Json<LinkRequest>>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let raw = body.and_then(|Json(b)| b.email).unwrap_or_default();
    let result = issue(&st, client, &headers, &raw);
    // The same time for every answer: a known address costs a little more work (storing the
    // link, handing the mail to a background task), which this floor hides.
    tokio::time::sleep_until((started + st.options.response_floor).into()).await;
    result
}

fn issue(
    st: &Arc<AppState>,
    client: SocketAddr,
    headers: &HeaderMap,
    raw: &str,
) -> Result<Response, ApiError> {
    let email = normalize_email(raw).ok_or_else(|| {
        ApiError::BadRequest("enter an email address like name@example.com".into())
    })?;
    let wait = human_duration(st.options.per_client.window);
    if !st
        .per_client
        .lock()
        .unwrap()
        .allow(&client.ip().to_string())
    {
        return Err(ApiError::TooManyRequests(format!(
            "too many sign-in links were asked for from this computer; try again in {wait}"
        )));
    }
    // Counted for every address, with or without an account, so that this answer says
    // nothing about which addresses have one.
    let wait = human_duration(st.options.per_address.window);
    if !st.per_address.lock().unwrap().allow(&email) {
        return Err(ApiError::TooManyRequests(format!(
            "too many sign-in links were asked for this address; use the newest one you got, or try again in {wait}"
        )));
    }
    let (sid, set) = st.sessions.lock().unwrap().get_or_create(headers);
    let token = new_token();
    let hash = token_hash(&token);
    st.sessions.lock().unwrap().session(&sid).waiting_link = Some(hash);
    let account = st
        .accounts
        .lock()
        .unwrap()
        .by_email(&email)
        .map(|a| (a.id, a.username.clone()));
    if let Some((user, username)) = account {
        let ttl = st.options.link_ttl;
        st.links
            .lock()
            .unwrap()
            .issue(hash, user, &email, binding(&sid), client.ip(), ttl);
        let st = st.clone();
        let client_ip = client.ip().to_string();
        tokio::task::spawn_blocking(move || {
            let link = format!("{}/link/{token}", st.origin);
            let at = when(SystemTime::now());
            let mail = SignInMail {
                to: &email,
                username: &username,
                link: &link,
                ttl,
                client_ip: &client_ip,
                requested_at: &at,
            };
            // The error never holds the link; the address is the user's own.
            if let Err(e) = sign_in_message(&mail).and_then(|m| st.mailer.deliver(&m)) {
                eprintln!("latchkey-demo-site: the sign-in link for {email} was not sent: {e}");
            }
        });
    }
    Ok((
        with_cookie(set),
        Json(json!({ "sent": true, "message": sent_message(st) })),
    )
        .into_response())
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

#[derive(Deserialize)]
struct UseForm {
    /// "yes" when the person confirmed a link asked for from another browser.
    other_browser: Option<String>,
    next: Option<String>,
}

/// How the clicking browser relates to the link.
enum Clicker {
    /// The browser that asked for the link.
    Requester,
    /// Another browser, with no link of its own pending.
    Other,
    /// Another browser that is waiting for a link it asked for itself.
    WaitingForItsOwn,
}

fn relate(
    link: &IssuedLink,
    hash: &[u8; 32],
    sid: Option<&str>,
    waiting: Option<[u8; 32]>,
) -> Clicker {
    if sid.map(binding) == Some(link.requester) {
        Clicker::Requester
    } else if waiting.is_some_and(|w| w != *hash) {
        Clicker::WaitingForItsOwn
    } else {
        Clicker::Other
    }
}

/// Looks the link up and shows what confirming would do. Spends nothing, creates no session.
async fn show_link(
    State(st): S,
    Path(token): Path<String>,
    Query(q): Query<NextQuery>,
    headers: HeaderMap,
) -> Response {
    let hash = token_hash(&token);
    let (sid, waiting) = {
        let sessions = st.sessions.lock().unwrap();
        let sid = sessions.find(&headers);
        let waiting = sid
            .as_deref()
            .and_then(|s| sessions.get(s))
            .and_then(|s| s.waiting_link);
        (sid, waiting)
    };
    let Some(link) = st
        .links
        .lock()
        .unwrap()
        .peek(&hash, st.options.link_ttl)
        .cloned()
    else {
        return gone();
    };
    let clicker = relate(&link, &hash, sid.as_deref(), waiting);
    confirm_page(
        &st,
        &token,
        &link,
        clicker,
        q.next.as_deref(),
        StatusCode::OK,
    )
}

/// Spends the link and signs in the browser that clicked.
async fn use_link(
    State(st): S,
    Path(token): Path<String>,
    headers: HeaderMap,
    Form(form): Form<UseForm>,
) -> Response {
    if !from_own_page(&st, &headers) {
        return html(
            StatusCode::FORBIDDEN,
            "Confirm on this site's own page",
            "<p id=\"link-refused\">This confirmation was sent from another site. Open the link \
             from your mail and confirm on the page it shows.</p>",
        );
    }
    let hash = token_hash(&token);
    let (sid, set) = st.sessions.lock().unwrap().get_or_create(&headers);
    let waiting = st.sessions.lock().unwrap().session(&sid).waiting_link;
    let ttl = st.options.link_ttl;
    let link = {
        let mut links = st.links.lock().unwrap();
        let Some(link) = links.peek(&hash, ttl).cloned() else {
            return gone();
        };
        match relate(&link, &hash, Some(&sid), waiting) {
            Clicker::Requester => {}
            Clicker::WaitingForItsOwn => {
                return confirm_page(
                    &st,
                    &token,
                    &link,
                    Clicker::WaitingForItsOwn,
                    form.next.as_deref(),
                    StatusCode::CONFLICT,
                )
            }
            Clicker::Other if form.other_browser.as_deref() == Some("yes") => {}
            Clicker::Other => {
                return confirm_page(
                    &st,
                    &token,
                    &link,
                    Clicker::Other,
                    form.next.as_deref(),
                    StatusCode::FORBIDDEN,
                )
            }
        }
        // Checked and spent under the same lock: a concurrent use finds nothing.
        match links.claim(&hash, ttl) {
            Some(l) => l,
            None => return gone(),
        }
    };
    {
        let mut sessions = st.sessions.lock().unwrap();
        let s = sessions.session(&sid);
        s.user = Some(link.user);
        s.by_link = true;
        s.waiting_link = None;
    }
    let mut h = with_cookie(set);
    let to = safe_next(&st.origin, form.next.as_deref());
    h.insert(
        LOCATION,
        HeaderValue::from_str(&to).unwrap_or(HeaderValue::from_static("/account")),
    );
    (StatusCode::SEE_OTHER, h).into_response()
}

/// A form post from another site (login CSRF with the attacker's own link) is refused:
/// browsers say where a request comes from in Sec-Fetch-Site, and in Origin unless the
/// referrer policy (no-referrer here) makes it "null".
fn from_own_page(st: &AppState, headers: &HeaderMap) -> bool {
    let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
    let site_ok = h("sec-fetch-site").is_none_or(|s| s == "same-origin" || s == "none");
    let origin_ok = h("origin").is_none_or(|o| o == "null" || o == st.origin);
    site_ok && origin_ok
}

fn confirm_page(
    st: &AppState,
    token: &str,
    link: &IssuedLink,
    clicker: Clicker,
    next: Option<&str>,
    status: StatusCode,
) -> Response {
    let username = st
        .accounts
        .lock()
        .unwrap()
        .get(&link.user)
        .map(|a| a.username.clone())
        .unwrap_or_default();
    let who = esc(&username);
    let email = esc(&link.email);
    let title = format!("Sign in to Latchkey demo site as {username}?");
    let where_when = format!(
        "from <strong id=\"link-requested-from\">{ip}</strong> at \
         <strong id=\"link-requested-at\">{at}</strong>",
        ip = esc(&link.client_ip.to_string()),
        at = esc(&when(link.requested_at)),
    );
    let next_field = next
        .map(|n| format!("<input type=\"hidden\" name=\"next\" value=\"{}\">", esc(n)))
        .unwrap_or_default();
    let action = format!("/link/{}", esc(token));
    let body = match clicker {
        Clicker::Requester => format!(
            "<p>This link was sent to {email}. Opening it signed nothing in; the button does.</p>\
             <form method=\"post\" action=\"{action}\">{next_field}\
             <button id=\"link-confirm\" type=\"submit\">Sign in as {who}</button></form>"
        ),
        Clicker::Other => format!(
            "<div class=\"warning\" id=\"link-other-browser\"><p>This link was asked for in \
             another browser, {where_when}. Continue only if that was you, on another browser \
             or device. If you did not ask for it, close this page: someone may be trying to \
             sign in as you, or to sign you in to their account.</p></div>\
             <form method=\"post\" action=\"{action}\">{next_field}\
             <input type=\"hidden\" name=\"other_browser\" value=\"yes\">\
             <button id=\"link-confirm-other-browser\" type=\"submit\">I asked for it: sign in \
             here as {who}</button></form>"
        ),
        Clicker::WaitingForItsOwn => format!(
            "<div class=\"warning\" id=\"link-refused\"><p>This browser is waiting for the \
             sign-in link it asked for itself, but this link was asked for elsewhere, \
             {where_when}, for {email}. It was refused so that nobody can sign this browser in \
             to their account. Use the link in your own mail, or ask for a new one.</p></div>"
        ),
    };
    let mut res = html(status, &title, &body);
    if matches!(clicker, Clicker::WaitingForItsOwn) {
        *res.status_mut() = StatusCode::CONFLICT;
    }
    res
}

fn gone() -> Response {
    html(
        StatusCode::GONE,
        "This sign-in link does not work any more",
        "<p id=\"link-gone\">It was used already, it expired, or a newer link was sent. \
         <a href=\"/\">Ask for a new one</a>.</p>",
    )
}

fn html(status: StatusCode, title: &str, body: &str) -> Response {
    let page = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t} · Latchkey demo site</title><link rel=\"stylesheet\" href=\"/style.css\">\
         </head><body data-page=\"link\"><main><h1>{t}</h1><section class=\"card\">{body}\
         </section></main></body></html>\n",
        t = esc(title)
    );
    (
        status,
        [
            (CONTENT_TYPE, "text/html; charset=utf-8"),
            (CACHE_CONTROL, "no-store"),
        ],
        page,
    )
        .into_response()
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// "2026-11-26 09:50:00 UTC".
fn when(t: SystemTime) -> String {
    let fmt =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    time::OffsetDateTime::from(t)
        .format(&fmt)
        .unwrap_or_default()
}
