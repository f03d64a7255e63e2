//! Tauri's build step. The app manifest lists the app's own commands so that a capability
//! must grant each one explicitly (capabilities/*.json): a window gets nothing by default.
fn main() {
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(
        tauri_build::AppManifest::new().commands(&[
            "vault_status",
            "list_passkeys",
            "rename_passkey",
            "delete_passkey",
            "undo_delete",
            "lock",
            "unlock",
            "activity_log",
            "get_settings",
            "set_settings",
            "current_prompt",
            "answer_prompt",
            "user_active",
            "repair_vault",
            "check_link",
            "open_link",
            "take_pending_link",
            "recovery_state",
            "take_new_recovery_kit",
            "new_recovery_kit",
            "recover",
            "save_text_file",
            "open_kit_page",
            "default_folder",
            "import_open",
            "import_commit",
            "import_discard",
            "export_passkeys",
            "hid_key_status",
        ]),
    ))
    .expect("tauri build step failed");
}
