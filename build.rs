//! Tauri's build step. The app manifest lists the app's own commands so that a capability
//! must grant each one explicitly (capabilities/default.json): the UI gets nothing by default.
fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(&["list_passkeys"])),
    )
    .expect("tauri build step failed");
}
