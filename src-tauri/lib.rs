//! Latchkey's desktop shell. Thin by design: it wires the core crates to the window and holds no
//! WebAuthn or storage logic of its own. The UI only ever receives passkey metadata, never a
//! private key or the data key.

mod commands;

/// Starts the app.
pub fn run() {
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![commands::list_passkeys])
        .run(tauri::generate_context!())
        .expect("Latchkey could not start its window");
}
