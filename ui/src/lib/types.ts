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
  | 'another-device'
  /** a sign-in link passed Latchkey's checks and was opened in the browser (rpId: its site) */
  | 'link-opened';

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
  /**
   * (create) A sign-in link for this site was opened through Latchkey in the last 30 minutes:
   * the prompt says this passkey replaces it.
   */
  replacesLink?: boolean;
  /**
   * (sign-in with no passkey, outside the browser) Offers "Use a sign-in link instead": the
   * request ends NotAllowed and the main window opens its Sign-in link view.
   */
  useLink?: boolean;
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
  | 'settings-changed'
  /** bring up the Sign-in link view (a latchkey:// link arrived, or "Use a sign-in link instead") */
  | 'show-sign-in-link';

/** What Latchkey concludes about a sign-in link (latchkey-magiclink's Verdict). */
export type LinkVerdict = 'trusted' | 'unknown-site' | 'lookalike' | 'refused' | 'already-used' | 'expired';

/** The checks' report on a sign-in link, shown before anything opens. */
export type LinkReport = {
  verdict: LinkVerdict;
  /** the link's site (registrable domain), decoded for display; null when refused early */
  site: string | null;
  /** plain-words reasons, most important first */
  reasons: string[];
  /** for a lookalike: the person's site it imitates */
  imitates: string | null;
  /** the normalized link that would open; null when refused */
  url: string | null;
};

/** What `open_link` did. */
export type LinkOutcome = LinkReport & { opened: boolean };
