//! A bare CTAPHID key on /dev/uhid, for checking the transport against real clients
//! (libfido2's tools, python-fido2) without Latchkey's door: it answers authenticatorGetInfo
//! with a fixed reply and two test commands, everything else with CTAP1_ERR_INVALID_COMMAND.
//! Used in the Linux guest (`scripts/uhid-vm/`): `uhid_test_key` prints `ready: /dev/hidrawN`
//! once the device exists and runs until killed (closing /dev/uhid removes the device).
//!
//! Test commands: 0x41 waits (KEEPALIVE "user presence needed") until CANCEL, then answers
//! CTAP2_ERR_KEEPALIVE_CANCEL; 0x42 echoes the request's bytes after the command byte; 0x43
//! followed by a big-endian u16 N answers N bytes (a long answer from a short request).

use std::io::Write;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use latchkey_ctaphid::packet::{CAPABILITY_CBOR, CAPABILITY_NMSG, CAPABILITY_WINK};
use latchkey_ctaphid::{CtapHandler, Engine, Transaction, UhidDevice, MAX_MESSAGE};

struct TestKey;

/// CBOR text string (< 24 bytes).
fn text(s: &str) -> Vec<u8> {
    let mut out = vec![0x60 | s.len() as u8];
    out.extend_from_slice(s.as_bytes());
    out
}

/// {1: ["FIDO_2_0"], 3: aaguid, 4: {"rk": false, "up": true}, 5: MAX_MESSAGE}
fn get_info() -> Vec<u8> {
    let mut out = vec![0x00, 0xa4, 0x01, 0x81];
    out.extend(text("FIDO_2_0"));
    out.extend([0x03, 0x50]);
    out.extend([0x4c; 16]);
    out.extend([0x04, 0xa2]);
    out.extend(text("rk"));
    out.push(0xf4);
    out.extend(text("up"));
    out.push(0xf5);
    out.extend([0x05, 0x19]);
    out.extend((MAX_MESSAGE as u16).to_be_bytes());
    out
}

impl CtapHandler for TestKey {
    fn cbor(&self, request: &[u8], tx: &Transaction) -> Vec<u8> {
        match request.first() {
            Some(0x04) => get_info(),
            Some(0x41) => {
                tx.set_user_presence_needed(true);
                let start = Instant::now();
                while !tx.is_cancelled() && start.elapsed() < Duration::from_secs(30) {
                    std::thread::sleep(Duration::from_millis(10));
                }
                vec![if tx.is_cancelled() { 0x2d } else { 0x00 }]
            }
            Some(0x42) => {
                let mut out = vec![0x00];
                out.extend_from_slice(&request[1..]);
                out
            }
            Some(0x43) if request.len() >= 3 => {
                let len = usize::from(u16::from_be_bytes([request[1], request[2]]));
                let mut out = vec![0x00];
                out.extend((0..len.min(MAX_MESSAGE - 1)).map(|i| i as u8));
                out
            }
            _ => vec![0x01],
        }
    }

    fn wink(&self) {
        eprintln!("uhid_test_key: wink");
    }
}

fn main() {
    let mut device = match UhidDevice::create("Latchkey test key") {
        Ok(device) => device,
        Err(err) => {
            eprintln!("uhid_test_key: {err}");
            std::process::exit(1);
        }
    };
    match device.hidraw_node(Duration::from_secs(5)) {
        Some(node) => println!("ready: {}", node.display()),
        None => println!("ready"),
    }
    let _ = std::io::stdout().flush();
    let mut engine = Engine::new(
        Arc::new(TestKey),
        CAPABILITY_CBOR | CAPABILITY_WINK | CAPABILITY_NMSG,
    );
    let stop = AtomicBool::new(false);
    if let Err(err) = engine.run(&mut device, &stop) {
        eprintln!("uhid_test_key: {err}");
        std::process::exit(1);
    }
}
