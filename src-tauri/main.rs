// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // Before the window starts: as root, polkit would approve every use without asking.
    latchkey_verify::refuse_root_or_warn("latchkey");
    latchkey_app::run();
}
