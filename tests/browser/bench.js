// The benchmark behind scripts/bench-browser.sh: the time from a page's
// navigator.credentials.get() to the demo site's verified sign-in (its /api/login/finish
// answering 200), N runs through Latchkey (the extension, the host, the app; the approval
// clicked by tauri-driver as soon as the prompt takes input) and N runs through Chromium's
// DevTools virtual authenticator on the same demo page (Chromium without the extension), in
// the same run. Prints the median and p90 of each and their ratio, and the share of each hop of
// Latchkey's path, from timing marks the host and the app write to LATCHKEY_BENCH_TRACE (set
// here only) lined up with the page's clock and the prompt page's paint mark.
import fs from "node:fs";
import path from "node:path";
import { launchChromium, virtualAuthenticator } from "./lib/chromium.js";
import { openSignedOut, signedInAs, startSignUp } from "./lib/demo.js";
import { App, freshVault, installHost, startDemoSite } from "./lib/latchkey.js";

/** The prompt ignores input this long after it shows (ui/src/lib/prompt.ts), against stray keys. */
const ARM_DELAY_MS = 750;
const N = Number(process.argv[2] || process.env.BENCH_RUNS || 20);

/**
 * One timed sign-in by user name, measured in the page: { ms, start, got, end }, the last three
 * wall-clock ms (the page's timeOrigin + now) of the call, its answer and the site's verdict.
 */
function timedSignIn(page, username) {
  return page.evaluate(async (name) => {
    const post = (p, b) => fetch(p, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(b) });
    const { publicKey } = await (await post("/api/login/start", { username: name })).json();
    const options = PublicKeyCredential.parseRequestOptionsFromJSON(publicKey);
    const wall = (t) => performance.timeOrigin + t;
    const t0 = performance.now();
    const cred = await navigator.credentials.get({ publicKey: options });
    const tGot = performance.now();
    const r = await post("/api/login/finish", cred.toJSON());
    const t1 = performance.now();
    if (!r.ok) throw new Error(`the site refused the sign-in: ${await r.text()}`);
    return { ms: t1 - t0, start: wall(t0), got: wall(tGot), end: wall(t1) };
  }, username);
}

/** The trace's marks as { ms (wall clock), who, label, id }. */
function readTrace(file) {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const [us, who, label, id] = l.split(" ");
      return { ms: Number(us) / 1000, who, label, id };
    });
}

/**
 * The hops of one sign-in, in ms, from the marks between its start and end: the ceremony is
 * the relayed request that waited longest between reaching the app and its reply.
 */
function hops(marks, run) {
  const m = marks.filter((x) => x.ms >= run.start - 1 && x.ms <= run.end + 1);
  const byId = new Map();
  for (const x of m.filter((x) => x.who === "host" && x.id !== "-")) {
    if (!byId.has(x.id)) byId.set(x.id, {});
    byId.get(x.id)[x.label] = x.ms;
  }
  let c = null;
  for (const v of byId.values()) {
    if (v["app-connected"] && v["app-replied"] && (!c || v["app-replied"] - v["app-connected"] > c["app-replied"] - c["app-connected"])) c = v;
  }
  if (!c || !c["request-read"] || !run.painted || !run.clicked) return null;
  const started = m.find((x) => x.label === "host-started" && x.ms <= c["request-read"]);
  const checkStart = m.find((x) => x.label === "os-check-start" && x.ms >= run.clicked);
  const checkEnd = m.find((x) => x.label === "os-check-end" && x.ms >= run.clicked);
  const afterCheck = checkEnd ? checkEnd.ms : run.clicked;
  return {
    "extension (page → host, without the host's start)": c["request-read"] - run.start - (started ? c["request-read"] - started.ms : 0),
    "native host start (0 when reused)": started ? c["request-read"] - started.ms : 0,
    "socket (host → app connected)": c["app-connected"] - c["request-read"],
    "app → prompt painted": run.painted - c["app-connected"],
    "prompt on screen until the click": run.clicked - run.painted,
    "click → OS check starts": checkStart ? checkStart.ms - run.clicked : 0,
    "OS check": checkStart && checkEnd ? checkEnd.ms - checkStart.ms : 0,
    "signing, vault and the socket back": c["app-replied"] - afterCheck,
    "host → page (extension back)": run.got - c["app-replied"],
    "page → site verifies": run.end - run.got,
  };
}

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return { median: at(0.5), p90: at(0.9), min: s[0], max: s[s.length - 1] };
}

