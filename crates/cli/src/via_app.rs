//! When the Latchkey app runs it owns the vault, so the CLI asks the app over its socket and
//! the approval prompt appears in the app's window. Output is the same as when the CLI opens
//! the vault itself.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use latchkey_bridge::protocol::Op;
use latchkey_bridge::{BridgeClient, ClientError, ErrorKind, PasskeyView};
use latchkey_vault::{alg, PasskeyMeta};

use crate::args::{CeremonyArgs, Command, LinkCommand, WebauthnCommand};
use crate::error::CliError;
use crate::output;

/// The app's view of a passkey, back in the shape the CLI prints.
fn into_meta(v: PasskeyView) -> PasskeyMeta {
    PasskeyMeta {
        credential_id: URL_SAFE_NO_PAD.decode(&v.id).unwrap_or_default(),
        rp_id: v.rp_id,
        rp_name: v.rp_name,
        user_handle: URL_SAFE_NO_PAD.decode(&v.user_handle).unwrap_or_default(),
        user_name: v.user_name,
        user_display_name: v.user_display_name,
        nickname: v.nickname,
        algorithm: alg::from_name(&v.algorithm).unwrap_or(0),
        sign_count: v.sign_count,
        created_at: v.created_at,
        last_used_at: v.last_used_at,
        use_count: v.use_count,
        cred_protect: v.cred_protect,
        backup_eligible: v.backup_eligible,
        backup_state: v.backup_state,
    }
}

impl From<ClientError> for CliError {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::Reply(r) => {
                let code = match r.kind {
                    ErrorKind::NotAllowedError
                    | ErrorKind::UseAnotherDevice
                    | ErrorKind::Aborted
                    | ErrorKind::NoPasskey => 3,
                    ErrorKind::InvalidStateError
                    | ErrorKind::SecurityError
                    | ErrorKind::NotSupportedError
                    | ErrorKind::TypeError => 4,
                    ErrorKind::Locked | ErrorKind::VaultError => 5,
                    ErrorKind::NotFound
                    | ErrorKind::UnknownError
                    | ErrorKind::ProtocolError
                    | ErrorKind::Busy => 1,
                };
                CliError::App {
                    code,
                    message: r.to_string(),
                }
            }
            other => CliError::Other(other.to_string()),
        }
    }
}

fn list(app: &mut BridgeClient) -> Result<Vec<PasskeyMeta>, CliError> {
    let views: Vec<PasskeyView> = serde_json::from_value(app.call(Op::List)?)
        .map_err(|e| CliError::Other(format!("the app's answer is unreadable: {e}")))?;
    Ok(views.into_iter().map(into_meta).collect())
}

fn resolve(app: &mut BridgeClient, id: &str) -> Result<PasskeyMeta, CliError> {
    crate::manage::pick(list(app)?, id)
}

fn ceremony(app: &mut BridgeClient, args: &CeremonyArgs, create: bool) -> Result<(), CliError> {
    let options: serde_json::Value = serde_json::from_str(&crate::webauthn::read_options()?)
        .map_err(|e| CliError::App {
            code: 4,
            message: format!("TypeError: the options are not valid JSON: {e}"),
        })?;
    eprintln!("latchkey: waiting for your approval in the Latchkey window…");
    let (origin, account) = (args.origin.clone(), args.account.clone());
    let op = if create {
        Op::WebauthnCreate {
            origin,
            options,
            account,
            tag: None,
            client: None,
        }
    } else {
        Op::WebauthnGet {
            origin,
            options,
            account,
            tag: None,
            client: None,
        }
    };
    println!("{}", app.call(op)?);
    Ok(())
}

/// Runs `command` through the app.
pub fn run(app: &mut BridgeClient, command: Command) -> Result<(), CliError> {
    match command {
        Command::Init { .. } => Err(CliError::Other(
            "the Latchkey app already has this vault open; there is nothing to create".into(),
        )),
        // The app owns the vault's files and the kit while it runs.
        Command::Recovery(_) => Err(CliError::AppRunning(
            "the Latchkey app is running: create a new recovery kit in its Settings, or quit the app and run `latchkey recovery new` again".into(),
        )),
        Command::Recover => Err(CliError::AppRunning(
            "the Latchkey app is running and owns the vault: press Recover on its lock screen, or quit the app and run `latchkey recover` again".into(),
        )),
        Command::List { json } => {
            let mut items = list(app)?;
            crate::manage::sort(&mut items);
            crate::manage::print_list(&items, json);
            Ok(())
        }
        Command::Show { id, json } => {
            crate::manage::print_one(&resolve(app, &id)?, json);
            Ok(())
        }
        Command::Rename { id, name } => {
            let m = resolve(app, &id)?;
            let name = crate::manage::check_nickname(&name)?;
            app.call(Op::Rename {
                passkey: output::b64(&m.credential_id),
                nickname: name.map(str::to_owned),
            })?;
            crate::manage::report_rename(&m, name);
            Ok(())
        }
        Command::Delete { id, yes } => {
            let m = resolve(app, &id)?;
            crate::manage::confirm_delete(&m, yes)?;
            // The app deletes only what the person confirms in its prompt window, and that
            // delete is final (there is no undo for it in the window).
            eprintln!("latchkey: confirm the deletion in the Latchkey window…");
            app.call(Op::Delete {
                passkey: output::b64(&m.credential_id),
            })?;
            println!(
                "Deleted the passkey for {} ({}), as confirmed in the Latchkey window. This cannot be undone.",
                output::site(&m),
                output::account(&m)
            );
            Ok(())
        }
        Command::Lock => {
            app.call(Op::Lock)?;
            println!("Locked: the Latchkey app closed the vault and forgot its key.");
            Ok(())
        }
        Command::Webauthn(WebauthnCommand::Create(a)) => ceremony(app, &a, true),
        Command::Webauthn(WebauthnCommand::Get(a)) => ceremony(app, &a, false),
        // The app owns the vault's files while it runs: two processes must never repair them.
        Command::Repair => Err(CliError::Other(
            "the Latchkey app is running: press Repair on its lock screen, or quit the app and run `latchkey repair` again".into(),
        )),
        // The app owns the vault while it runs; its "Import & export" tab does the same work
        // with a preview and progress.
        Command::Export { .. } | Command::Import { .. } => Err(CliError::AppRunning(
            "the Latchkey app is running and holds the vault: use its \"Import & export\" tab, or quit the app and run this command again".into(),
        )),
        // Never reaches the app (main.rs answers it first); here for completeness.
        Command::Browser(command) => crate::browser::run(command),
        // The app has the same security key built in, behind its setting.
        Command::Hid(crate::args::HidCommand::Serve { .. }) => {
            Err(CliError::AppRunning(crate::hid::APP_RUNNING.into()))
        }
        Command::Hid(command) => crate::hid::run(std::path::Path::new(""), command),
        // The app checks and, when it passes, opens the link with its own opener.
        Command::Link(LinkCommand::Check { url, json }) => {
            crate::link::check(crate::link::Holder::App(app), &url, json)
        }
        Command::Link(LinkCommand::Open {
            url,
            yes,
            override_,
        }) => crate::link::open(crate::link::Holder::App(app), &url, yes, override_),
    }
}
