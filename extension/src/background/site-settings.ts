/**
 * The per-site switch ("Don't use Latchkey on <site>"), kept in storage.local as the list of
 * origins where Latchkey stays out of the way.
 */
const KEY = 'disabledOrigins';

async function disabled(): Promise<string[]> {
  const stored = (await chrome.storage.local.get(KEY))[KEY];
  return Array.isArray(stored) ? stored.filter((o): o is string => typeof o === 'string') : [];
}

export async function isSiteEnabled(origin: string): Promise<boolean> {
  return !(await disabled()).includes(origin);
}

export async function setSiteEnabled(origin: string, enabled: boolean): Promise<void> {
  const list = (await disabled()).filter((o) => o !== origin);
  if (!enabled) list.push(origin);
  await chrome.storage.local.set({ [KEY]: list });
}
