//! Sign-in mail: an RFC 5322 message built with lettre, written to the outbox folder as one
//! `.eml` file per message (what the demo and its tests read), and sent over SMTP as well when
//! `--smtp-url` is given.

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{Address, Message, SmtpTransport, Transport};
use rand_core::{OsRng, RngCore};

/// The sender of every message.
pub const FROM: &str = "Latchkey demo site <no-reply@localhost>";

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("{0} is not an email address like name@example.com")]
    Address(#[from] lettre::address::AddressError),
    #[error("could not build the message: {0}")]
    Build(#[from] lettre::error::Error),
    #[error(
        "could not write {path}: {source} (check that the outbox folder exists and is writable)"
    )]
    Outbox {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the SMTP server refused the message: {0} (check --smtp-url)")]
    Smtp(#[from] lettre::transport::smtp::Error),
}

/// Where messages go.
pub struct Mailer {
    outbox: PathBuf,
    smtp: Option<SmtpTransport>,
}

impl Mailer {
    /// `smtp_url` as lettre reads it: `smtp://host:25` (no TLS, for a local relay),
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS), `smtps://user:pass@host` (TLS).
    pub fn new(outbox: PathBuf, smtp_url: Option<&str>) -> Result<Self, MailError> {
        std::fs::create_dir_all(&outbox).map_err(|source| MailError::Outbox {
            path: outbox.clone(),
            source,
        })?;
        let smtp = smtp_url
            .map(|u| SmtpTransport::from_url(u).map(|b| b.build()))
            .transpose()?;
        Ok(Mailer { outbox, smtp })
    }

    /// Writes the message to the outbox (under a name no other message has; written to a
    /// temporary name and renamed, so a reader never sees half a file), then sends it over
    /// SMTP if configured. Blocking: call it off the async runtime.
    pub fn deliver(&self, message: &Message) -> Result<PathBuf, MailError> {
        let bytes = message.formatted();
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis();
        let mut rnd = [0u8; 8];
        OsRng.fill_bytes(&mut rnd);
        let name: String = rnd.iter().map(|b| format!("{b:02x}")).collect();
        let path = self.outbox.join(format!("{millis}-{name}.eml"));
        let tmp = self.outbox.join(format!(".{millis}-{name}.tmp"));
        let io = |source| MailError::Outbox {
            path: path.clone(),
            source,
        };
        {
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            // The message holds a live sign-in link: readable by its owner only.
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
            let mut f = opts.open(&tmp).map_err(io)?;
            f.write_all(&bytes).map_err(io)?;
            f.sync_all().map_err(io)?;
        }
        std::fs::rename(&tmp, &path).map_err(io)?;
        if let Some(smtp) = &self.smtp {
            smtp.send(message)?;
        }
        Ok(path)
    }
}

/// What the message says about the request.
pub struct SignInMail<'a> {
    pub to: &'a str,
    pub username: &'a str,
    pub link: &'a str,
    pub ttl: Duration,
    pub client_ip: &'a str,
    pub requested_at: &'a str,
}

/// The message: plain text, the link alone on its own line so any mail client shows it whole.
pub fn sign_in_message(m: &SignInMail) -> Result<Message, MailError> {
    let to: Address = m.to.parse()?;
    let mut id = [0u8; 16];
    OsRng.fill_bytes(&mut id);
    let id: String = id.iter().map(|b| format!("{b:02x}")).collect();
    let body = format!(
        "Hello {user},\n\
         \n\
         Someone asked to sign in to the Latchkey demo site as {user} with this\n\
         address, from {ip} at {at}. If that was you, open this link in the\n\
         same browser and confirm:\n\
         \n\
         {link}\n\
         \n\
         It works once, for {ttl}, and only the newest link you asked for works.\n\
         If you did not ask for it, ignore this mail: nothing happens without it.\n\
         \n\
         Once signed in, create a passkey on that device: next time you need no link.\n",
        user = m.username,
        ip = m.client_ip,
        at = m.requested_at,
        link = m.link,
        ttl = human_duration(m.ttl),
    );
    Ok(Message::builder()
        .from(FROM.parse().expect("the sender address is valid"))
        .to(Mailbox::new(None, to))
        .subject("Your sign-in link for the Latchkey demo site")
        .message_id(Some(format!("<{id}@localhost>")))
        .header(ContentType::TEXT_PLAIN)
        .body(body)?)
}

/// "10 minutes", "90 seconds", "1 minute".
pub fn human_duration(d: Duration) -> String {
    let s = d.as_secs();
    let (n, unit) = if s >= 60 && s % 60 == 0 {
        (s / 60, "minute")
    } else {
        (s, "second")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(human_duration(Duration::from_secs(600)), "10 minutes");
        assert_eq!(human_duration(Duration::from_secs(60)), "1 minute");
        assert_eq!(human_duration(Duration::from_secs(90)), "90 seconds");
        assert_eq!(human_duration(Duration::from_secs(1)), "1 second");
    }

    #[test]
    fn the_outbox_gets_one_file_per_message() {
        let dir = tempfile::tempdir().unwrap();
        let mailer = Mailer::new(dir.path().join("outbox"), None).unwrap();
        let m = sign_in_message(&SignInMail {
            to: "alice@example.com",
            username: "alice",
            link: "http://localhost:8787/link/x",
            ttl: Duration::from_secs(600),
            client_ip: "127.0.0.1",
            requested_at: "now",
        })
        .unwrap();
        let a = mailer.deliver(&m).unwrap();
        let b = mailer.deliver(&m).unwrap();
        assert_ne!(a, b);
        let text = String::from_utf8(std::fs::read(&a).unwrap()).unwrap();
        assert!(text.contains("\r\n\r\n"), "headers, then the body");
        assert!(
            text.lines().any(|l| l == "http://localhost:8787/link/x"),
            "{text}"
        );
        let bad = SignInMail {
            to: "not an address",
            username: "alice",
            link: "http://localhost:8787/link/x",
            ttl: Duration::from_secs(600),
            client_ip: "127.0.0.1",
            requested_at: "now",
        };
        assert!(matches!(sign_in_message(&bad), Err(MailError::Address(_))));
    }
}
