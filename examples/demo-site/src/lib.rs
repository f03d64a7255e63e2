//! A small demo relying party for trying Latchkey: sign up and sign in with passkeys on
//! `http://localhost:PORT`, or with an emailed one-time sign-in link when the passkey is not at
//! hand. Every WebAuthn response is verified by webauthn-rs; accounts, passkeys, sessions and
//! links live in memory only (a restart forgets everything), which is what a demo wants.

mod accounts;
mod api;
mod assets;
mod error;
mod link_flow;
mod link_store;
mod mail;
mod rate_limit;
mod safe_redirect;
mod sessions;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use url::Url;
use webauthn_rs::{Webauthn, WebauthnBuilder};

pub use error::ApiError;
pub use mail::MailError;
pub use rate_limit::Limit;

/// How the site sends and limits sign-in links.
#[derive(Clone, Debug)]
pub struct Options {
    /// Where each message is written as an `.eml` file.
    pub outbox: PathBuf,
    /// Also send each message through this SMTP server (lettre's URL form).
    pub smtp_url: Option<String>,
    /// How long a link works.
    pub link_ttl: Duration,
    /// Link requests per address (counted whether or not an account has that address).
    pub per_address: Limit,
    /// Link requests per client IP.
    pub per_client: Limit,
    /// Every link request is answered no sooner than this after it arrived, so the answer
    /// takes the same time whether or not the address has an account (the mail is written
    /// in the background).
    pub response_floor: Duration,
}

impl Default for Options {
    fn default() -> Self {
        let ten_minutes = Duration::from_secs(600);
        Options {
            outbox: PathBuf::from("outbox"),
            smtp_url: None,
            link_ttl: ten_minutes,
            per_address: Limit {
                max: 3,
                window: ten_minutes,
            },
            per_client: Limit {
                max: 10,
                window: ten_minutes,
            },
            response_floor: Duration::from_millis(250),
        }
    }
}

/// Everything a request handler needs; one per server.
pub(crate) struct AppState {
    pub origin: String,
    pub options: Options,
    pub webauthn: Webauthn,
    pub accounts: Mutex<accounts::Accounts>,
    pub sessions: Mutex<sessions::Sessions>,
    pub links: Mutex<link_store::LinkStore>,
    pub per_address: Mutex<rate_limit::RateLimiter>,
    pub per_client: Mutex<rate_limit::RateLimiter>,
    pub mailer: mail::Mailer,
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
    #[error("could not set up the mail for sign-in links: {0}")]
    Mail(#[from] MailError),
}

/// The origin the site is reached at: browsers treat `http://localhost` as a secure context,
/// so WebAuthn works there without TLS; the RP ID is `localhost`.
pub fn origin(port: u16) -> String {
    format!("http://localhost:{port}")
}

/// One site: its router and a view of its state for tests.
#[derive(Clone)]
pub struct Site {
    state: Arc<AppState>,
}

impl Site {
    /// A site reached at `http://localhost:{port}` (the origin its links are built from; the
    /// Host header is never used).
    pub fn new(port: u16, options: Options) -> Result<Site, StartError> {
        let origin_s = origin(port);
        let url = Url::parse(&origin_s).expect("a localhost URL with a port parses");
        let webauthn = WebauthnBuilder::new("localhost", &url)
            .and_then(|b| b.rp_name("Latchkey demo site").build())
            .map_err(|source| StartError::Webauthn {
                origin: origin_s.clone(),
                source,
            })?;
        let mailer = mail::Mailer::new(options.outbox.clone(), options.smtp_url.as_deref())?;
        Ok(Site {
            state: Arc::new(AppState {
                origin: origin_s,
                webauthn,
                accounts: Mutex::new(accounts::Accounts::default()),
                sessions: Mutex::new(sessions::Sessions::default()),
                links: Mutex::new(link_store::LinkStore::default()),
                per_address: Mutex::new(rate_limit::RateLimiter::new(options.per_address)),
                per_client: Mutex::new(rate_limit::RateLimiter::new(options.per_client)),
                mailer,
                options,
            }),
        })
    }

    pub fn router(&self) -> axum::Router {
        api::routes()
            .merge(link_flow::routes())
            .merge(assets::routes())
            .with_state(self.state.clone())
            .layer(axum::middleware::from_fn(assets::security_headers))
    }

    /// Everything the link store holds, as text (for tests: it must hold no token).
    pub fn link_store_dump(&self) -> String {
        self.state.links.lock().unwrap().dump()
    }

    /// Serves on an already bound listener until the task is dropped (the client address is
    /// kept for the per-client rate limit and the "requested from" line).
    pub async fn serve(self, listener: TcpListener) -> Result<(), StartError> {
        let port = listener
            .local_addr()
            .map_err(|source| StartError::Io { port: 0, source })?
            .port();
        let app = self
            .router()
            .into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(listener, app)
            .await
            .map_err(|source| StartError::Io { port, source })
    }
}

/// Serves the site with default [`Options`] on an already bound listener until the task is
/// dropped.
pub async fn serve(listener: TcpListener) -> Result<(), StartError> {
    serve_with(listener, Options::default()).await
}

/// Serves the site with `options` on an already bound listener.
pub async fn serve_with(listener: TcpListener, options: Options) -> Result<(), StartError> {
    let port = listener
        .local_addr()
        .map_err(|source| StartError::Io { port: 0, source })?
        .port();
    Site::new(port, options)?.serve(listener).await
}

/// Binds 127.0.0.1 only: the demo keeps accounts in memory, so it is not meant to be
/// reachable from other machines.
pub async fn bind(port: u16) -> Result<TcpListener, StartError> {
    TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|source| StartError::Io { port, source })
}
