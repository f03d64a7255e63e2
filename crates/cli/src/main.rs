//! `latchkey`: manage the passkeys stored on this PC and run WebAuthn ceremonies from a
//! terminal. The command line is a contract (see `args.rs`); errors go to stderr with an exit
//! code from `error.rs` and a message that says what to do next.

mod approver;
mod args;
mod browser;
mod error;
mod hid;
mod link;
mod manage;
mod output;
mod recovery;
mod repair;
mod terminal;
mod transfer;
mod via_app;
mod webauthn;

use clap::Parser;

use args::{Cli, Command, HidCommand, LinkCommand, RecoveryCommand, WebauthnCommand};
use error::CliError;

fn run(cli: Cli) -> Result<(), CliError> {
    // Browser set-up touches neither the vault nor the app.
    if let Command::Browser(command) = cli.command {
        return browser::run(command);
    }
    let dir = match cli.data_dir {
        Some(d) => d,
        None => latchkey_vault::default_data_dir()?,
    };
    // Whether the device can be made here touches neither the vault nor the app.
    if let Command::Hid(command @ HidCommand::Status { .. }) = cli.command {
        return hid::run(&dir, command);
    }
    // While the app runs it owns the vault: go through it. A socket that is not ours is
    // reported, not worked around: someone may be posing as the app.
    if let Some(mut app) = latchkey_bridge::BridgeClient::connect(&dir, latchkey_bridge::Door::Cli)
        .map_err(|e| CliError::Other(e.to_string()))?
    {
        return via_app::run(&mut app, cli.command);
    }
    match cli.command {
        Command::Init { kit } => manage::init(&dir, kit.as_deref()),
        Command::Recovery(RecoveryCommand::New { kit }) => recovery::new_kit(&dir, kit.as_deref()),
        Command::Recover => recovery::recover(&dir),
        Command::List { json } => manage::list(&dir, json),
        Command::Show { id, json } => manage::show(&dir, &id, json),
        Command::Rename { id, name } => manage::rename(&dir, &id, &name),
        Command::Delete { id, yes } => manage::delete(&dir, &id, yes),
        Command::Lock => manage::lock(&dir),
        Command::Webauthn(WebauthnCommand::Create(a)) => webauthn::create(&dir, &a),
        Command::Webauthn(WebauthnCommand::Get(a)) => webauthn::get(&dir, &a),
        Command::Repair => repair::repair(&dir),
        Command::Export {
            out,
            sites,
            plain,
            yes,
        } => transfer::export(&dir, &out, &sites, plain, yes),
        Command::Import {
            file,
            format,
            skip_bad,
            dry_run,
            json,
        } => transfer::import(&dir, &file, format, skip_bad, dry_run, json),
        Command::Browser(command) => browser::run(command),
        Command::Hid(command) => hid::run(&dir, command),
        Command::Link(LinkCommand::Check { url, json }) => {
            link::check(link::Holder::Files(&dir), &url, json)
        }
        Command::Link(LinkCommand::Open {
            url,
            yes,
            override_,
        }) => link::open(link::Holder::Files(&dir), &url, yes, override_),
    }
}

fn main() {
    // Before anything else: as root, polkit would approve every use without asking.
    latchkey_verify::refuse_root_or_warn("latchkey");
    let cli = Cli::parse();
    if let Err(e) = run(cli) {
        if !matches!(e, CliError::Silent(_)) {
            eprintln!("latchkey: {e}");
        }
        std::process::exit(e.exit_code());
    }
}
