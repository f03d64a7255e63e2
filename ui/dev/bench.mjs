// DEV ONLY: measure list load and per-keystroke search cost in headless Chromium.
// Needs the mock preview server (npx vite preview --config dev/vite.mock.config.ts) on :4173.
// usage: node --experimental-websocket dev/bench.mjs [COUNT ...]   (default: 10 10000)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const counts = process.argv.slice(2).map(Number);
if (!counts.length) counts.push(10, 10000);
const PORT = 9333;
const RUNS = 5;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const prof = mkdtempSync(join(tmpdir(), 'lk-bench-'));
const chrome = spawn('/usr/bin/chromium', [
  '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', `--user-data-dir=${prof}`, `--remote-debugging-port=${PORT}`,
  '--window-size=1000,660', 'about:blank',
], { stdio: 'ignore' });

async function cdpTarget() {
  for (let i = 0; i < 100; i++) {
    try {
      const list = await (await fetch(`http://127.0.0.1:${PORT}/json`)).json();
      const page = list.find((t) => t.type === 'page');
      if (page) return page.webSocketDebuggerUrl;
    } catch {}
    await sleep(100);
  }
  throw new Error('no chromium page');
}

const ws = new WebSocket(await cdpTarget());
await new Promise((r) => ws.addEventListener('open', r, { once: true }));
let seq = 0;
const pending = new Map();
const events = [];
ws.addEventListener('message', (m) => {
  const msg = JSON.parse(m.data);
  if (msg.id && pending.has(msg.id)) {
    pending.get(msg.id)(msg);
    pending.delete(msg.id);
  } else if (msg.method) events.push(msg);
});
const send = (method, params = {}) =>
  new Promise((resolve, reject) => {
    const id = ++seq;
    pending.set(id, (msg) => (msg.error ? reject(new Error(JSON.stringify(msg.error))) : resolve(msg.result)));
    ws.send(JSON.stringify({ id, method, params }));
  });
const evaluate = async (expression) => {
  const r = await send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
  if (r.exceptionDetails) throw new Error(JSON.stringify(r.exceptionDetails));
  return r.result.value;
};

await send('Page.enable');
await send('Runtime.enable');

const TYPE = `(async () => {
  const raf = () => new Promise((r) => requestAnimationFrame(() => r()));
  const wait = (ms) => new Promise((r) => setTimeout(r, ms));
  const input = document.querySelector('[data-testid="search"]');
  input.focus();
  const times = [];
  for (let round = 0; round < 4; round++) {
    for (const ch of 'site12') {
      input.value += ch;
      const t0 = performance.now();
      input.dispatchEvent(new Event('input', { bubbles: true }));
      await raf(); await raf();
      times.push(performance.now() - t0);
      await wait(60);
    }
    input.value = '';
    input.dispatchEvent(new Event('input', { bubbles: true }));
    await wait(300);
  }
  return { times, rows: document.querySelectorAll('[data-testid="passkey-row"]').length };
})()`;

const results = [];
for (const n of counts) {
  const loads = [];
  const keys = [];
  let domRows = 0;
  for (let run = 0; run < RUNS; run++) {
    await send('Page.navigate', { url: `http://localhost:4173/index.html?theme=light&count=${n}` });
    let perf = null;
    for (let i = 0; i < 300 && !perf; i++) {
      await sleep(50);
      perf = await evaluate('(() => { const p = window.__lkPerf; return p && p.rowsPainted ? p : null; })()').catch(() => null);
    }
    if (!perf) throw new Error('rows never painted');
    loads.push(perf.rowsPainted - perf.listReturned);
    domRows = await evaluate('document.querySelectorAll(\'[data-testid="passkey-row"]\').length');
    await sleep(300);
    const t = await evaluate(TYPE);
    keys.push(...t.times);
  }
  const r = { count: n, rowsInDom: domRows, loadToPaintMs: +median(loads).toFixed(1), keystrokeMedianMs: +median(keys).toFixed(1), keystrokeMaxMs: +Math.max(...keys).toFixed(1) };
  results.push(r);
  console.log(JSON.stringify(r));
}
const errors = events.filter((e) => e.method === 'Runtime.exceptionThrown' || (e.method === 'Runtime.consoleAPICalled' && e.params.type === 'error'));
if (errors.length) console.log('console errors:', errors.length);
ws.close();
chrome.kill();
await sleep(200);
rmSync(prof, { recursive: true, force: true });
