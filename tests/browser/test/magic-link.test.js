// Sign-in links end to end: Debian's Chromium with the extension and the native host, the real
// app under tauri-driver, and the demo site writing its mail to an outbox folder. The person's
// passkey for the site is on another device (the browser's virtual authenticator, removed as if
// the phone were lost); they ask for a link, hand it to Latchkey the way a desktop does
// (`xdg-open latchkey://open?url=…`), Latchkey checks it and opens it in the browser (its
// opener's xdg-open reaches the test's Chromium), the site signs them in, and Latchkey makes a
// passkey on this PC so the next sign-in needs no link.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { launchChromium, virtualAuthenticator } from "../lib/chromium.js";
import { linkInMail, openSignedOut, outboxMessages, requestLink, signOut, signedInAs, startSignInAs, startSignUp, waitForMail } from "../lib/demo.js";
import { App, SCREENSHOTS, bin, cli, freshVault, installHost, scratch, socketPath, startDemoSite } from "../lib/latchkey.js";
import { waitFor } from "../lib/webdriver.js";
import { Desktop, deepLink } from "../lib/xdg.js";

const EMAIL = "alice@example.test";
/** A second site the person has a passkey for (made by the CLI), for the lookalike check. */
const BANK = "bank.example";

describe("Sign-in links: Chromium, the app and the demo site's mail", () => {
  let vault, desktop, outbox, site, app, browser, page, link;
  const times = {};

  /** Pages the test opened itself; any other page is one the browser was asked to open. */
  const ours = new Set();
  const opened = () => browser.context.pages().filter((p) => !ours.has(p));

  before(async () => {
    vault = freshVault();
    desktop = new Desktop(vault.root);
    outbox = scratch("outbox");
    // A passkey for another site, made before the app runs (the CLI alone; polkit says yes to
    // root): Latchkey's known sites then hold bank.example, which a lookalike link imitates.
    const made = cli(["webauthn", "create", "--origin", `https://${BANK}`, "--yes"], {
      env: vault.env,
      input: JSON.stringify({
        challenge: "Y2hhbGxlbmdlLWNoYWxsZW5nZQ",
        rp: { id: BANK, name: "Bank" },
        user: { id: "dXNlcg", name: "alice", displayName: "Alice" },
        pubKeyCredParams: [{ type: "public-key", alg: -7 }],
        authenticatorSelection: { residentKey: "required", userVerification: "required" },
      }),
    });
    assert.equal(made.code, 0, `latchkey webauthn create: ${made.stderr}`);
    site = await startDemoSite({ args: ["--outbox", outbox] });
    app = await App.start(vault, { env: desktop.env });
    browser = await launchChromium({
      env: { ...vault.env, ...desktop.env },
      beforeLaunch: (dir) => {
        installHost("chromium", { userDataDir: dir });
        desktop.defaultBrowser(dir);
      },
    });
    for (const p of browser.context.pages()) ours.add(p);
    page = await newPage();
  });

  after(async () => {
    await browser?.close();
    await app?.quit();
    site?.stop();
    vault?.cleanup();
    if (outbox) fs.rmSync(outbox, { recursive: true, force: true });
    if (Object.keys(times).length) console.log(`sign-in link timings (ms): ${JSON.stringify(times)}`);
  });

  /** A page playwright opens for the test (not counted as one the browser opened). */
  async function newPage() {
    const p = await browser.context.newPage();
    ours.add(p);
    return p;
  }

  /** The Sign-in link view after a deep link or a paste: its verdict and reasons. */
  async function linkVerdict(ms = 15000) {
    await app.d.switchTo(app.main);
    const el = await waitFor("the Sign-in link view's verdict", async () => (await app.d.findAll('[data-testid="link-verdict"]'))[0], ms);
    const verdict = await waitFor("a verdict", async () => (await app.d.attribute(el, "data-verdict")) || null, ms);
    const reasons = (await app.d.findAll('[data-testid="link-reasons"]'))[0];
    return { verdict, reasons: reasons ? await app.d.text(reasons) : "", text: await app.d.text(el) };
  }

  /** Hands `url` to Latchkey as a desktop does, through the latchkey:// handler. */
  function handToLatchkey(url) {
    const r = desktop.open(deepLink(url));
    assert.equal(r.code, 0, `xdg-open ${deepLink(url)}: ${r.stderr}`);
    return r.ms;
  }

  it("the app registers latchkey:// at start: xdg-mime names its .desktop file", async () => {
    const entry = await waitFor(
      "the app's x-scheme-handler/latchkey registration",
      () => desktop.handlerFile("x-scheme-handler/latchkey"),
      15000,
    );
    assert.match(entry, /MimeType=.*x-scheme-handler\/latchkey/, entry);
    assert.ok(entry.includes(bin("latchkey-app")), `Exec runs the app binary: ${entry}`);
  });

  it("a person whose passkey is on another device asks for a link; the mail lands in the outbox", async () => {
    // The account is made on "the phone": the browser's own authenticator, with Latchkey
    // switched off for the site, then the phone is lost (the authenticator removed).
    const sw = await browser.serviceWorker();
    await sw.evaluate((origin) => chrome.storage.local.set({ disabledOrigins: [origin] }), site.url);
    try {
      const phone = await newPage();
      await openSignedOut(phone, site);
      const va = await virtualAuthenticator(browser.context, phone);
      await startSignUp(phone, site, "alice", EMAIL);
      await signedInAs(phone, "alice");
      assert.equal((await va.credentials()).length, 1, "the passkey is on the other device");
      // Signed out from the account page: the home page's conditional request would be
      // answered at once by the virtual authenticator, signing in again.
      await va.remove();
      await phone.evaluate(() => fetch("/api/logout", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" }));
      await phone.close();
    } finally {
      await sw.evaluate(() => chrome.storage.local.set({ disabledOrigins: [] }));
    }
    // On this PC: "No passkey on this device? Email me a sign-in link."
    const before = outboxMessages(outbox).length;
    const t0 = performance.now();
    await requestLink(page, site, EMAIL);
    const mail = linkInMail(await waitForMail(outbox, before));
    times.mail = Math.round(performance.now() - t0);
    assert.ok(mail.link, `a sign-in link in the mail: ${mail.raw.slice(0, 2000)}`);
    assert.ok(mail.link.startsWith(`${site.url}/link/`), `the link is on the site's own origin: ${mail.link}`);
    assert.match(mail.to ?? "", /alice@example\.test/);
    link = mail.link;
  });

  it("xdg-open latchkey://open?url=… shows the link checked in the app; nothing opens by itself", async () => {
    assert.ok(link, "the previous test got a link");
    const t0 = performance.now();
    times.xdgOpenLatchkey = handToLatchkey(link);
    const v = await linkVerdict();
    times.deepLinkToVerdict = Math.round(performance.now() - t0);
    // Latchkey has no passkey for localhost and approved nothing there (a page that only asked
    // must not make a site trusted): a neutral warning, and Open waits for a confirmation.
    assert.equal(v.verdict, "unknown-site", JSON.stringify(v));
    assert.ok(v.reasons.length > 0, "the view gives reasons");
    const open = await app.d.byTestId("link-open-button");
    assert.notEqual(await app.d.attribute(open, "disabled"), null, "Open waits for the person's confirmation");
    await app.screenshot("link-view-unknown-site.png");
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(opened().length, 0, "the deep link alone opened nothing in the browser");
  });

  it("Open puts the link in the browser; the person confirms on the site's page and is signed in", async () => {
    const t0 = performance.now();
    const tab = browser.context.waitForEvent("page", { predicate: (p) => !ours.has(p), timeout: 20000 });
    await app.d.click(await app.d.byTestId("link-confirm-unknown"));
    await app.d.click(await app.d.byTestId("link-open-button"));
    const p = await tab;
    ours.add(p);
    await p.waitForLoadState();
    times.openToTab = Math.round(performance.now() - t0);
    await app.d.byTestId("link-opened");
    assert.equal(p.url(), link, "the browser shows exactly the link that was checked");
    // Opening spent nothing: the site asks first, and this is the browser that asked for it.
    await p.waitForSelector("#link-confirm");
    assert.match(await p.textContent("h1"), /Sign in to .* as alice\?/);
    assert.equal(await p.locator("#link-confirm-other-browser").count(), 0, "the same browser needs no extra confirmation");
    await p.screenshot({ path: path.join(SCREENSHOTS, "link-confirm-site.png") });
    await p.click("#link-confirm");
    const me = await signedInAs(p, "alice");
    assert.equal(me.passkeys.length, 1, "only the lost device's passkey so far");
    assert.equal(await p.isVisible("#link-offer"), true, "the account page offers a passkey on this device");
    page = p;
  });

  it("the site offers a passkey; Latchkey creates it and the prompt shows the replace-the-link mark", async () => {
    const before = vault.list().length;
    await page.click("#add-passkey");
    await app.prompt();
    const mark = (await app.d.findAll('[data-testid="prompt-replaces-link"]'))[0];
    assert.ok(mark, "the create prompt carries the sign-in link mark");
    assert.match(await app.d.text(mark), /Replace the sign-in link with a passkey/i);
    await app.screenshot("prompt-replaces-link.png");
    await app.press("approve-button");
    await waitFor("the passkey in the vault", () => vault.list().length === before + 1, 20000);
    // Latchkey stores the passkey before the page has posted it to the site: wait for the site.
    let me;
    await waitFor("the site to list the new passkey", async () => {
      me = await page.evaluate(async () => (await fetch("/api/me")).json());
      return me.passkeys.length >= 2;
    }, 20000).catch(() => {});
    assert.equal(me.passkeys.length, 2, `the lost device's passkey and this PC's: ${JSON.stringify(me.passkeys)}`);
  });

  it("the next sign-in uses the new passkey with no link", async () => {
    const mails = outboxMessages(outbox).length;
    await signOut(page, site);
    await Promise.all([startSignInAs(page, site, "alice"), app.approve()]);
    await signedInAs(page, "alice");
    assert.equal(outboxMessages(outbox).length, mails, "no new mail");
  });

  it("the same link again: Latchkey says already used and opens nothing; the site refuses it too", async () => {
    const before = opened().length;
    handToLatchkey(link);
    const v = await waitFor("the already-used verdict", async () => {
      const r = await linkVerdict();
      return r.verdict === "already-used" ? r : null;
    }, 15000);
    assert.ok(v.reasons.length > 0, JSON.stringify(v));
    assert.equal((await app.d.findAll('[data-testid="link-open-button"]')).length, 0, "no Open for a used link");
    await app.screenshot("link-view-already-used.png");
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(opened().length, before, "nothing opened in the browser");
    // The site on its own (the link typed into the browser): the spent token is gone.
    const p = await newPage();
    await signOut(p, site);
    const res = await p.goto(link);
    assert.equal(res.status(), 410, `the site refuses the spent link: ${await p.textContent("body")}`);
    assert.equal(await p.locator("#link-gone").count(), 1);
    assert.equal(await p.locator("#link-confirm, #link-confirm-other-browser").count(), 0, "no button to sign in");
    const me = await p.evaluate(async () => (await fetch("/api/me")).status);
    assert.notEqual(me, 200, "nobody is signed in");
    await p.close();
  });

  it("a lookalike of a known site is stopped before the browser opens, unless overridden", async () => {
    const before = opened().length;
    const fake = `https://${BANK}.login-check.net/link/abcdefghijklmnop`;
    handToLatchkey(fake);
    const v = await waitFor("the lookalike verdict", async () => {
      const r = await linkVerdict();
      return r.verdict === "lookalike" ? r : null;
    }, 15000);
    assert.match(v.reasons, /bank\.example/, JSON.stringify(v));
    await app.screenshot("link-view-lookalike.png");
    // Open stays off until the explicit override; a confirmation (the CLI's --yes) is not one.
    const open = await app.d.byTestId("link-open-button");
    assert.notEqual(await app.d.attribute(open, "disabled"), null, "Open waits for the override");
    assert.equal((await app.d.findAll('[data-testid="link-override-lookalike"]')).length, 1, "the override is offered");
    const r = cli(["link", "open", fake, "--yes"], { env: vault.env });
    assert.equal(r.code, 3, `latchkey link open --yes of a lookalike: ${r.stdout}${r.stderr}`);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(opened().length, before, "no new tab for a lookalike");
  });

  it("latchkey link check --json on the running app: exit codes and verdicts; link open refuses a used link", async () => {
    const check = (url) => {
      const r = cli(["link", "check", url, "--json"], { env: vault.env });
      let json = null;
      try {
        json = JSON.parse(r.stdout);
      } catch {
        // Leave null; the assertion below shows the output.
      }
      return { code: r.code, json, stderr: r.stderr, stdout: r.stdout };
    };
    assert.ok(fs.existsSync(socketPath(vault.dataDir)), "the app's socket is there (the CLI goes through it)");
    const cases = [
      [`${site.url}/link/never-opened-token`, 0, "trusted", "localhost"],
      ["https://example.org/welcome", 6, "unknown-site", "example.org"],
      [link, 3, "already-used", "localhost"],
      [`https://${BANK}.login-check.net/x`, 3, "lookalike", "login-check.net"],
      ["javascript:alert(1)", 3, "refused", null],
      [`https://${BANK}@evil.example/`, 3, "refused", undefined],
    ];
    for (const [url, code, verdict, siteName] of cases) {
      const r = check(url);
      assert.equal(r.code, code, `${url}: ${r.stdout}${r.stderr}`);
      assert.equal(r.json?.verdict, verdict, `${url}: ${r.stdout}`);
      if (siteName !== undefined) assert.equal(r.json.site, siteName, `${url}: ${r.stdout}`);
      assert.ok(Array.isArray(r.json.reasons) && r.json.reasons.length > 0, `${url}: ${r.stdout}`);
    }
    // `link open --yes` confirms an unknown site, but a used link never opens.
    const before = opened().length;
    const again = cli(["link", "open", link, "--yes"], { env: vault.env });
    assert.equal(again.code, 3, `latchkey link open of the used link: ${again.stdout}${again.stderr}`);
    assert.match(again.stdout, /used/i, again.stdout);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(opened().length, before, "nothing opened in the browser");
  });
});
