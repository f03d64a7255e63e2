//! The HID door end to end short of the kernel: the real CTAPHID engine (latchkey-ctaphid) and
//! the real session (real vault, key in the real Secret Service, real prompt queue), joined by
//! the engine's in-memory report pipe. The test is the host: it writes CTAPHID packets exactly
//! as a program on /dev/hidrawN would and reads the authenticator's answers back.

mod common;
use common::ctap::{get, i, make_credential, t};
use common::{wait_prompt, Fixture};

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ciborium::Value;
use latchkey_ctaphid::memory::HostEnd;
use latchkey_ctaphid::packet::{CTAPHID_CANCEL, CTAPHID_CBOR, CTAPHID_MSG, STATUS_UPNEEDED};
use latchkey_ctaphid::{memory_pair, MAX_MESSAGE};
use latchkey_session::hid_door::{Answered, HidDoor, HidService};
use latchkey_session::{ActivityKind, PromptOperation};

const WAIT: Duration = Duration::from_secs(10);

struct Key {
    f: Fixture,
    host: HostEnd,
    answered: Arc<Mutex<Vec<Answered>>>,
    service: Option<HidService>,
}

impl Drop for Key {
    fn drop(&mut self) {
        if let Some(s) = self.service.take() {
            // Stopping ends the engine's thread: nothing may outlive the test.
            s.stop().unwrap();
        }
    }
}

fn key() -> Key {
    let f = Fixture::new();
    f.session
        .unlock()
        .expect("unlock (is the Secret Service running? use scripts/test-env.sh)");
    f.session
        .set_timeouts(Duration::from_secs(10), Duration::from_secs(6));
    let (host, device) = memory_pair();
    let answered: Arc<Mutex<Vec<Answered>>> = Arc::default();
    let log = answered.clone();
    let door =
        HidDoor::new(f.session.clone()).on_answered(move |a| log.lock().unwrap().push(a.clone()));
    let service = HidService::run(Box::new(device), Arc::new(door)).unwrap();
    Key {
        f,
        host,
        answered,
        service: Some(service),
    }
}

#[test]
fn init_get_info_and_make_credential_with_user_presence_keepalives() {
    let k = key();
    let cid = k
        .host
        .allocate_channel(WAIT)
        .expect("INIT allocates a channel");
    assert_ne!(cid, 0);
    assert_ne!(cid, 0xffff_ffff);

    // getInfo over CTAPHID_CBOR: a roaming USB key with built-in UV and no PIN.
    k.host.send_message(cid, CTAPHID_CBOR, &[0x04]).unwrap();
    let (answer, _) = k.host.recv_answer(WAIT).unwrap();
    assert_eq!((answer.cid, answer.cmd), (cid, CTAPHID_CBOR));
    assert_eq!(answer.data[0], 0, "status");
    let info: Value = ciborium::de::from_reader(&answer.data[1..]).unwrap();
    let options = get(&info, &i(4)).unwrap();
    assert_eq!(get(options, &t("uv")), Some(&Value::Bool(true)));
    assert_eq!(get(options, &t("plat")), Some(&Value::Bool(false)));
    assert_eq!(get(options, &t("clientPin")), None);
    assert_eq!(get(&info, &i(5)), Some(&i(MAX_MESSAGE as i64)));
    assert_eq!(get(&info, &i(9)), Some(&Value::Array(vec![t("usb")])));

    // CTAP1/U2F is not spoken: MSG gets "instruction not supported".
    k.host
        .send_message(cid, CTAPHID_MSG, &[0x00, 0x01, 0x00, 0x00])
        .unwrap();
    let (answer, _) = k.host.recv_answer(WAIT).unwrap();
    assert_eq!(answer.data, [0x6D, 0x00]);

    // makeCredential: KEEPALIVE "user presence needed" while the prompt waits.
    k.host
        .send_message(cid, CTAPHID_CBOR, &make_credential())
        .unwrap();
    let prompt = wait_prompt(&k.f.session);
    assert_eq!(prompt.operation, PromptOperation::Create);
    assert_eq!(prompt.door, "usb");
    assert_eq!(prompt.rp_id, "example.com");
    std::thread::sleep(Duration::from_millis(350));
    k.f.session.answer_prompt(&prompt.id, true, None).unwrap();
    let (answer, statuses) = k.host.recv_answer(WAIT).unwrap();
    assert!(
        statuses.contains(&STATUS_UPNEEDED),
        "KEEPALIVE statuses seen: {statuses:?}"
    );
    assert_eq!(answer.data[0], 0, "makeCredential succeeded");
    let made: Value = ciborium::de::from_reader(&answer.data[1..]).unwrap();
    assert_eq!(get(&made, &i(1)), Some(&t("packed")));
    assert_eq!(k.f.session.list().unwrap().len(), 1);
    assert_eq!(
        k.f.session.activity(1).unwrap()[0].kind,
        ActivityKind::Created
    );

    let seen: Vec<(u8, u8)> = k
        .answered
        .lock()
        .unwrap()
        .iter()
        .map(|a| (a.command, a.status))
        .collect();
    assert_eq!(
        seen,
        [(0x04, 0x00), (0x01, 0x00)],
        "one log line per CTAP request"
    );
}

