/**
 * Checks the RegistrationResponseJSON / AuthenticationResponseJSON the app returned before the
 * page sees it. Only the members WebAuthn defines are kept (so `toJSON()` gives exactly the W3C
 * form, nothing extra from the host), every binary member must be base64url, and a malformed
 * answer is refused (`null`) instead of handing the page a half-built credential.
 */
import { isBase64url } from './base64url';

export interface PrfValuesJSON {
  first: string;
  second?: string;
}

export interface ClientExtensionResultsJSON {
  credProps?: { rk: boolean };
  prf?: { enabled?: boolean; results?: PrfValuesJSON };
}

export interface RegistrationResponseJSON {
  id: string;
  rawId: string;
  type: 'public-key';
  authenticatorAttachment: string | null;
  response: {
    clientDataJSON: string;
    attestationObject: string;
    authenticatorData: string;
    transports: string[];
    publicKeyAlgorithm: number;
    publicKey?: string;
  };
  clientExtensionResults: ClientExtensionResultsJSON;
}

export interface AuthenticationResponseJSON {
  id: string;
  rawId: string;
  type: 'public-key';
  authenticatorAttachment: string | null;
  response: {
    clientDataJSON: string;
    authenticatorData: string;
    signature: string;
    userHandle?: string;
  };
  clientExtensionResults: ClientExtensionResultsJSON;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function extensionResults(v: unknown): ClientExtensionResultsJSON | null {
  if (v === undefined) return {};
  if (!isRecord(v)) return null;
  const out: ClientExtensionResultsJSON = {};
  if (v.credProps !== undefined) {
    if (!isRecord(v.credProps) || typeof v.credProps.rk !== 'boolean') return null;
    out.credProps = { rk: v.credProps.rk };
  }
  if (v.prf !== undefined) {
    if (!isRecord(v.prf)) return null;
    const prf: NonNullable<ClientExtensionResultsJSON['prf']> = {};
    if (v.prf.enabled !== undefined) {
      if (typeof v.prf.enabled !== 'boolean') return null;
      prf.enabled = v.prf.enabled;
    }
    if (v.prf.results !== undefined) {
      const r = v.prf.results;
      if (!isRecord(r) || !isBase64url(r.first)) return null;
      if (r.second !== undefined && !isBase64url(r.second)) return null;
      prf.results = r.second === undefined ? { first: r.first } : { first: r.first, second: r.second as string };
    }
    out.prf = prf;
  }
  return out;
}

function common(v: unknown): { id: string; rawId: string; attachment: string | null; ext: ClientExtensionResultsJSON; response: Record<string, unknown> } | null {
  if (!isRecord(v)) return null;
  if (!isBase64url(v.id) || v.id.length === 0 || v.rawId !== v.id || v.type !== 'public-key') return null;
  const attachment = v.authenticatorAttachment;
  if (attachment !== undefined && attachment !== null && typeof attachment !== 'string') return null;
  if (!isRecord(v.response) || !isBase64url(v.response.clientDataJSON)) return null;
  const ext = extensionResults(v.clientExtensionResults);
  if (ext === null) return null;
  return { id: v.id, rawId: v.rawId as string, attachment: (attachment as string | null | undefined) ?? null, ext, response: v.response };
}

export function parseRegistrationResponse(v: unknown): RegistrationResponseJSON | null {
  const c = common(v);
  if (c === null) return null;
  const r = c.response;
  if (!isBase64url(r.attestationObject) || !isBase64url(r.authenticatorData)) return null;
  if (!Array.isArray(r.transports) || !r.transports.every((t) => typeof t === 'string')) return null;
  if (typeof r.publicKeyAlgorithm !== 'number' || !Number.isInteger(r.publicKeyAlgorithm)) return null;
  if (r.publicKey !== undefined && !isBase64url(r.publicKey)) return null;
  const response: RegistrationResponseJSON['response'] = {
    clientDataJSON: r.clientDataJSON as string,
    attestationObject: r.attestationObject,
    authenticatorData: r.authenticatorData,
    transports: [...(r.transports as string[])],
    publicKeyAlgorithm: r.publicKeyAlgorithm,
  };
  if (r.publicKey !== undefined) response.publicKey = r.publicKey;
  return {
    id: c.id,
    rawId: c.rawId,
    type: 'public-key',
    authenticatorAttachment: c.attachment,
    response,
    clientExtensionResults: c.ext,
  };
}

export function parseAuthenticationResponse(v: unknown): AuthenticationResponseJSON | null {
  const c = common(v);
  if (c === null) return null;
  const r = c.response;
  if (!isBase64url(r.authenticatorData) || !isBase64url(r.signature)) return null;
  if (r.userHandle !== undefined && r.userHandle !== null && !isBase64url(r.userHandle)) return null;
  const response: AuthenticationResponseJSON['response'] = {
    clientDataJSON: r.clientDataJSON as string,
    authenticatorData: r.authenticatorData,
    signature: r.signature,
  };
  if (typeof r.userHandle === 'string') response.userHandle = r.userHandle;
  return {
    id: c.id,
    rawId: c.rawId,
    type: 'public-key',
    authenticatorAttachment: c.attachment,
    response,
    clientExtensionResults: c.ext,
  };
}
