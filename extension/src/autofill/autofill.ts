/**
 * The autofill menu frame (autofill.html, extension origin, inside the page but unreadable by
 * it). It presents the token from its URL to the background, which answers with the site's
 * passkeys; a click, or Enter forwarded from the field, picks one.
 */
import { MENU_PORT_NAME, parseAccounts, parseMenuKey, type AccountView } from '../shared/runtime-messages';

const menu = document.querySelector<HTMLElement>('[data-testid="autofill-menu"]')!;
const list = document.querySelector<HTMLElement>('[data-testid="autofill-list"]')!;
const siteLabel = document.querySelector<HTMLElement>('[data-testid="autofill-site"]')!;

let accounts: AccountView[] = [];
let selected = -1;
let picked = false;

const port = chrome.runtime.connect({ name: MENU_PORT_NAME });
port.postMessage({ token: location.hash.slice(1) });

function label(a: AccountView): { primary: string; secondary: string } {
  const primary = a.nickname || a.userDisplayName || a.userName || 'Passkey';
  const secondary = a.userName && a.userName !== primary ? a.userName : a.userDisplayName && a.userDisplayName !== primary ? a.userDisplayName : '';
  return { primary, secondary };
}

function select(index: number): void {
  selected = index;
  list.querySelectorAll<HTMLElement>('.account').forEach((row, i) => {
    row.setAttribute('aria-selected', String(i === index));
    if (i === index) row.scrollIntoView({ block: 'nearest' });
  });
}

function pick(index: number): void {
  const account = accounts[index];
  if (!account || picked) return;
  picked = true;
  port.postMessage({ pick: account.credentialId });
}

function render(): void {
  list.replaceChildren(
    ...accounts.map((a, i) => {
      const { primary, secondary } = label(a);
      const row = document.createElement('li');
      row.className = 'account';
      row.setAttribute('role', 'option');
      row.setAttribute('aria-selected', 'false');
      row.setAttribute('data-testid', 'autofill-account');
      row.setAttribute('data-credential-id', a.credentialId);
      const avatar = document.createElement('span');
      avatar.className = 'avatar';
      avatar.textContent = (primary.trim()[0] ?? '?').toUpperCase();
      const names = document.createElement('span');
      names.className = 'names';
      const p = document.createElement('span');
      p.className = 'primary';
      p.textContent = primary;
      names.append(p);
      if (secondary) {
        const s = document.createElement('span');
        s.className = 'secondary';
        s.textContent = secondary;
        names.append(s);
      }
      row.append(avatar, names);
      row.addEventListener('mousemove', () => select(i));
      row.addEventListener('mousedown', (e) => e.preventDefault());
      row.addEventListener('click', () => pick(i));
      return row;
    }),
  );
  menu.hidden = accounts.length === 0;
}

function onKey(key: string): void {
  if (key === 'ArrowDown') select(selected < accounts.length - 1 ? selected + 1 : 0);
  else if (key === 'ArrowUp') select(selected > 0 ? selected - 1 : accounts.length - 1);
  else if (key === 'Enter' && selected >= 0) pick(selected);
  else if (key === 'Escape') port.postMessage({ close: true });
}

port.onMessage.addListener((message) => {
  const m = message as { accounts?: unknown; site?: unknown };
  if (m && Array.isArray(m.accounts)) {
    accounts = parseAccounts(m.accounts) ?? [];
    siteLabel.textContent = typeof m.site === 'string' ? m.site : '';
    render();
    return;
  }
  const key = parseMenuKey(message);
  if (key) onKey(key);
});

// Keys pressed while the menu frame itself has focus (after a click into it).
document.addEventListener('keydown', (e) => {
  if (['ArrowDown', 'ArrowUp', 'Enter', 'Escape'].includes(e.key)) {
    e.preventDefault();
    onKey(e.key);
  }
});
