//! The native messaging host binary; see the library's docs for the message shapes.
//! Chromium starts it with the caller's origin as its argument, Firefox with the manifest's
//! path and the add-on id; neither is needed (the manifest already limits who may start it).

use std::io::BufWriter;

use latchkey_browser_host::browser_name::parent_browser;
use latchkey_browser_host::host::{serve, Config};
use latchkey_browser_host::message::{error_reply, Fallback, HostError};

fn main() {
    // How long the browser's start of this process takes is one hop of a sign-in.
    latchkey_browser_host::trace::mark("host-started", &serde_json::Value::Null);
    // Stdout carries frames only; `Stdout` (not its lock) so the reply threads can share it.
    let mut output = BufWriter::new(std::io::stdout());
    // The same vault the CLI and the app use: LATCHKEY_DATA_DIR, else the platform's dir.
    let data_dir = match latchkey_vault::default_data_dir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("latchkey-browser-host: {e}");
            let reply = error_reply(
                &serde_json::Value::Null,
                &HostError::fallback(Fallback::NotRunning, e.to_string()),
            );
            let _ = latchkey_browser_host::framing::write_frame(&mut output, &reply);
            std::process::exit(1);
        }
    };
    let config = Config::new(data_dir, parent_browser());
    let result = serve(std::io::stdin().lock(), output, config);
    // Exits at once even if abandoned requests still run: the browser has gone.
    match result {
        Ok(()) => std::process::exit(0),
        Err(e) => {
            eprintln!("latchkey-browser-host: {e}; stopping");
            std::process::exit(1);
        }
    }
}
