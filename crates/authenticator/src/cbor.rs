//! Small helpers over `ciborium::Value` for CTAP2 parameter maps (integer keys) and for encoding
//! responses in CTAP2 canonical form. Every request byte passes through here first, so decoding
//! is strict (definite lengths only, minimal encodings, no trailing bytes, bounded nesting) and
//! never panics: a malformed request must end as a status byte, not a crash.

use ciborium::Value;

use crate::error::CtapError;

/// The maxMsgSize Latchkey advertises in authenticatorGetInfo; larger requests are refused.
pub(crate) const MAX_MSG_SIZE: usize = 7609;

/// Deepest nesting CTAP requests need (extensions inside maps inside arrays) with margin.
const MAX_DEPTH: usize = 8;

/// Decodes exactly one CBOR item that must make up the whole input.
pub(crate) fn decode(bytes: &[u8]) -> Result<Value, CtapError> {
    if bytes.len() > MAX_MSG_SIZE {
        return Err(CtapError::RequestTooLarge);
    }
    if bytes.is_empty() {
        return Err(CtapError::MissingParameter);
    }
    let mut rest = bytes;
    let value: Value = ciborium::de::from_reader_with_recursion_limit(&mut rest, MAX_DEPTH + 1)
        .map_err(|_| CtapError::InvalidCbor)?;
    if !rest.is_empty() || depth(&value) > MAX_DEPTH {
        return Err(CtapError::InvalidCbor);
    }
    // Re-encoding (ciborium always writes definite, minimal lengths) must give back the input:
    // this rejects indefinite lengths and non-minimal encodings, as CTAP2 canonical CBOR demands.
    if encode(&value) != bytes {
        return Err(CtapError::InvalidCbor);
    }
    Ok(value)
}

fn depth(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        Value::Map(m) => {
            1 + m
                .iter()
                .map(|(k, v)| depth(k).max(depth(v)))
                .max()
                .unwrap_or(0)
        }
        Value::Tag(_, inner) => 1 + depth(inner),
        _ => 0,
    }
}

/// Encodes a value; writing into a `Vec` cannot fail for `Value`.
pub(crate) fn encode(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing to a Vec has no I/O error and every Value is serialisable.
    let _ = ciborium::ser::into_writer(value, &mut out);
    out
}

/// A map in CTAP2 canonical order: keys sorted by encoded length, then by encoded bytes (so
/// integer keys ascend, and text keys go by length then bytes).
pub(crate) fn canonical_map(mut entries: Vec<(Value, Value)>) -> Value {
    entries.sort_by_cached_key(|(k, _)| {
        let e = encode(k);
        (e.len(), e)
    });
    Value::Map(entries)
}

/// A CTAP request's parameter map: integer keys, each at most once.
pub(crate) struct ParamMap {
    entries: Vec<(i128, Value)>,
}

impl ParamMap {
    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<Self, CtapError> {
        let Value::Map(map) = decode(bytes)? else {
            return Err(CtapError::InvalidCbor);
        };
        let mut entries: Vec<(i128, Value)> = Vec::with_capacity(map.len());
        for (k, v) in map {
            let Value::Integer(k) = k else {
                return Err(CtapError::InvalidCbor);
            };
            let k = i128::from(k);
            if entries.iter().any(|(e, _)| *e == k) {
                return Err(CtapError::InvalidCbor);
            }
            entries.push((k, v));
        }
        Ok(ParamMap { entries })
    }

    pub(crate) fn get(&self, key: i64) -> Option<&Value> {
        self.entries
            .iter()
            .find(|(k, _)| *k == i128::from(key))
            .map(|(_, v)| v)
    }

    pub(crate) fn required(&self, key: i64) -> Result<&Value, CtapError> {
        self.get(key).ok_or(CtapError::MissingParameter)
    }
}

pub(crate) fn as_bytes(v: &Value) -> Result<&[u8], CtapError> {
    v.as_bytes()
        .map(Vec::as_slice)
        .ok_or(CtapError::InvalidCbor)
}

pub(crate) fn as_text(v: &Value) -> Result<&str, CtapError> {
    v.as_text().ok_or(CtapError::InvalidCbor)
}

