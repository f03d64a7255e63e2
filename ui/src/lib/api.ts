/**
 * The only module that talks to the Tauri backend.
 * Every command is wrapped here with its types so components never call
 * `invoke` directly and tests can replace this module with `vi.mock`.
 *
 * Every command rejects with a human-readable string on failure; use
 * `errorMessage()` from `./errors` to turn a rejection into text.
 */
import { Channel, invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import { getCurrentWebview } from '@tauri-apps/api/webview';
import type {
  ActivityEntry,
  BackendEvent,
  DeleteResult,
  ExportResult,
  FolderKind,
  FormatChoice,
  HidKeyStatus,
  ImportOpened,
  ImportProgress,
  ImportSummary,
  RecoveryKit,
  RecoveryState,
  Passkey,
  Prompt,
  LinkOutcome,
  LinkReport,
  Settings,
  VaultStatus,
} from './types';

export function vaultStatus(): Promise<VaultStatus> {
  return invoke<VaultStatus>('vault_status');
}

/** Rejects with a message when the vault is locked. */
export function listPasskeys(): Promise<Passkey[]> {
  return invoke<Passkey[]>('list_passkeys');
}

/** `nickname: null` clears the nickname. */
export function renamePasskey(id: string, nickname: string | null): Promise<void> {
  return invoke<void>('rename_passkey', { id, nickname });
}

/** The backend keeps the passkey restorable for `undoSeconds`. */
export function deletePasskey(id: string): Promise<DeleteResult> {
  return invoke<DeleteResult>('delete_passkey', { id });
}

export function undoDelete(undoId: string): Promise<void> {
  return invoke<void>('undo_delete', { undoId });
}

export function lock(): Promise<void> {
  return invoke<void>('lock');
}

/** Runs the OS password / fingerprint check; may take several seconds. */
export function unlock(): Promise<void> {
  return invoke<void>('unlock');
}

export function activityLog(limit: number): Promise<ActivityEntry[]> {
  return invoke<ActivityEntry[]>('activity_log', { limit });
}

export function getSettings(): Promise<Settings> {
  return invoke<Settings>('get_settings');
}

export function setSettings(settings: Settings): Promise<void> {
  return invoke<void>('set_settings', { settings });
}

/** Whether the virtual security key can run here and runs; the reason when not. */
export function hidKeyStatus(): Promise<HidKeyStatus> {
  return invoke<HidKeyStatus>('hid_key_status');
}

/** Real input in the main window (throttled by the caller): pushes the auto-lock back. */
export function userActive(): Promise<void> {
  return invoke<void>('user_active');
}

export function currentPrompt(): Promise<Prompt | null> {
  return invoke<Prompt | null>('current_prompt');
}

/**
 * Approve runs the OS check before resolving (may take seconds) and
 * rejects with a message if the check fails. `account` is a
 * `PromptAccount.index`, or null.
 */
export function answerPrompt(id: string, approve: boolean, account: number | null): Promise<void> {
  return invoke<void>('answer_prompt', { id, approve, account });
}

/**
 * "Use another device or security key" on a browser's prompt: the request goes back to the
 * browser, which asks its own authenticators. Nothing is stored or signed.
 */
export function answerAnotherDevice(id: string): Promise<void> {
  return invoke<void>('answer_prompt', { id, approve: false, account: null, anotherDevice: true });
}

/**
 * "Use a sign-in link instead" on a no-passkey prompt: the request ends NotAllowed and the main
 * window opens its Sign-in link view.
 */
export function answerUseLink(id: string): Promise<void> {
  return invoke<void>('answer_prompt', { id, approve: false, account: null, useLink: true });
}

/** Judges a sign-in link against the person's sites; opens nothing. Rejects while locked. */
export function checkLink(url: string): Promise<LinkReport> {
  return invoke<LinkReport>('check_link', { url });
}

/**
 * Checks again and opens the link in the browser only if it passes: an unknown site needs
 * `confirm`, a lookalike `overrideLookalike`; refused, used and expired links never open.
 */
export function openLink(url: string, confirm: boolean, overrideLookalike: boolean): Promise<LinkOutcome> {
  return invoke<LinkOutcome>('open_link', { url, confirm, overrideLookalike });
}

/** The link a latchkey://open?url=… brought (taken once), or null. */
export function takePendingLink(): Promise<string | null> {
  return invoke<string | null>('take_pending_link');
}

/**
 * Subscribe to a backend event. Resolves to an unsubscribe function.
 * Payloads are ignored: every event means "something changed, reload".
 */
export function onEvent(name: BackendEvent, handler: () => void): Promise<() => void> {
  return listen(name, () => handler());
}

/**
 * Repairs a vault that no longer opens (unlock failed with the damaged-vault error), after the
 * OS check. The backend keeps a copy of every vault file first. Resolves with what it did.
 */
export function repairVault(): Promise<string> {
  return invoke<string>('repair_vault');
}

/** Whether a recovery kit exists (and its date), and whether Recover should be offered. */
export function recoveryState(): Promise<RecoveryState> {
  return invoke<RecoveryState>('recovery_state');
}

/** The kit made with the vault by the first unlock, once; null afterwards. */
export function takeNewRecoveryKit(): Promise<RecoveryKit | null> {
  return invoke<RecoveryKit | null>('take_new_recovery_kit');
}

/** "Create a new recovery kit": runs the OS check; the old kit stops working. */
export function newRecoveryKit(): Promise<RecoveryKit> {
  return invoke<RecoveryKit>('new_recovery_kit');
}

/** The lock screen's Recover: the key as typed (spaces, dashes, case do not matter). */
export function recover(key: string): Promise<void> {
  return invoke<void>('recover', { key });
}

/**
 * Writes `text` to `path` (mode 0600; a leading ~ is the home folder). Refuses to replace an
 * existing file unless `overwrite`. Resolves with the full path written.
 */
export function saveTextFile(path: string, text: string, overwrite: boolean): Promise<string> {
  return invoke<string>('save_text_file', { path, text, overwrite });
}

/** The recovery kit's Print: opens the kit page saved last in the default browser. Resolves with its path. */
export function openKitPage(): Promise<string> {
  return invoke<string>('open_kit_page');
}

/** The person's Downloads or Documents folder (the home folder when there is none). */
export function defaultFolder(kind: FolderKind): Promise<string> {
  return invoke<string>('default_folder', { kind });
}

/** Stages a file by path (a drop) for import; `onProgress` hears the reading. */
export function importOpenPath(
  path: string,
  format: FormatChoice,
  passphrase: string | null,
  onProgress: (p: ImportProgress) => void,
): Promise<ImportOpened> {
  const channel = new Channel<ImportProgress>();
  channel.onmessage = onProgress;
  return invoke<ImportOpened>('import_open', { path, format, passphrase, onProgress: channel });
}

/**
 * Stages a file's bytes ("Choose file…") for import. The bytes travel as the raw request body
 * (no JSON array of numbers); the name, format and passphrase ride in headers.
 */
export function importOpenBytes(name: string, bytes: Uint8Array, format: FormatChoice, passphrase: string | null): Promise<ImportOpened> {
  const headers: Record<string, string> = { 'x-file-name': encodeURIComponent(name), 'x-format': format };
  if (passphrase !== null) headers['x-passphrase'] = encodeURIComponent(passphrase);
  return invoke<ImportOpened>('import_open', bytes, { headers });
}

/** Adds the staged passkeys; `skipBad` leaves items with problems out instead of refusing. */
export function importCommit(token: string, skipBad: boolean, onProgress: (p: ImportProgress) => void): Promise<ImportSummary> {
  const channel = new Channel<ImportProgress>();
  channel.onmessage = onProgress;
  return invoke<ImportSummary>('import_commit', { token, skipBad, onProgress: channel });
}

/** Forgets a staged import. */
export function importDiscard(token: string): Promise<void> {
  return invoke<void>('import_discard', { token });
}

/**
 * Exports the passkeys of `sites` (empty: all) to `path` after the OS check: age-encrypted
 * CXF under `passphrase`, or clear CXF JSON when it is null. An existing file is replaced only
 * with `overwrite`.
 */
export function exportPasskeys(path: string, sites: string[], passphrase: string | null, overwrite = false): Promise<ExportResult> {
  return invoke<ExportResult>('export_passkeys', { path, sites, passphrase, overwrite });
}

/**
 * Tauri's native file drops on the window (paths, not bytes). Resolves to an unsubscribe;
 * rejects (never throws) where there is no Tauri webview, e.g. the dev mock.
 */
export async function onFileDrop(handlers: { over: (on: boolean) => void; drop: (paths: string[]) => void }): Promise<() => void> {
  return getCurrentWebview().onDragDropEvent((e) => {
    const p = e.payload;
    if (p.type === 'enter' || p.type === 'over') handlers.over(true);
    else if (p.type === 'leave') handlers.over(false);
    else if (p.type === 'drop') {
      handlers.over(false);
      if (p.paths.length) handlers.drop(p.paths);
    }
  });
}
