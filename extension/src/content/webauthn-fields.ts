/** Fields that take passkey autofill: `autocomplete` has the token "webauthn" (HTML §4.10.18.7.1). */
export function isWebauthnField(el: EventTarget | null): el is HTMLInputElement | HTMLTextAreaElement {
  if (!(el instanceof HTMLInputElement) && !(el instanceof HTMLTextAreaElement)) return false;
  const tokens = (el.getAttribute('autocomplete') ?? '').toLowerCase().split(/\s+/);
  return tokens.includes('webauthn');
}
