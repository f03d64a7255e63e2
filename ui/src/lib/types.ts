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
  | 'link-opened'
  /** a recovery kit was made (the first one with the vault, or a new one replacing the old) */
  | 'recovery-kit-created'
  /** the vault was opened with the recovery key and its key put back into the keychain */
  | 'recovered'
  /** passkeys came in from a file (account: what the backend says about it, e.g. how many) */
  | 'imported'
  /** passkeys went out to a file */
  | 'exported';

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
  /** "Act as a security key for other programs" (Linux); absent in older backends = off. */
  hidKey?: boolean;
};

/** Whether the virtual security key can run here, runs, and if not, why (what to do). */
export type HidKeyStatus = {
  available: boolean;
  running: boolean;
  problem: string | null;
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
  operation: 'create' | 'sign-in' | 'delete' | 'unlock' | 'manage';
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

/** A recovery kit, shown once (latchkey_session::RecoveryKitView). */
export type RecoveryKit = {
  /** "XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX" */
  key: string;
  vaultId: string;
  kitId: string;
  /** unix seconds */
  createdAt: number;
  /** the printable kit page (self-contained HTML) */
  html: string;
};

/** latchkey_session::RecoveryState; works locked or unlocked. */
export type RecoveryState = {
  hasKit: boolean;
  /** unix seconds */
  createdAt: number | null;
  /** The keychain has no key for this vault (or a wrong one) and a kit exists: offer Recover. */
  canRecover: boolean;
};

/** The import format the person picks (latchkey_transfer::FormatChoice). */
export type FormatChoice = 'auto' | 'cxf' | 'bitwarden' | 'keepassxc';

/** One item that cannot come in, and why (latchkey_transfer::ItemProblem). */
export type ItemProblem = {
  /** position in the file, 1-based */
  index: number;
  /** what the file calls it (title, rpId, user) */
  item: string;
  reason: string;
};

export type ImportItem = {
  index: number;
  rpId: string;
  userName: string | null;
  userDisplayName: string | null;
  algorithm: string;
  /** unix seconds */
  createdAt: number;
  /** already in this vault, or twice in the file */
  duplicate: boolean;
};

/** What a staged file holds (latchkey_session::ImportPreview). */
export type ImportPreview = {
  token: string;
  fileName: string;
  /** the format's label, e.g. "CXF (encrypted)" */
  format: string;
  total: number;
  new: number;
  duplicates: number;
  ignored: number;
  problems: ItemProblem[];
  /** at most 500, in file order */
  items: ImportItem[];
};

/** `import_open`'s answer: the preview, or "this file needs its passphrase". */
export type ImportOpened = ({ status: 'preview' } & ImportPreview) | { status: 'passphrase-needed'; fileName: string };

export type ImportProgress = { stage: 'reading' | 'adding'; done: number; total: number };

export type ImportSummary = {
  fileName: string;
  added: number;
  duplicates: number;
  skipped: ItemProblem[];
};

export type ExportResult = { count: number; path: string };

/** Where `defaultFolder` looks. */
export type FolderKind = 'downloads' | 'documents';
