/** Human sentences for activity log entries. */
import type { ActivityEntry, ActivityKind, Door } from './types';

const DOOR_LABELS: Record<Door, string> = {
  app: 'App',
  cli: 'CLI',
  browser: 'Browser',
  usb: 'Security key',
  program: 'Another program',
};

export function doorLabel(door: Door): string {
  return DOOR_LABELS[door] ?? door;
}

const DOOR_PHRASES: Record<Door, string> = {
  app: 'Latchkey itself',
  cli: 'a command-line tool',
  browser: 'your browser',
  usb: 'a program using Latchkey as a security key',
  program: 'another program on this PC',
};

/** "your browser", "a command-line tool", ... */
export function doorPhrase(door: Door): string {
  return DOOR_PHRASES[door] ?? door;
}

function clean(s: string | null): string | null {
  const t = (s ?? '').trim();
  return t === '' ? null : t;
}

/** "example.com as alice" / "example.com" / "an unknown site". */
function target(e: ActivityEntry): string {
  const site = clean(e.rpId) ?? 'an unknown site';
  const account = clean(e.account);
  return account ? `${site} as ${account}` : site;
}

/** One sentence describing what happened. */
export function describeActivity(e: ActivityEntry): string {
  const site = clean(e.rpId) ?? 'an unknown site';
  switch (e.kind) {
    case 'approved':
      return `Signed in to ${target(e)}`;
    case 'denied':
      return `Denied a sign-in to ${target(e)}`;
    case 'timed-out':
      return `A request from ${site} timed out`;
    case 'created':
      return `Created a passkey for ${target(e)}`;
    case 'deleted':
      return `Deleted the passkey for ${target(e)}`;
    case 'delete-refused':
      return `Kept the passkey for ${target(e)}: the deletion was not confirmed`;
    case 'restored':
      return `Restored the passkey for ${target(e)}`;
    case 'renamed':
      return `Renamed the passkey for ${target(e)}`;
    case 'unlocked':
      return 'Unlocked Latchkey';
    case 'locked':
      return 'Locked Latchkey';
    case 'settings-reset':
      return 'The settings file was changed outside Latchkey; the safe settings were put back';
    case 'cancelled':
      return `A request from ${site} was cancelled by the page`;
    case 'another-device':
      return `Sent a request from ${site} to another device or security key`;
    case 'link-opened':
      return `Opened a sign-in link for ${site} after checking it`;
    case 'recovery-kit-created':
      return 'Made a new recovery kit; any older kit no longer works';
    case 'recovered':
      return 'Opened the vault with the recovery key and put its key back into the keychain';
    case 'imported':
      // The backend puts how many in `account` ("3 passkeys").
      return clean(e.account) ? `Imported ${clean(e.account)} from a file` : 'Imported passkeys from a file';
    case 'exported':
      return clean(e.account) ? `Exported ${clean(e.account)} to a file` : 'Exported passkeys to a file';
    default:
      return `Unknown event (${String((e as { kind: string }).kind)})`;
  }
}

export type Tone = 'good' | 'bad' | 'warn' | 'neutral';

export function activityTone(kind: ActivityKind): Tone {
  switch (kind) {
    case 'approved':
    case 'created':
    case 'restored':
    case 'recovery-kit-created':
    case 'recovered':
    case 'imported':
      return 'good';
    case 'denied':
    case 'deleted':
      return 'bad';
    case 'timed-out':
    case 'cancelled':
    case 'delete-refused':
    case 'settings-reset':
    case 'exported':
      return 'warn';
    default:
      return 'neutral';
  }
}
