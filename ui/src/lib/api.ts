/**
 * The only module that talks to the Tauri backend.
 * Every command is wrapped here with its types so components never call
 * `invoke` directly and tests can replace this module with `vi.mock`.
 *
 * Every command rejects with a human-readable string on failure; use
 * `errorMessage()` from `./errors` to turn a rejection into text.
 */
import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type {
  ActivityEntry,
  BackendEvent,
  DeleteResult,
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
