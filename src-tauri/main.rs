// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // Before the window starts: as root, polkit would approve every use without asking.
    match latchkey_verify::root_guard() {
        Ok(None) => {}
        Ok(Some(warning)) => eprintln!("latchkey: {warning}"),
        Err(e) => {
            eprintln!("latchkey: {e}");
            std::process::exit(2);
        }
    }
    latchkey_app::run();
}
