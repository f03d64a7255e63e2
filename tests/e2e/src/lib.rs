//! A small W3C WebDriver client (just what the tests use) and the harness that starts
//! `tauri-driver` for one test with its own data dir.

pub mod webdriver;

pub use webdriver::{Driver, Element};