pub(crate) fn as_bool(v: &Value) -> Result<bool, CtapError> {
    v.as_bool().ok_or(CtapError::InvalidCbor)
}

pub(crate) fn as_array(v: &Value) -> Result<&[Value], CtapError> {
    v.as_array()
        .map(Vec::as_slice)
        .ok_or(CtapError::InvalidCbor)
}

pub(crate) fn as_map(v: &Value) -> Result<&[(Value, Value)], CtapError> {
    v.as_map().map(Vec::as_slice).ok_or(CtapError::InvalidCbor)
}

pub(crate) fn as_i64(v: &Value) -> Result<i64, CtapError> {
    let Value::Integer(i) = v else {
        return Err(CtapError::InvalidCbor);
    };
    i64::try_from(i128::from(*i)).map_err(|_| CtapError::InvalidParameter)
}

pub(crate) fn as_u32(v: &Value) -> Result<u32, CtapError> {
    let Value::Integer(i) = v else {
        return Err(CtapError::InvalidCbor);
    };
    u32::try_from(i128::from(*i)).map_err(|_| CtapError::InvalidParameter)
}

/// Looks up a text key in a text-keyed map (rp, user, options, extensions).
pub(crate) fn text_entry<'a>(map: &'a [(Value, Value)], key: &str) -> Option<&'a Value> {
    map.iter()
        .find(|(k, _)| k.as_text() == Some(key))
        .map(|(_, v)| v)
}

pub(crate) fn int(i: i64) -> Value {
    Value::Integer(i.into())
}

pub(crate) fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

/// The value under an integer key in a decoded map (sub-command parameter maps).
pub(crate) fn int_entry(map: &[(Value, Value)], key: i64) -> Option<&Value> {
    map.iter()
        .find(|(k, _)| matches!(k, Value::Integer(i) if i128::from(*i) == i128::from(key)))
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_trailing_indefinite_deep_and_oversized() {
        assert_eq!(decode(&[0xa0, 0x00]).unwrap_err(), CtapError::InvalidCbor);
        // Indefinite-length map {_ }.
        assert_eq!(decode(&[0xbf, 0xff]).unwrap_err(), CtapError::InvalidCbor);
        // Non-minimal integer 1 encoded in two bytes.
        assert_eq!(decode(&[0x18, 0x01]).unwrap_err(), CtapError::InvalidCbor);
        let deep: Vec<u8> = std::iter::repeat_n(0x81, 12).chain([0x00]).collect();
        assert_eq!(decode(&deep).unwrap_err(), CtapError::InvalidCbor);
        let ok: Vec<u8> = std::iter::repeat_n(0x81, 8).chain([0x00]).collect();
        assert!(decode(&ok).is_ok());
        assert_eq!(
            decode(&vec![0x40; MAX_MSG_SIZE + 1]).unwrap_err(),
            CtapError::RequestTooLarge
        );
        assert_eq!(decode(&[0x5f]).unwrap_err(), CtapError::InvalidCbor);
    }

    #[test]
    fn canonical_order_ints_then_text_by_length() {
        let m = canonical_map(vec![
            (text("attStmt"), Value::Null),
            (int(-1), Value::Null),
            (text("fmt"), Value::Null),
            (int(3), Value::Null),
            (int(1), Value::Null),
        ]);
        let keys: Vec<Value> = m.as_map().unwrap().iter().map(|(k, _)| k.clone()).collect();
        assert_eq!(
            keys,
            vec![int(1), int(3), int(-1), text("fmt"), text("attStmt")]
        );
    }

    #[test]
    fn param_map_rejects_duplicates_and_text_keys() {
        assert_eq!(
            ParamMap::from_bytes(&[0xa2, 0x01, 0x00, 0x01, 0x00]).err(),
            Some(CtapError::InvalidCbor)
        );
        assert_eq!(
            ParamMap::from_bytes(&[0xa1, 0x61, 0x61, 0x00]).err(),
            Some(CtapError::InvalidCbor)
        );
        let p = ParamMap::from_bytes(&[0xa1, 0x01, 0x02]).unwrap();
        assert_eq!(as_u32(p.required(1).unwrap()).unwrap(), 2);
        assert_eq!(p.required(2).err(), Some(CtapError::MissingParameter));
    }
}
