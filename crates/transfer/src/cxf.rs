//! FIDO CXF documents.

use latchkey_vault::PasskeyRecord;
use zeroize::Zeroizing;

use crate::TransferError;

/// The CXF document (clear JSON bytes) for `records`. Each passkey is one Item with one
/// `passkey` credential; Latchkey's own extras (signCount, credProtect, nickname, rpName,
/// algorithm) ride in an item extension `{"name":"latchkey", ...}` so a Latchkey→Latchkey
/// move keeps counters; other importers ignore it.
pub fn write_cxf(
    records: &[PasskeyRecord],
    exported_at: u64,
) -> Result<Zeroizing<Vec<u8>>, TransferError> {
    let _ = (records, exported_at);
    todo!()
}
