//! The native messaging host binary; see the library's docs for the message shapes.

use std::io::{BufWriter, Write};

use latchkey_browser_host::host::{serve, Relay};
use latchkey_browser_host::launch::START_WAIT;
use latchkey_browser_host::message::{error_reply, HostError, UNAVAILABLE};

fn main() {
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let stdout = std::io::stdout();
    let mut output = BufWriter::new(stdout.lock());
    // The same vault the CLI and the app use: LATCHKEY_DATA_DIR, else the platform's dir.
    let data_dir = match latchkey_vault::default_data_dir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("latchkey-browser-host: {e}");
            let reply = error_reply(
                &serde_json::Value::Null,
                &HostError::new(UNAVAILABLE, e.to_string()),
            );
            let _ = latchkey_browser_host::framing::write_frame(&mut output, &reply);
            std::process::exit(1);
        }
    };
    let mut relay = Relay::new(&data_dir, START_WAIT);
    let result = serve(&mut input, &mut output, &mut relay);
    let _ = output.flush();
    if let Err(e) = result {
        eprintln!("latchkey-browser-host: {e}; stopping");
        std::process::exit(1);
    }
}
