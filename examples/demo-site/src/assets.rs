//! The static front end: our pages (embedded) and the @simplewebauthn/browser bundle
//! (read from node_modules at request time, so the crate builds before `npm ci` has run).

use std::sync::Arc;

use axum::extract::Request;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::AppState;

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// Where `npm ci` in examples/demo-site puts the browser bundle.
const VENDOR_BUNDLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/node_modules/@simplewebauthn/browser/dist/bundle/index.umd.min.js"
);

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/",
            get(|| page(HTML, include_str!("../static/index.html"))),
        )
        .route(
            "/account",
            get(|| page(HTML, include_str!("../static/account.html"))),
        )
        .route(
            "/app.js",
            get(|| page(JS, include_str!("../static/app.js"))),
        )
        .route(
            "/style.css",
            get(|| page(CSS, include_str!("../static/style.css"))),
        )
        .route("/vendor/simplewebauthn.js", get(vendor))
}

async fn page(content_type: &'static str, body: &'static str) -> Response {
    ([(CONTENT_TYPE, content_type)], body).into_response()
}

async fn vendor() -> Response {
    match std::fs::read(VENDOR_BUNDLE) {
        Ok(body) => ([(CONTENT_TYPE, JS)], body).into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!(
                "{VENDOR_BUNDLE}: {e}; run `npm ci` in examples/demo-site (scripts/setup.sh does it)"
            ),
        )
            .into_response(),
    }
}

/// Every response: only our own scripts run (no inline script), no framing, no sniffing,
/// and API answers are never cached.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        HeaderName::from_static("content-security-policy"),
        HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'"),
    );
    h.insert(
        HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        HeaderName::from_static("referrer-policy"),
        HeaderValue::from_static("no-referrer"),
    );
    if api {
        h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}
