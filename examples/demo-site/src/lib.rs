//! A small demo relying party for trying Latchkey: sign up and sign in with passkeys on
//! `http://localhost:PORT`. Every response is verified by webauthn-rs; accounts, passkeys and
//! sessions live in memory only (a restart forgets everything), which is what a demo wants.

mod accounts;
mod api;
mod assets;
mod error;
mod sessions;

use std::sync::{Arc, Mutex};

use tokio::net::TcpListener;
use url::Url;
use webauthn_rs::{Webauthn, WebauthnBuilder};

pub use error::ApiError;

/// Everything a request handler needs; one per server.
pub(crate) struct AppState {
    pub webauthn: Webauthn,
    pub accounts: Mutex<accounts::Accounts>,
    pub sessions: Mutex<sessions::Sessions>,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("could not set up WebAuthn for {origin}: {source}")]
    Webauthn {
        origin: String,
        source: webauthn_rs::prelude::WebauthnError,
    },
    #[error("could not serve on 127.0.0.1:{port}: {source} (pick another port with --port or DEMO_PORT)")]
    Io { port: u16, source: std::io::Error },
}

/// The origin the site is reached at: browsers treat `http://localhost` as a secure context,
/// so WebAuthn works there without TLS; the RP ID is `localhost`.
pub fn origin(port: u16) -> String {
    format!("http://localhost:{port}")
}

/// Builds the router for a site reached at `http://localhost:{port}`.
pub fn app(port: u16) -> Result<axum::Router, StartError> {
    let origin_s = origin(port);
    let url = Url::parse(&origin_s).expect("a localhost URL with a port parses");
    let webauthn = WebauthnBuilder::new("localhost", &url)
        .and_then(|b| b.rp_name("Latchkey demo site").build())
        .map_err(|source| StartError::Webauthn {
            origin: origin_s.clone(),
            source,
        })?;
    let state = Arc::new(AppState {
        webauthn,
        accounts: Mutex::new(accounts::Accounts::default()),
        sessions: Mutex::new(sessions::Sessions::default()),
    });
    Ok(api::routes()
        .merge(assets::routes())
        .with_state(state)
        .layer(axum::middleware::from_fn(assets::security_headers)))
}

/// Serves the site on an already bound listener until the task is dropped.
pub async fn serve(listener: TcpListener) -> Result<(), StartError> {
    let port = listener
        .local_addr()
        .map_err(|source| StartError::Io { port: 0, source })?
        .port();
    let router = app(port)?;
    axum::serve(listener, router)
        .await
        .map_err(|source| StartError::Io { port, source })
}

/// Binds 127.0.0.1 only: the demo keeps accounts in memory with no rate limits, so it is
/// not meant to be reachable from other machines.
pub async fn bind(port: u16) -> Result<TcpListener, StartError> {
    TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|source| StartError::Io { port, source })
}
