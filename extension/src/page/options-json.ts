/**
 * navigator.credentials options → the W3C JSON forms (PublicKeyCredentialCreationOptionsJSON /
 * PublicKeyCredentialRequestOptionsJSON) the native host and the app read.
 *
 * Follows WebIDL's dictionary conversion closely enough that a page gets what a browser gives
 * it: missing required members, values that are no BufferSource (a string challenge, a
 * SharedArrayBuffer) or a non-iterable where a sequence belongs throw a TypeError before
 * anything is sent. Every BufferSource kind (ArrayBuffer, every typed array, DataView, views
 * into part of a buffer, objects from other frames) becomes base64url of exactly the bytes in
 * view. Extensions Latchkey does not implement are left out, as a browser ignores ones it
 * does not know.
 */
import { encode } from '../shared/base64url';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

// The brand-checking getters, taken once at document_start so a page that redefines
// `buffer` or `byteLength` on its own objects cannot make us read other bytes.
const arrayBufferByteLength = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'byteLength')!.get!;
const typedArrayProto = Object.getPrototypeOf(Uint8Array.prototype) as object;
const typedArrayBuffer = Object.getOwnPropertyDescriptor(typedArrayProto, 'buffer')!.get!;
const typedArrayOffset = Object.getOwnPropertyDescriptor(typedArrayProto, 'byteOffset')!.get!;
const typedArrayLength = Object.getOwnPropertyDescriptor(typedArrayProto, 'byteLength')!.get!;
const dataViewBuffer = Object.getOwnPropertyDescriptor(DataView.prototype, 'buffer')!.get!;
const dataViewOffset = Object.getOwnPropertyDescriptor(DataView.prototype, 'byteOffset')!.get!;
const dataViewLength = Object.getOwnPropertyDescriptor(DataView.prototype, 'byteLength')!.get!;
const isView = ArrayBuffer.isView;

function fail(dictionary: string, member: string, why: string): never {
  throw new TypeError(`Failed to read the '${member}' property from '${dictionary}': ${why}`);
}

function isArrayBuffer(v: unknown): v is ArrayBuffer {
  try {
    arrayBufferByteLength.call(v);
    return true;
  } catch {
    return false; // not an ArrayBuffer (a SharedArrayBuffer fails this brand check too)
  }
}

/** The bytes of a BufferSource, or `null` when the value is none. */
export function bufferSourceBytes(v: unknown): Uint8Array | null {
  if (typeof v !== 'object' || v === null) return null;
  if (isArrayBuffer(v)) return new Uint8Array(v.slice(0));
  if (!isView(v)) return null;
  let buffer: unknown;
  let offset: number;
  let length: number;
  try {
    buffer = typedArrayBuffer.call(v);
    offset = typedArrayOffset.call(v) as number;
    length = typedArrayLength.call(v) as number;
  } catch {
    buffer = dataViewBuffer.call(v);
    offset = dataViewOffset.call(v) as number;
    length = dataViewLength.call(v) as number;
  }
  // BufferSource has no [AllowShared]: a view on a SharedArrayBuffer is refused as browsers do.
  if (!isArrayBuffer(buffer)) return null;
  return new Uint8Array(buffer.slice(offset, offset + length));
}

function buffer(dict: Record<string, unknown>, name: string, member: string, required: boolean): string | undefined {
  const v = dict[member];
  if (v === undefined) {
    if (required) fail(name, member, 'Required member is undefined.');
    return undefined;
  }
  const bytes = bufferSourceBytes(v);
  if (bytes === null) {
    fail(name, member, "The provided value is not of type '(ArrayBuffer or ArrayBufferView)'.");
  }
  return encode(bytes);
}

function str(dict: Record<string, unknown>, name: string, member: string, required: boolean): string | undefined {
  const v = dict[member];
  if (v === undefined) {
    if (required) fail(name, member, 'Required member is undefined.');
    return undefined;
  }
  if (typeof v === 'symbol') fail(name, member, 'Cannot convert a Symbol value to a string.');
  return String(v);
}

function bool(dict: Record<string, unknown>, member: string): boolean | undefined {
  const v = dict[member];
  return v === undefined ? undefined : Boolean(v);
}

