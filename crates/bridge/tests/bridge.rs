//! The socket and its protocol, end to end over a real Unix socket.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use latchkey_bridge::protocol::parse_request;
use latchkey_bridge::{
    BridgeClient, BridgeServer, ClientError, Door, Doors, ErrorKind, Handler, Op, Peer, ReplyError,
    Request, BROWSER_HOST_NAME, MAX_CONNECTIONS,
};

/// Answers `status` at once with the door and peer it was given, sleeps on `lock` (a person at
/// the prompt), echoes the rest.
struct Echo;

impl Handler for Echo {
    fn handle(&self, peer: &Peer, request: Request) -> Result<serde_json::Value, ReplyError> {
        match request.op {
            Op::Status => Ok(serde_json::json!({
                "door": request.door,
                "peerDoor": peer.door(),
                "uid": peer.uid,
                "pid": peer.pid,
                "exe": peer.exe,
            })),
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
    server_trusting(Doors::without_browser())
}

fn server_trusting(doors: Doors) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run").join("bridge-test.sock");
    let server = BridgeServer::bind_at(&path).unwrap();
    server.spawn(Arc::new(Echo), doors);
    (dir, path)
}

fn client(path: &std::path::Path) -> BridgeClient {
    BridgeClient::from_stream(UnixStream::connect(path).unwrap(), Door::Cli).unwrap()
}

#[test]
fn requests_and_errors_round_trip() {
    let (_d, path) = server();
    let mut c = client(&path);
    assert_eq!(c.call(Op::Status).unwrap()["door"], "program");
    let options = serde_json::json!({"challenge": "AAAA", "rpId": "example.com"});
    let echoed = c
        .call(Op::WebauthnGet {
            origin: "https://example.com".into(),
            options: options.clone(),
            account: Some("alice".into()),
            tag: None,
            client: None,
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
    // Another test of this binary may fork a child while the listener is open; until that child
    // execs, its copy of the descriptor still accepts. Wait until nobody listens, which is what
    // "stale" means.
    let until = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while std::os::unix::net::UnixStream::connect(&stale).is_ok() {
        assert!(
            std::time::Instant::now() < until,
            "the dropped listener still accepts"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let s = BridgeServer::bind_at(&stale).unwrap();
    s.spawn(Arc::new(Echo), Doors::without_browser());
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
    assert!(b["ok"].is_object(), "{b}");
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

/// Issue 6: the door is what the server determines from the connected process, not what the
/// request says. This test binary is neither `latchkey` nor the browser host: "program".
#[test]
fn the_door_comes_from_the_peer_not_from_the_request() {
    let (_d, path) = server();
    let reply = raw_exchange(
        &path,
        b"{\"v\":1,\"id\":3,\"door\":\"browser\",\"op\":\"status\"}\n",
    );
    let ok = &reply["ok"];
    assert_eq!(ok["door"], "program", "{reply}");
    assert_eq!(ok["peerDoor"], "program", "{reply}");
    assert_eq!(ok["pid"], std::process::id(), "{reply}");
    assert_eq!(ok["uid"], nix::unistd::getuid().as_raw(), "{reply}");
    let exe = std::fs::canonicalize(std::env::current_exe().unwrap()).unwrap();
    assert_eq!(ok["exe"], exe.to_str().unwrap(), "{reply}");
}

/// A copy of this test binary named `name` in a fresh directory.
fn copy_of_this_binary_as(name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let bin_dir = tempfile::tempdir().unwrap();
    let bin = bin_dir.path().join(name);
    let cp = std::process::Command::new("cp")
        .arg(std::env::current_exe().unwrap())
        .arg(&bin)
        .status()
        .unwrap();
    assert!(cp.success());
    (bin_dir, bin)
}

/// The door the server gave `bin` (a copy of this test binary) when it asked `status`.
fn door_seen_by(bin: &std::path::Path, socket: &std::path::Path) -> String {
    let out = std::process::Command::new(bin)
        .args(["child_status", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_SOCKET, socket)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    stdout
        .lines()
        .find_map(|l| l.split_once("DOOR=").map(|(_, door)| door))
        .unwrap_or_else(|| panic!("the child printed no door: {stdout}"))
        .to_owned()
}

/// A copy of this test binary named like the CLI is shown as the CLI: the name decides.
#[test]
fn a_peer_named_latchkey_is_the_cli() {
    let (_d, path) = server();
    let (_bin_dir, bin) = copy_of_this_binary_as("latchkey");
    assert_eq!(door_seen_by(&bin, &path), "\"cli\"");
}

/// Issue 8: the browser door is given only to the host binary the app trusts. A program named
/// `latchkey-browser-host` anywhere else (any local program could name itself so) is just
/// another program, and so is the trusted name when no host is trusted at all.
#[test]
fn only_the_trusted_browser_host_is_the_browser_door() {
    let (_trusted_dir, trusted) = copy_of_this_binary_as(BROWSER_HOST_NAME);
    let (_other_dir, impostor) = copy_of_this_binary_as(BROWSER_HOST_NAME);
    let (_d, path) = server_trusting(Doors::with_browser_host(&trusted));
    assert_eq!(door_seen_by(&trusted, &path), "\"browser\"");
    assert_eq!(door_seen_by(&impostor, &path), "\"program\"");
    // A symlink to the trusted binary runs the trusted file: the kernel names the real path.
    let link_dir = tempfile::tempdir().unwrap();
    let link = link_dir.path().join(BROWSER_HOST_NAME);
    std::os::unix::fs::symlink(&trusted, &link).unwrap();
    assert_eq!(door_seen_by(&link, &path), "\"browser\"");

    let (_d2, untrusting) = server();
    assert_eq!(door_seen_by(&trusted, &untrusting), "\"program\"");
}

const CHILD_SOCKET: &str = "LATCHKEY_BRIDGE_TEST_SOCKET";

/// Child role for the test above: asks `status` with a false claim and prints the door.
#[test]
fn child_status() {
    let Some(path) = std::env::var_os(CHILD_SOCKET) else {
        return;
    };
    let mut c =
        BridgeClient::from_stream(UnixStream::connect(path).unwrap(), Door::Browser).unwrap();
    println!("DOOR={}", c.call(Op::Status).unwrap()["door"]);
}

#[test]
fn connections_beyond_the_cap_are_refused_with_a_reason() {
    let (_d, path) = server();
    let mut open: Vec<BridgeClient> = (0..MAX_CONNECTIONS).map(|_| client(&path)).collect();
    // Each is being served (a round trip proves its thread holds a slot).
    for c in open.iter_mut() {
        c.call(Op::Status).unwrap();
    }
    let mut extra = UnixStream::connect(&path).unwrap();
    let mut reply = String::new();
    BufReader::new(extra.try_clone().unwrap())
        .read_line(&mut reply)
        .unwrap();
    let reply: serde_json::Value = serde_json::from_str(&reply).unwrap();
    assert_eq!(reply["error"]["kind"], "Busy", "{reply}");
    assert!(reply["error"]["message"]
        .as_str()
        .unwrap()
        .contains("too many connections"));
    // And it is closed: a request gets no answer.
    let _ = extra.write_all(b"{\"v\":1,\"id\":1,\"door\":\"cli\",\"op\":\"status\"}\n");
    let mut rest = String::new();
    assert_eq!(BufReader::new(extra).read_line(&mut rest).unwrap_or(0), 0);
    // A client told so reports it, whether or not it managed to write first.
    match client(&path).call(Op::Status) {
        Err(ClientError::Reply(e)) => assert_eq!(e.kind, ErrorKind::Busy),
        other => panic!("{other:?}"),
    }
    // A slot freed is a slot reusable.
    drop(open.pop());
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        match client(&path).call(Op::Status) {
            Ok(_) => break,
            Err(ClientError::Reply(e)) if e.kind == ErrorKind::Busy => {}
            Err(e) => panic!("{e}"),
        }
        assert!(Instant::now() < until, "the slot was never freed");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A listener standing in for someone posing as the app: counts what connects to it.
struct Decoy {
    connections: Arc<std::sync::atomic::AtomicUsize>,
}

impl Decoy {
    fn at(path: &std::path::Path) -> Decoy {
        let listener = std::os::unix::net::UnixListener::bind(path).unwrap();
        let connections = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let seen = connections.clone();
        std::thread::spawn(move || {
            for s in listener.incoming().flatten() {
                seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let mut s = s;
                let _ = s.write_all(b"{\"v\":1,\"id\":1,\"ok\":\"forged\"}\n");
            }
        });
        Decoy { connections }
    }

    fn connections(&self) -> usize {
        std::thread::sleep(Duration::from_millis(50));
        self.connections.load(std::sync::atomic::Ordering::SeqCst)
    }
}

fn private_dir(root: &std::path::Path) -> std::path::PathBuf {
    let run = root.join("run");
    std::fs::create_dir(&run).unwrap();
    std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o700)).unwrap();
    run
}

fn chown(path: &std::path::Path, uid: u32) {
    assert!(
        nix::unistd::geteuid().is_root(),
        "this test hands files to another uid: run it as root through scripts/test-env.sh"
    );
    nix::unistd::chown(path, Some(nix::unistd::Uid::from_raw(uid)), None).unwrap();
}

fn assert_untrusted(result: Result<Option<BridgeClient>, ClientError>, needle: &str) {
    match result {
        Err(e @ ClientError::Untrusted { .. }) => {
            let msg = e.to_string();
            assert!(msg.starts_with("refusing to talk to "), "{msg}");
            assert!(msg.contains(needle), "{msg}");
        }
        Err(e) => panic!("expected a refusal, got {e}"),
        Ok(c) => panic!("connected: {}", c.is_some()),
    }
}

#[test]
fn a_runtime_dir_that_is_not_private_is_refused_by_both_ends() {
    const NOBODY: u32 = 65534;
    let d = tempfile::tempdir().unwrap();

    // Group-readable.
    let open = private_dir(d.path());
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o750)).unwrap();
    let decoy = Decoy::at(&open.join("b.sock"));
    assert_untrusted(
        BridgeClient::connect_at(&open.join("b.sock"), Door::Cli),
        "lets other users in",
    );
    assert_eq!(decoy.connections(), 0);
    let err = BridgeServer::bind_at(&open.join("c.sock")).err().unwrap();
    assert_eq!(err.kind(), std::io::ErrorKind::PermissionDenied);

    // Owned by another uid.
    let theirs = d.path().join("theirs");
    std::fs::create_dir(&theirs).unwrap();
    std::fs::set_permissions(&theirs, std::fs::Permissions::from_mode(0o700)).unwrap();
    let decoy = Decoy::at(&theirs.join("b.sock"));
    chown(&theirs, NOBODY);
    assert_untrusted(
        BridgeClient::connect_at(&theirs.join("b.sock"), Door::Cli),
        "owned by uid 65534",
    );
    assert_eq!(decoy.connections(), 0);
    let err = BridgeServer::bind_at(&theirs.join("c.sock")).err().unwrap();
    assert_eq!(err.kind(), std::io::ErrorKind::PermissionDenied);
    assert!(err.to_string().contains("uid 65534"), "{err}");

    // A symlink to a private dir of ours.
    let real = private_dir(&made(d.path().join("x")));
    let decoy = Decoy::at(&real.join("b.sock"));
    let link = d.path().join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    assert_untrusted(
        BridgeClient::connect_at(&link.join("b.sock"), Door::Cli),
        "symbolic link",
    );
    assert_eq!(decoy.connections(), 0);
    let err = BridgeServer::bind_at(&link.join("c.sock")).err().unwrap();
    assert_eq!(err.kind(), std::io::ErrorKind::PermissionDenied);
}

#[test]
fn a_socket_that_is_not_ours_is_refused_before_connecting() {
    let d = tempfile::tempdir().unwrap();
    let run = private_dir(d.path());
    // Another uid's socket in our dir.
    let decoy = Decoy::at(&run.join("theirs.sock"));
    chown(&run.join("theirs.sock"), 65534);
    assert_untrusted(
        BridgeClient::connect_at(&run.join("theirs.sock"), Door::Cli),
        "owned by uid 65534",
    );
    assert_eq!(decoy.connections(), 0);
    // A symlink to a socket elsewhere.
    let elsewhere = private_dir(&made(d.path().join("e")));
    let decoy = Decoy::at(&elsewhere.join("s.sock"));
    std::os::unix::fs::symlink(elsewhere.join("s.sock"), run.join("link.sock")).unwrap();
    assert_untrusted(
        BridgeClient::connect_at(&run.join("link.sock"), Door::Cli),
        "symbolic link",
    );
    assert_eq!(decoy.connections(), 0);
    // No socket, or a dead one: no app, open the vault directly.
    assert!(BridgeClient::connect_at(&run.join("none.sock"), Door::Cli)
        .unwrap()
        .is_none());
    drop(std::os::unix::net::UnixListener::bind(run.join("dead.sock")).unwrap());
    assert!(BridgeClient::connect_at(&run.join("dead.sock"), Door::Cli)
        .unwrap()
        .is_none());
}

#[test]
fn without_a_private_runtime_dir_there_is_no_socket() {
    // Only meaningful where /run/user/<uid> does not exist (CI containers, su, cron).
    let uid = nix::unistd::getuid().as_raw();
    let fallback = std::path::PathBuf::from(format!("/run/user/{uid}"));
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "child_socket_path",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env_remove("XDG_RUNTIME_DIR")
        .env(CHILD_PATH, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    if fallback.exists() {
        assert!(
            stdout.contains(&format!("PATH=Some(\"{}/latchkey/", fallback.display())),
            "{stdout}"
        );
    } else {
        assert!(stdout.contains("PATH=None"), "{stdout}");
    }
    assert!(!stdout.contains("/tmp"), "{stdout}");
}

const CHILD_PATH: &str = "LATCHKEY_BRIDGE_TEST_PATH";

#[test]
fn child_socket_path() {
    if std::env::var_os(CHILD_PATH).is_none() {
        return;
    }
    println!(
        "PATH={:?}",
        latchkey_bridge::socket_path(std::path::Path::new("/x"))
    );
}

/// `path`, created.
fn made(path: std::path::PathBuf) -> std::path::PathBuf {
    std::fs::create_dir_all(&path).unwrap();
    path
}

#[test]
fn a_runtime_dir_we_cannot_inspect_is_reported_not_ignored() {
    assert!(
        nix::unistd::geteuid().is_root(),
        "run as root through scripts/test-env.sh"
    );
    // Root's private dir, seen by another user (XDG_RUNTIME_DIR kept across `su`).
    let d = tempfile::tempdir().unwrap();
    let run = private_dir(d.path());
    let out = std::process::Command::new("runuser")
        .args(["-u", "nobody", "--"])
        .arg(std::fs::canonicalize(std::env::current_exe().unwrap()).unwrap())
        .args([
            "child_connect",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_CONNECT, run.join("inner").join("b.sock"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("UNTRUSTED refusing to talk to"), "{stdout}");
    assert!(stdout.contains("cannot inspect it"), "{stdout}");
}

const CHILD_CONNECT: &str = "LATCHKEY_BRIDGE_TEST_CONNECT";

#[test]
fn child_connect() {
    let Some(path) = std::env::var_os(CHILD_CONNECT) else {
        return;
    };
    match BridgeClient::connect_at(std::path::Path::new(&path), Door::Cli) {
        Err(e @ ClientError::Untrusted { .. }) => println!("UNTRUSTED {e}"),
        Err(e) => println!("ERROR {e}"),
        Ok(c) => println!("CONNECTED {}", c.is_some()),
    }
}
