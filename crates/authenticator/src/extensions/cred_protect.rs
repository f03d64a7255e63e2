//! credProtect (CTAP 2.1 §12.1).
