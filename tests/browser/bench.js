// The benchmark behind scripts/bench-browser.sh: the time from a page's
// navigator.credentials.get() to the demo site's verified sign-in (its /api/login/finish
// answering 200), N runs through Latchkey (the extension, the host, the app; the approval
// clicked by tauri-driver as soon as the prompt takes input) and N runs through Chromium's
// DevTools virtual authenticator on the same demo page (Chromium without the extension), in
// the same run. Prints the median and p90 of each and their ratio.
import { launchChromium, virtualAuthenticator } from "./lib/chromium.js";
import { signedInAs, startSignUp } from "./lib/demo.js";
import { App, freshVault, installHost, startDemoSite } from "./lib/latchkey.js";

/** The prompt ignores input this long after it shows (ui/src/lib/prompt.ts), against stray keys. */
const ARM_DELAY_MS = 750;
const N = Number(process.argv[2] || process.env.BENCH_RUNS || 20);

/** One timed sign-in by user name, measured in the page. */
function timedSignIn(page, username) {
  return page.evaluate(async (name) => {
    const post = (p, b) => fetch(p, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(b) });
    const { publicKey } = await (await post("/api/login/start", { username: name })).json();
    const options = PublicKeyCredential.parseRequestOptionsFromJSON(publicKey);
    const t0 = performance.now();
    const cred = await navigator.credentials.get({ publicKey: options });
    const r = await post("/api/login/finish", cred.toJSON());
    const t1 = performance.now();
    if (!r.ok) throw new Error(`the site refused the sign-in: ${await r.text()}`);
    return t1 - t0;
  }, username);
}

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return { median: at(0.5), p90: at(0.9), min: s[0], max: s[s.length - 1] };
}

const fmt = (ms) => `${ms.toFixed(0)} ms`;

const vault = freshVault();
const site = await startDemoSite();
let app, withExt, plain;
try {
  // Through Latchkey.
  app = await App.start(vault);
  withExt = await launchChromium({ env: vault.env, beforeLaunch: (dir) => installHost("chromium", { userDataDir: dir }) });
  const page = await withExt.context.newPage();
  await Promise.all([startSignUp(page, site, "bench"), app.approve()]);
  await signedInAs(page, "bench");
  const latchkey = [];
  const untilShown = [];
  const afterClick = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    let clicked = 0;
    const [ms] = await Promise.all([
      timedSignIn(page, "bench").then((v) => {
        afterClick.push(performance.now() - clicked);
        return v;
      }),
      app.approve().then(() => {
        clicked = performance.now();
        untilShown.push(app.shownAt - t0);
      }),
    ]);
    latchkey.push(ms);
    // Let the prompt settle back to idle before the next request.
    await new Promise((r) => setTimeout(r, 200));
  }

  // Through the browser's own WebAuthn (DevTools virtual authenticator), same demo page.
  plain = await launchChromium({ extension: false });
  const vpage = await plain.context.newPage();
  await vpage.goto(`${site.url}/account`);
  await virtualAuthenticator(plain.context, vpage);
  await startSignUp(vpage, site, "bench-va");
  await signedInAs(vpage, "bench-va");
  const virtual = [];
  for (let i = 0; i < N; i++) virtual.push(await timedSignIn(vpage, "bench-va"));

  const a = stats(latchkey);
  const b = stats(virtual);
  console.log(`navigator.credentials.get() → verified sign-in, ${N} runs each (Chromium ${withExt.context.browser()?.version() ?? ""})`);
  console.log(`  Latchkey (extension → host → app, approval clicked at once): median ${fmt(a.median)}, p90 ${fmt(a.p90)} (min ${fmt(a.min)}, max ${fmt(a.max)})`);
  console.log(`  DevTools virtual authenticator (browser's own WebAuthn):     median ${fmt(b.median)}, p90 ${fmt(b.p90)} (min ${fmt(b.min)}, max ${fmt(b.max)})`);
  console.log(`  of which (driver's clock): until the prompt shows median ${fmt(stats(untilShown).median)}; the prompt takes clicks ${ARM_DELAY_MS} ms after it shows (ui/src/lib/prompt.ts ARM_DELAY_MS); from the click to the verified sign-in median ${fmt(stats(afterClick).median)}`);
  console.log(`  ratio Latchkey / virtual: median ${(a.median / b.median).toFixed(1)}×, p90 ${(a.p90 / b.p90).toFixed(1)}×`);
} finally {
  await withExt?.close();
  await plain?.close();
  await app?.quit();
  site.stop();
  vault.cleanup();
}
