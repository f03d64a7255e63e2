/**
 * The toolbar popup: Latchkey's state (with Unlock when locked), the last request and its
 * result, and the per-site switch for the active tab.
 */
import { ago, hostText, lastText } from './describe';
import type { HostView, PopupState } from '../background/popup-api';

const $ = <T extends HTMLElement>(id: string) => document.querySelector<T>(`[data-testid="${id}"]`)!;

let currentOrigin: string | null = null;

/**
 * The site the switch is about: the active tab's origin. When the popup is opened as a page of
 * its own (popup.html?site=ORIGIN, as end-to-end tests do) the `site` parameter names it.
 */
async function activeOrigin(): Promise<string | null> {
  const param = new URLSearchParams(location.search).get('site');
  const url = param ?? (await chrome.tabs.query({ active: true, currentWindow: true }))[0]?.url;
  try {
    const origin = url ? new URL(url).origin : null;
    return origin && origin !== 'null' && /^https?:/.test(origin) ? origin : null;
  } catch {
    return null;
  }
}

function showHost(view: HostView): void {
  const { title, detail } = hostText(view);
  $('popup-status').dataset.state = view.state;
  $('popup-status-text').textContent = title;
  $('popup-status-detail').textContent = detail;
  $('popup-unlock-button').hidden = view.state !== 'locked';
}

function show(state: PopupState): void {
  showHost(state.host);
  const site = state.site;
  $('popup-site').hidden = !site || !site.served;
  if (site) {
    $('popup-site-name').textContent = new URL(site.origin).host;
    $<HTMLInputElement>('popup-site-switch').checked = !site.enabled;
  }
  $('popup-last').hidden = !state.last;
  if (state.last) {
    const t = lastText(state.last);
    $('popup-last-what').textContent = t.what;
    $('popup-last-when').textContent = ago(state.last.at, Date.now());
    $('popup-last-origin').textContent = state.last.origin;
    const result = $('popup-last-result');
    result.textContent = t.result;
    result.dataset.kind = t.kind;
  }
}

async function refresh(): Promise<void> {
  currentOrigin = await activeOrigin();
  const state = (await chrome.runtime.sendMessage({ type: 'popup-state', origin: currentOrigin })) as PopupState;
  if (state && 'host' in state) show(state);
}

$('popup-unlock-button').addEventListener('click', async () => {
  const button = $<HTMLButtonElement>('popup-unlock-button');
  button.disabled = true;
  button.textContent = 'Unlocking in Latchkey…';
  try {
    const answer = (await chrome.runtime.sendMessage({ type: 'popup-unlock' })) as { host?: HostView };
    if (answer?.host) showHost(answer.host);
  } finally {
    button.disabled = false;
    button.textContent = 'Unlock';
  }
});

$<HTMLInputElement>('popup-site-switch').addEventListener('change', async (e) => {
  if (!currentOrigin) return;
  const off = (e.target as HTMLInputElement).checked;
  await chrome.runtime.sendMessage({ type: 'popup-site', origin: currentOrigin, enabled: !off });
});

void refresh();
