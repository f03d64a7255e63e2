//! The socket and its protocol, end to end over a real Unix socket.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use latchkey_bridge::protocol::parse_request;
use latchkey_bridge::{
    BridgeClient, BridgeServer, ClientError, Door, ErrorKind, Handler, Op, ReplyError, Request,
};

/// Answers `status` at once, sleeps on `lock` (a person at the prompt), echoes the rest.
struct Echo;

impl Handler for Echo {
    fn handle(&self, request: Request) -> Result<serde_json::Value, ReplyError> {
        match request.op {
            Op::Status => Ok(serde_json::json!({"door": request.door})),
            Op::Lock => {
                std::thread::sleep(Duration::from_millis(800));
                Ok(serde_json::json!("locked"))
            }
            Op::Delete { passkey } if passkey == "missing" => Err(ReplyError::new(
                ErrorKind::NotFound,
                "no passkey has that id",
            )),
            other => Ok(serde_json::to_value(other).unwrap()),
        }
    }
}

fn server() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run").join("bridge-test.sock");
    let server = BridgeServer::bind_at(&path).unwrap();
    server.spawn(Arc::new(Echo));
    (dir, path)
}

fn client(path: &std::path::Path) -> BridgeClient {
    BridgeClient::from_stream(UnixStream::connect(path).unwrap(), Door::Cli).unwrap()
}

#[test]
fn requests_and_errors_round_trip() {
    let (_d, path) = server();
    let mut c = client(&path);
    assert_eq!(
        c.call(Op::Status).unwrap(),
        serde_json::json!({"door": "cli"})
    );
    let options = serde_json::json!({"challenge": "AAAA", "rpId": "example.com"});
    let echoed = c
        .call(Op::WebauthnGet {
            origin: "https://example.com".into(),
            options: options.clone(),
            account: Some("alice".into()),
        })
        .unwrap();
    assert_eq!(echoed["options"], options);
    assert_eq!(echoed["account"], "alice");
    match c.call(Op::Delete {
        passkey: "missing".into(),
    }) {
        Err(ClientError::Reply(e)) => assert_eq!(e.kind, ErrorKind::NotFound),
        other => panic!("{other:?}"),
    }
}

#[test]
fn socket_is_private() {
    let (_d, path) = server();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let dir_mode = std::fs::metadata(path.parent().unwrap())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(dir_mode, 0o700);
}

#[test]
fn a_live_socket_is_not_stolen_and_a_stale_one_is_replaced() {
    let (_d, path) = server();
    let err = BridgeServer::bind_at(&path)
        .err()
        .expect("second app refused");
    assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
    // A socket file nobody listens on (the app crashed) is replaced.
    let stale_dir = tempfile::tempdir().unwrap();
    let run = stale_dir.path().join("run");
    std::fs::create_dir(&run).unwrap();
    std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o700)).unwrap();
    let stale = run.join("bridge-stale.sock");
    drop(std::os::unix::net::UnixListener::bind(&stale).unwrap());
    assert!(stale.exists());
    let s = BridgeServer::bind_at(&stale).unwrap();
    s.spawn(Arc::new(Echo));
    assert!(client(&stale).call(Op::Status).is_ok());
}

#[test]
fn a_shared_runtime_dir_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let open = d.path().join("open");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
    let err = BridgeServer::bind_at(&open.join("x.sock")).err().unwrap();
    assert_eq!(err.kind(), std::io::ErrorKind::PermissionDenied);
}

#[test]
fn a_slow_request_does_not_block_another_connection() {
    let (_d, path) = server();
    let slow_path = path.clone();
    let slow = std::thread::spawn(move || client(&slow_path).call(Op::Lock).unwrap());
    std::thread::sleep(Duration::from_millis(100));
    let started = Instant::now();
    client(&path).call(Op::Status).unwrap();
    // Not a timing assertion on speed: the slow one sleeps 800 ms; ours must not wait for it.
    assert!(
        started.elapsed() < Duration::from_millis(700),
        "blocked behind another connection"
    );
    assert_eq!(slow.join().unwrap(), "locked");
}

fn raw_exchange(path: &std::path::Path, line: &[u8]) -> serde_json::Value {
    let mut s = UnixStream::connect(path).unwrap();
    s.write_all(line).unwrap();
    let mut reply = String::new();
    BufReader::new(s).read_line(&mut reply).unwrap();
    serde_json::from_str(&reply).unwrap()
}

#[test]
fn malformed_messages_get_a_protocol_error_and_the_connection_survives() {
    let (_d, path) = server();
    for (line, needle) in [
        (&b"not json\n"[..], "not a JSON message"),
        (
            b"{\"id\":4,\"door\":\"cli\",\"op\":\"status\"}\n",
            "no protocol version",
        ),
        (
            b"{\"v\":2,\"id\":5,\"door\":\"cli\",\"op\":\"status\"}\n",
            "version 2",
        ),
        (
            b"{\"v\":1,\"id\":6,\"door\":\"cli\",\"op\":\"format-disk\"}\n",
            "bad request",
        ),
        (
            b"{\"v\":1,\"id\":7,\"door\":\"martian\",\"op\":\"status\"}\n",
            "bad request",
        ),
        (
            b"{\"v\":1,\"id\":8,\"door\":\"cli\",\"op\":\"rename\"}\n",
            "bad request",
        ),
    ] {
        let reply = raw_exchange(&path, line);
        assert_eq!(reply["error"]["kind"], "ProtocolError", "{reply}");
        let msg = reply["error"]["message"].as_str().unwrap();
        assert!(msg.contains(needle), "{msg}");
    }
    // The id of a rejected request is echoed when it can be read.
    let reply = raw_exchange(&path, b"{\"v\":9,\"id\":42}\n");
    assert_eq!(reply["id"], 42);
    // A message over 1 MiB is refused without being buffered whole.
    let mut huge = vec![b'x'; (1 << 20) + 10];
    huge.push(b'\n');
    let reply = raw_exchange(&path, &huge);
    assert!(reply["error"]["message"]
        .as_str()
        .unwrap()
        .contains("1 MiB"));
    // Garbage then a good request on the same connection: the good one is answered.
    let mut s = UnixStream::connect(&path).unwrap();
    s.write_all(b"{{{\n{\"v\":1,\"id\":9,\"door\":\"browser\",\"op\":\"status\"}\n")
        .unwrap();
    let mut r = BufReader::new(s);
    let (mut a, mut b) = (String::new(), String::new());
    r.read_line(&mut a).unwrap();
    r.read_line(&mut b).unwrap();
    let b: serde_json::Value = serde_json::from_str(&b).unwrap();
    assert_eq!(b["ok"]["door"], "browser");
}

#[test]
fn parse_request_never_panics_on_odd_input() {
    for s in [
        "",
        "null",
        "[]",
        "{\"v\":1}",
        "{\"v\":-1}",
        "{\"v\":1.5}",
        "\u{0}",
        "{\"v\":1,\"id\":-3,\"door\":\"cli\",\"op\":\"status\"}",
    ] {
        assert!(parse_request(s).is_err(), "{s}");
    }
}