#[test]
fn cancel_withdraws_the_prompt_and_the_client_gets_keepalive_cancel() {
    let k = key();
    let cid = k.host.allocate_channel(WAIT).unwrap();
    k.host
        .send_message(cid, CTAPHID_CBOR, &make_credential())
        .unwrap();
    let prompt = wait_prompt(&k.f.session);
    k.host.send_message(cid, CTAPHID_CANCEL, &[]).unwrap();
    let (answer, _) = k.host.recv_answer(WAIT).unwrap();
    assert_eq!(
        (answer.cmd, answer.data.as_slice()),
        (CTAPHID_CBOR, &[0x2D][..])
    );
    assert!(
        k.f.session.current_prompt().is_none(),
        "prompt {} withdrawn",
        prompt.id
    );
    assert!(k.f.session.list().unwrap().is_empty());
    assert_eq!(
        k.f.session.activity(1).unwrap()[0].kind,
        ActivityKind::Cancelled
    );
    // The channel still works afterwards.
    k.host.send_message(cid, CTAPHID_CBOR, &[0x04]).unwrap();
    let (answer, _) = k.host.recv_answer(WAIT).unwrap();
    assert_eq!(answer.data[0], 0);
}

#[test]
fn a_denied_request_answers_operation_denied_and_init_resync_is_answered() {
    let k = key();
    let cid = k.host.allocate_channel(WAIT).unwrap();
    k.host
        .send_message(cid, CTAPHID_CBOR, &make_credential())
        .unwrap();
    let prompt = wait_prompt(&k.f.session);
    k.f.session.answer_prompt(&prompt.id, false, None).unwrap();
    let (answer, _) = k.host.recv_answer(WAIT).unwrap();
    assert_eq!(answer.data, [0x27]);
    // A second INIT on the broadcast channel gives a new channel.
    let other = k.host.allocate_channel(WAIT).unwrap();
    assert_ne!(other, cid);
}

#[test]
fn the_keeper_runs_the_key_only_while_unlocked_with_the_setting_on() {
    use latchkey_session::hid_door::{HidError, HidKeeper};
    use latchkey_session::Settings;

    let f = Fixture::new();
    f.session.unlock().unwrap();
    f.session
        .set_timeouts(Duration::from_secs(10), Duration::from_secs(6));
    let keeper = HidKeeper::new();
    let hosts: Mutex<Vec<HostEnd>> = Mutex::default();
    let starts = std::sync::atomic::AtomicUsize::new(0);
    let start = || -> Result<HidService, HidError> {
        starts.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let (host, device) = memory_pair();
        hosts.lock().unwrap().push(host);
        Ok(HidService::run(Box::new(device), Arc::new(HidDoor::new(f.session.clone()))).unwrap())
    };
    let count = || starts.load(std::sync::atomic::Ordering::SeqCst);

    // Off by default: nothing starts.
    assert!(!f.session.settings().hid_key);
    keeper.sync_with(&f.session, true, start);
    assert_eq!(count(), 0);

    f.session
        .set_settings(Settings {
            hid_key: true,
            ..f.session.settings()
        })
        .unwrap();
    keeper.sync_with(&f.session, true, start);
    assert_eq!(count(), 1);
    assert!(keeper.status().running);
    let cid = hosts.lock().unwrap()[0]
        .allocate_channel(WAIT)
        .expect("the key answers");
    assert_ne!(cid, 0);
    keeper.sync_with(&f.session, true, start);
    assert_eq!(count(), 1, "running: not started twice");

    // Lock: the key goes away (the device end of the pipe is dropped).
    f.session.lock();
    keeper.sync_with(&f.session, true, start);
    assert!(!keeper.status().running);
    assert!(hosts.lock().unwrap()[0]
        .allocate_channel(Duration::from_millis(300))
        .is_err());

    // Unlock: back; the setting survived the lock (it is in the MAC'd part of the file).
    f.session.unlock().unwrap();
    assert!(f.session.settings().hid_key);
    keeper.sync_with(&f.session, true, start);
    assert_eq!(count(), 2);

    // Turned off: gone again.
    f.session
        .set_settings(Settings {
            hid_key: false,
            ..f.session.settings()
        })
        .unwrap();
    keeper.sync_with(&f.session, true, start);
    assert!(!keeper.status().running);

    // A failing start is reported and not retried until something changes.
    f.session
        .set_settings(Settings {
            hid_key: true,
            ..f.session.settings()
        })
        .unwrap();
    let failing = || -> Result<HidService, HidError> {
        starts.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Err(HidError::Device(latchkey_ctaphid::UhidError::Missing))
    };
    keeper.sync_with(&f.session, false, failing);
    keeper.sync_with(&f.session, false, failing);
    assert_eq!(count(), 3, "tried once for the same situation");
    let status = keeper.status();
    assert!(!status.running);
    assert!(
        status
            .problem
            .as_deref()
            .unwrap_or("")
            .contains("modprobe uhid"),
        "{status:?}"
    );
    keeper.shutdown();
}
