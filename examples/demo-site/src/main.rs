//! `latchkey-demo-site [--port PORT] [--outbox DIR] [--smtp-url URL] [--link-ttl-secs N]`: the
//! demo relying party on http://localhost:PORT (PORT from --port, else DEMO_PORT, else 8787).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use latchkey_demo_site::Options;

const DEFAULT_PORT: u16 = 8787;
const USAGE: &str = concat!(
    "usage: latchkey-demo-site [--port PORT] [--outbox DIR] [--smtp-url URL] [--link-ttl-secs N]\n",
    "  --port PORT         listen on 127.0.0.1:PORT (or DEMO_PORT; default 8787; 0 picks a free one)\n",
    "  --outbox DIR        write each sign-in mail there as an .eml file (default ./outbox)\n",
    "  --smtp-url URL      also send it through this SMTP server (smtp://host:25,\n",
    "                      smtp://user:pass@host:587?tls=required, smtps://user:pass@host)\n",
    "  --link-ttl-secs N   how long a sign-in link works (default 600)",
);

fn args() -> Result<(u16, Options), String> {
    let mut args = std::env::args().skip(1);
    let mut port = None;
    let mut options = Options::default();
    while let Some(a) = args.next() {
        let (name, inline) = match a.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or(format!("{name} needs a value; {USAGE}"))
        };
        match name.as_str() {
            "--port" => port = Some(value()?),
            "--outbox" => options.outbox = PathBuf::from(value()?),
            "--smtp-url" => options.smtp_url = Some(value()?),
            "--link-ttl-secs" => {
                let v = value()?;
                let secs: u64 = v.parse().ok().filter(|s| *s > 0).ok_or(format!(
                    "--link-ttl-secs {v:?} is not a number of seconds above 0"
                ))?;
                options.link_ttl = Duration::from_secs(secs);
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}; {USAGE}")),
        }
    }
    let port = port.or_else(|| std::env::var("DEMO_PORT").ok());
    let port = match port {
        None => DEFAULT_PORT,
        Some(p) => p
            .parse()
            .map_err(|_| format!("the port {p:?} is not a number from 0 to 65535"))?,
    };
    Ok((port, options))
}

#[tokio::main]
async fn main() -> ExitCode {
    let (port, options) = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("latchkey-demo-site: {e}");
            return ExitCode::from(2);
        }
    };
    let listener = match latchkey_demo_site::bind(port).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("latchkey-demo-site: {e}");
            return ExitCode::FAILURE;
        }
    };
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(port);
    let outbox = options.outbox.clone();
    let site = match latchkey_demo_site::Site::new(port, options) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("latchkey-demo-site: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "Latchkey demo site on {} (accounts are kept in memory; sign-in mail goes to {}; Ctrl-C to stop)",
        latchkey_demo_site::origin(port),
        outbox.display()
    );
    tokio::select! {
        r = site.serve(listener) => match r {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => { eprintln!("latchkey-demo-site: {e}"); ExitCode::FAILURE }
        },
        _ = tokio::signal::ctrl_c() => ExitCode::SUCCESS,
    }
}
