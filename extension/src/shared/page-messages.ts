/**
 * The messages between the page's main world and the isolated content script.
 *
 * The main world posts a [`PageRequest`] to its own window with a fresh MessageChannel port;
 * everything after that goes over the port (an ack at once, then one [`Outcome`]; the page may
 * send [`CANCEL`]). The page can read and forge any of this, so the isolated side treats it as
 * a wish, never as a fact: it computes the origin itself and checks everything with
 * [`parsePageRequest`].
 */

export const CHANNEL = 'latchkey-webauthn/1';

export const PAGE_KINDS = ['create', 'get', 'conditional', 'available'] as const;
export type PageKind = (typeof PAGE_KINDS)[number];

export interface PageRequest {
  channel: typeof CHANNEL;
  kind: PageKind;
  /** The W3C JSON options (create, get, conditional); absent for `available`. */
  options?: Record<string, unknown>;
}

/** Sent by the page over the port when it gives up (its AbortSignal fired or another answer won). */
export const CANCEL = { cancel: true } as const;
/** Sent by the isolated side over the port as soon as it has the request. */
export const ACK = { ack: true } as const;

/** Page options are a few KiB; a bigger message is refused rather than relayed. */
export const MAX_OPTIONS_CHARS = 256 * 1024;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A request from the page, checked; `null` for anything else (other scripts' messages too). */
export function parsePageRequest(data: unknown): PageRequest | null {
  if (!isRecord(data) || data.channel !== CHANNEL) return null;
  if (typeof data.kind !== 'string' || !(PAGE_KINDS as readonly string[]).includes(data.kind)) return null;
  const kind = data.kind as PageKind;
  if (kind === 'available') return { channel: CHANNEL, kind };
  if (!isRecord(data.options)) return null;
  if (typeof data.options.challenge !== 'string') return null;
  // A copy made here, in the reader's own realm: on Firefox the page's objects reach the
  // isolated world behind Xray wrappers, which other APIs may refuse to clone.
  let json: string;
  try {
    json = JSON.stringify(data.options);
  } catch {
    return null;
  }
  if (json.length > MAX_OPTIONS_CHARS) return null;
  return { channel: CHANNEL, kind, options: JSON.parse(json) as Record<string, unknown> };
}

export function isCancel(data: unknown): boolean {
  return isRecord(data) && data.cancel === true;
}

export function isAck(data: unknown): boolean {
  return isRecord(data) && data.ack === true;
}