const fmt = (ms) => `${ms.toFixed(0)} ms`;

const vault = freshVault();
const traceFile = path.join(vault.root, "bench-trace");
vault.env.LATCHKEY_BENCH_TRACE = traceFile;
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
  const runs = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    let clicked = 0;
    let clickedWall = 0;
    let painted = null;
    const [run] = await Promise.all([
      timedSignIn(page, "bench").then((v) => {
        afterClick.push(performance.now() - clicked);
        return v;
      }),
      (async () => {
        await app.prompt();
        painted = await app.d.execute(
          "const m = performance.getEntriesByType('mark').filter((e) => e.name.startsWith('prompt-painted:'));" +
            "return m.length ? performance.timeOrigin + m[m.length - 1].startTime : null;",
        );
        clickedWall = Date.now();
        await app.press("approve-button");
        clicked = performance.now();
        untilShown.push(app.shownAt - t0);
      })(),
    ]);
    latchkey.push(run.ms);
    runs.push({ ...run, painted, clicked: clickedWall });
    // Let the prompt settle back to idle before the next request.
    await new Promise((r) => setTimeout(r, 200));
  }

  // Through the browser's own WebAuthn (DevTools virtual authenticator), same demo page.
  plain = await launchChromium({ extension: false });
  const vpage = await plain.context.newPage();
  // Settled on the home page first: the account page's own redirect would cut the sign-up's
  // navigation short ("interrupted by another navigation").
  await openSignedOut(vpage, site);
  await virtualAuthenticator(plain.context, vpage);
  await startSignUp(vpage, site, "bench-va");
  await signedInAs(vpage, "bench-va");
  const virtual = [];
  for (let i = 0; i < N; i++) virtual.push((await timedSignIn(vpage, "bench-va")).ms);

  const a = stats(latchkey);
  const b = stats(virtual);
  console.log(`navigator.credentials.get() → verified sign-in, ${N} runs each (Chromium ${withExt.context.browser()?.version() ?? ""})`);
  console.log(`  Latchkey (extension → host → app, approval clicked at once): median ${fmt(a.median)}, p90 ${fmt(a.p90)} (min ${fmt(a.min)}, max ${fmt(a.max)})`);
  console.log(`  DevTools virtual authenticator (browser's own WebAuthn):     median ${fmt(b.median)}, p90 ${fmt(b.p90)} (min ${fmt(b.min)}, max ${fmt(b.max)})`);
  console.log(`  of which (driver's clock): until the prompt shows median ${fmt(stats(untilShown).median)}; the prompt takes clicks ${ARM_DELAY_MS} ms after it shows (ui/src/lib/prompt.ts ARM_DELAY_MS); from the click to the verified sign-in median ${fmt(stats(afterClick).median)}`);
  console.log(`  ratio Latchkey / virtual: median ${(a.median / b.median).toFixed(1)}×, p90 ${(a.p90 / b.p90).toFixed(1)}×`);
  // The share of each hop (medians over the runs; the first run starts the host and makes the
  // prompt window, the others reuse both).
  const marks = readTrace(traceFile);
  const perRun = runs.map((r) => hops(marks, r)).filter(Boolean);
  if (perRun.length) {
    const total = stats(latchkey).median;
    console.log(`  hops of Latchkey's path (median of ${perRun.length} runs; share of the median ${fmt(total)}; first run apart):`);
    for (const name of Object.keys(perRun[0])) {
      const med = stats(perRun.map((h) => h[name])).median;
      console.log(`    ${name.padEnd(52)} ${med.toFixed(1).padStart(7)} ms ${((100 * med) / total).toFixed(1).padStart(5)}%   first run ${perRun[0][name].toFixed(1)} ms`);
    }
  } else {
    console.log("  hops: no timing marks were written (is LATCHKEY_BENCH_TRACE reaching the host and the app?)");
  }
} finally {
  await withExt?.close();
  await plain?.close();
  await app?.quit();
  site.stop();
  vault.cleanup();
}
