//! Raw CTAP2 requests for the security-key door's tests (hid_ctap.rs, hid_door.rs): CBOR
//! built by hand, as a client on the wire sends it.

use ciborium::Value;

pub fn t(s: &str) -> Value {
    Value::Text(s.into())
}

pub fn i(n: i64) -> Value {
    Value::Integer(n.into())
}

/// The value under `k` in the CBOR map `v`.
pub fn get<'a>(v: &'a Value, k: &Value) -> Option<&'a Value> {
    v.as_map()?.iter().find(|(kk, _)| kk == k).map(|(_, v)| v)
}

/// Command byte `cmd` followed by `v` in CBOR.
pub fn cbor(cmd: u8, v: &Value) -> Vec<u8> {
    let mut out = vec![cmd];
    ciborium::ser::into_writer(v, &mut out).unwrap();
    out
}

/// authenticatorMakeCredential for example.com, user "alice", asking for UV with the option.
pub fn make_credential() -> Vec<u8> {
    let params = Value::Map(vec![
        (i(1), Value::Bytes(vec![7; 32])),
        (i(2), Value::Map(vec![(t("id"), t("example.com"))])),
        (
            i(3),
            Value::Map(vec![
                (t("id"), Value::Bytes(b"alice-id".to_vec())),
                (t("name"), t("alice")),
            ]),
        ),
        (
            i(4),
            Value::Array(vec![Value::Map(vec![
                (t("alg"), i(-7)),
                (t("type"), t("public-key")),
            ])]),
        ),
        (i(7), Value::Map(vec![(t("uv"), Value::Bool(true))])),
    ]);
    cbor(0x01, &params)
}
