import { encode } from './base64url';

/** A random base64url string (16 bytes): request tags and menu tokens nobody can guess. */
export function randomToken(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return encode(bytes);
}
