//! `latchkey-demo-site [--port PORT]`: the demo relying party on http://localhost:PORT
//! (PORT from --port, else DEMO_PORT, else 8787).

use std::process::ExitCode;

const DEFAULT_PORT: u16 = 8787;

fn port() -> Result<u16, String> {
    let mut args = std::env::args().skip(1);
    let mut port = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--port" => port = Some(args.next().ok_or("--port needs a number")?),
            s if s.starts_with("--port=") => port = Some(s["--port=".len()..].to_string()),
            "-h" | "--help" => {
                println!("usage: latchkey-demo-site [--port PORT]   (or DEMO_PORT; default {DEFAULT_PORT})");
                std::process::exit(0);
            }
            other => {
                return Err(format!(
                    "unknown argument {other:?}; usage: latchkey-demo-site [--port PORT]"
                ))
            }
        }
    }
    let port = port.or_else(|| std::env::var("DEMO_PORT").ok());
    match port {
        None => Ok(DEFAULT_PORT),
        Some(p) => p
            .parse()
            .map_err(|_| format!("the port {p:?} is not a number from 0 to 65535")),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let port = match port() {
        Ok(p) => p,
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
    println!(
        "Latchkey demo site on {} (accounts are kept in memory; Ctrl-C to stop)",
        latchkey_demo_site::origin(port)
    );
    tokio::select! {
        r = latchkey_demo_site::serve(listener) => match r {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => { eprintln!("latchkey-demo-site: {e}"); ExitCode::FAILURE }
        },
        _ = tokio::signal::ctrl_c() => ExitCode::SUCCESS,
    }
}