/** WebIDL `long`/`unsigned long` conversion (KeycloakJS sends `alg` as a string). */
function integer(dict: Record<string, unknown>, name: string, member: string, required: boolean, unsigned: boolean): number | undefined {
  const v = dict[member];
  if (v === undefined) {
    if (required) fail(name, member, 'Required member is undefined.');
    return undefined;
  }
  if (typeof v === 'symbol' || typeof v === 'bigint') fail(name, member, 'The value is not a number.');
  const n = Number(v);
  if (!Number.isFinite(n)) return 0;
  const t = Math.trunc(n);
  return unsigned ? t >>> 0 : t | 0;
}

/** A dictionary member: undefined and null are the empty dictionary; other non-objects throw. */
function dictionary(v: unknown, outer: string, member: string): Record<string, unknown> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' && typeof v !== 'function') {
    fail(outer, member, 'The provided value is not of type a dictionary.');
  }
  return v as Record<string, unknown>;
}

function sequence(v: unknown, outer: string, member: string): unknown[] {
  if (
    (typeof v !== 'object' && typeof v !== 'function') ||
    v === null ||
    typeof (v as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== 'function'
  ) {
    fail(outer, member, 'The provided value cannot be converted to a sequence.');
  }
  return Array.from(v as Iterable<unknown>);
}

function stringSequence(dict: Record<string, unknown>, name: string, member: string): string[] | undefined {
  const v = dict[member];
  if (v === undefined) return undefined;
  return sequence(v, name, member).map((item) => {
    if (typeof item === 'symbol') fail(name, member, 'Cannot convert a Symbol value to a string.');
    return String(item);
  });
}

function put(target: JsonObject, key: string, value: Json | undefined): void {
  if (value !== undefined) target[key] = value;
}

function descriptors(dict: Record<string, unknown>, name: string, member: string): JsonObject[] | undefined {
  const v = dict[member];
  if (v === undefined) return undefined;
  return sequence(v, name, member).map((item) => {
    const d = dictionary(item, name, member) ?? {};
    const inner = 'PublicKeyCredentialDescriptor';
    const out: JsonObject = {};
    put(out, 'id', buffer(d, inner, 'id', true));
    put(out, 'transports', stringSequence(d, inner, 'transports'));
    put(out, 'type', str(d, inner, 'type', true));
    return out;
  });
}

function prfValues(v: unknown, member: string): JsonObject {
  const d = dictionary(v, 'AuthenticationExtensionsPRFInputs', member) ?? {};
  const name = 'AuthenticationExtensionsPRFValues';
  const out: JsonObject = {};
  put(out, 'first', buffer(d, name, 'first', true));
  put(out, 'second', buffer(d, name, 'second', false));
  return out;
}

function extensions(dict: Record<string, unknown>, outer: string, forCreate: boolean): JsonObject | undefined {
  const d = dictionary(dict.extensions, outer, 'extensions');
  if (d === undefined) return undefined;
  const out: JsonObject = {};
  if (forCreate) {
    put(out, 'credProps', bool(d, 'credProps'));
    put(out, 'credentialProtectionPolicy', str(d, 'AuthenticationExtensionsClientInputs', 'credentialProtectionPolicy', false));
    put(out, 'enforceCredentialProtectionPolicy', bool(d, 'enforceCredentialProtectionPolicy'));
  }
  const prf = dictionary(d.prf, 'AuthenticationExtensionsClientInputs', 'prf');
  if (prf !== undefined) {
    const p: JsonObject = {};
    if (prf.eval !== undefined) p.eval = prfValues(prf.eval, 'eval');
    const byCred = dictionary(prf.evalByCredential, 'AuthenticationExtensionsPRFInputs', 'evalByCredential');
    if (byCred !== undefined) {
      const map: JsonObject = {};
      for (const key of Object.keys(byCred)) map[key] = prfValues(byCred[key], 'evalByCredential');
      p.evalByCredential = map;
    }
    out.prf = p;
  }
  return out;
}

/** PublicKeyCredentialCreationOptions → PublicKeyCredentialCreationOptionsJSON. */
export function creationOptionsToJSON(publicKey: unknown): JsonObject {
  const name = 'PublicKeyCredentialCreationOptions';
  const o = dictionary(publicKey, 'CredentialCreationOptions', 'publicKey');
  if (o === undefined) fail('CredentialCreationOptions', 'publicKey', 'Required member is undefined.');
  const out: JsonObject = {};
  // WebIDL reads members in lexicographic order; so do we, so getters run in the same order.
  put(out, 'attestation', str(o, name, 'attestation', false));
  put(out, 'attestationFormats', stringSequence(o, name, 'attestationFormats'));
  const sel = dictionary(o.authenticatorSelection, name, 'authenticatorSelection');
  if (sel !== undefined) {
    const s = 'AuthenticatorSelectionCriteria';
    const selection: JsonObject = {};
    put(selection, 'authenticatorAttachment', str(sel, s, 'authenticatorAttachment', false));
    put(selection, 'requireResidentKey', bool(sel, 'requireResidentKey'));
    put(selection, 'residentKey', str(sel, s, 'residentKey', false));
    put(selection, 'userVerification', str(sel, s, 'userVerification', false));
    out.authenticatorSelection = selection;
  }
  put(out, 'challenge', buffer(o, name, 'challenge', true));
  put(out, 'excludeCredentials', descriptors(o, name, 'excludeCredentials'));
  put(out, 'extensions', extensions(o, name, true));
  put(out, 'hints', stringSequence(o, name, 'hints'));
  if (o.pubKeyCredParams === undefined) fail(name, 'pubKeyCredParams', 'Required member is undefined.');
  out.pubKeyCredParams = sequence(o.pubKeyCredParams, name, 'pubKeyCredParams').map((item) => {
    const p = dictionary(item, name, 'pubKeyCredParams') ?? {};
    const inner = 'PublicKeyCredentialParameters';
    const param: JsonObject = {};
    put(param, 'alg', integer(p, inner, 'alg', true, false));
    put(param, 'type', str(p, inner, 'type', true));
    return param;
  });
  const rp = dictionary(o.rp, name, 'rp');
  if (rp === undefined) fail(name, 'rp', 'Required member is undefined.');
  const rpOut: JsonObject = {};
  put(rpOut, 'id', str(rp, 'PublicKeyCredentialRpEntity', 'id', false));
  put(rpOut, 'name', str(rp, 'PublicKeyCredentialRpEntity', 'name', true));
  out.rp = rpOut;
  put(out, 'timeout', integer(o, name, 'timeout', false, true));
  const user = dictionary(o.user, name, 'user');
  if (user === undefined) fail(name, 'user', 'Required member is undefined.');
  const u = 'PublicKeyCredentialUserEntity';
  const userOut: JsonObject = {};
  put(userOut, 'displayName', str(user, u, 'displayName', true));
  put(userOut, 'id', buffer(user, u, 'id', true));
  put(userOut, 'name', str(user, u, 'name', true));
  // WebAuthn §5.1.3 step 5: user.id must be 1 to 64 bytes.
  const idLength = Math.floor(((userOut.id as string).length * 3) / 4);
  if (idLength < 1 || idLength > 64) {
    throw new TypeError('The `user.id` attribute must be between 1 and 64 bytes long.');
  }
  out.user = userOut;
  return out;
}

/** PublicKeyCredentialRequestOptions → PublicKeyCredentialRequestOptionsJSON. */
export function requestOptionsToJSON(publicKey: unknown): JsonObject {
  const name = 'PublicKeyCredentialRequestOptions';
  const o = dictionary(publicKey, 'CredentialRequestOptions', 'publicKey');
  if (o === undefined) fail('CredentialRequestOptions', 'publicKey', 'Required member is undefined.');
  const out: JsonObject = {};
  put(out, 'allowCredentials', descriptors(o, name, 'allowCredentials'));
  put(out, 'challenge', buffer(o, name, 'challenge', true));
  put(out, 'extensions', extensions(o, name, false));
  put(out, 'hints', stringSequence(o, name, 'hints'));
  put(out, 'rpId', str(o, name, 'rpId', false));
  put(out, 'timeout', integer(o, name, 'timeout', false, true));
  put(out, 'userVerification', str(o, name, 'userVerification', false));
  return out;
}
