/**
 * Types shared with the Rust backend. JSON is camelCase.
 * Keep in sync with the backend's serde structs.
 */

/**
 * Which way a request came in. 'program' is another program on this PC that reached the app's
 * socket and is not a door Latchkey knows: the app determines this, the caller cannot claim it.
 */
export type Door = 'app' | 'cli' | 'browser' | 'usb' | 'program';

export type Passkey = {
  /** base64url credential id */
  id: string;
  rpId: string;
  rpName: string | null;
  userName: string | null;
  userDisplayName: string | null;
  nickname: string | null;
  /** unix seconds */
  createdAt: number;
  /** unix seconds */
  lastUsedAt: number | null;
  useCount: number;
  /** "ES256" | "EdDSA" | "RS256" */
  algorithm: string;
  backupEligible: boolean;
  backupState: boolean;
};

export type VaultStatus = { locked: boolean; count: number };

export type ActivityKind =
  | 'approved'
  | 'denied'
  | 'timed-out'
  | 'created'
  | 'deleted'
  | 'delete-refused'
  | 'restored'
  | 'renamed'
  | 'unlocked'
  | 'locked'
  | 'settings-reset'
  /** the page withdrew its request while it waited (it aborted) */
  | 'cancelled'
  /** the person sent a browser's request to another device or security key */
  | 'another-device';

export type ActivityEntry = {
  /** unix seconds */
  time: number;
  kind: ActivityKind;
  rpId: string | null;
  account: string | null;
  door: Door;
};

export type VerificationPolicy = { kind: 'every-use' } | { kind: 'reuse'; minutes: number };

export type ThemePreference = 'system' | 'light' | 'dark';

export type Settings = {
  /** 0 = never */
  autoLockMinutes: number;
  verification: VerificationPolicy;
  theme: ThemePreference;
};

export type PromptAccount = {
  index: number;
  userName: string | null;
  userDisplayName: string | null;
  nickname: string | null;
};

export type Prompt = {
  id: string;
  /**
   * 'delete': a caller asks to delete the passkey in accounts[0]. A 'sign-in' with no accounts
   * means there is no passkey for the site: the person only closes it. 'unlock': a browser asks
   * while Latchkey is locked (rpId is the origin's domain, accounts is empty).
   */
  operation: 'create' | 'sign-in' | 'delete' | 'unlock';
  rpId: string;
  rpName: string | null;
  origin: string | null;
  door: Door;
  /** The browser's name ("Chromium", "Firefox", "a browser"), for the browser door; else null. */
  client?: string | null;
  /** Offers "Use another device or security key" (the browser then asks its own authenticators). */
  anotherDevice?: boolean;
  accounts: PromptAccount[];
  /** unix milliseconds */
  expiresAt: number;
  /** how many more requests wait behind this one */
  queued: number;
};

export type DeleteResult = { undoId: string; undoSeconds: number };

export type BackendEvent =
  | 'vault-changed'
  | 'locked'
  | 'unlocked'
  | 'prompt-changed'
  | 'settings-changed';
