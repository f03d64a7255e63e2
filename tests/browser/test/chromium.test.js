// Debian's Chromium with the built extension, the native host installed by `latchkey browser
// install --user-data-dir`, the real app under tauri-driver answering prompts, and the demo
// site's server verifying every response.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { launchChromium, virtualAuthenticator } from "../lib/chromium.js";
import { openSignedOut, pageError, signOut, signedInAs, startSignInAs, startSignInDiscoverable, startSignUp } from "../lib/demo.js";
import { App, SCREENSHOTS, appPids, freshVault, installHost, socketPath, startDemoSite } from "../lib/latchkey.js";
import { waitFor } from "../lib/webdriver.js";

const names = (vault) => vault.list().map((p) => p.userName ?? "");

describe("Chromium with Latchkey", () => {
  let vault, site, app, browser, page;

  before(async () => {
    vault = freshVault();
    site = await startDemoSite();
    app = await App.start(vault);
    browser = await launchChromium({
      env: vault.env,
      beforeLaunch: (dir) => installHost("chromium", { userDataDir: dir }),
    });
    page = await browser.context.newPage();
  });

  after(async () => {
    await browser?.close();
    await app?.quit();
    site?.stop();
    vault?.cleanup();
  });

  it("registers a passkey; the prompt names Chromium and the site", async () => {
    await startSignUp(page, site, "alice");
    const prompt = await app.prompt();
    assert.match(prompt.client ?? "", /Chromium/, `prompt-client: ${JSON.stringify(prompt)}`);
    assert.match(prompt.origin ?? "", /localhost/);
    await app.screenshot("browser-prompt-chromium.png");
    await app.press("approve-button");
    const me = await signedInAs(page, "alice");
    assert.equal(me.passkeys.length, 1);
    assert.deepEqual(names(vault).filter((n) => n.includes("alice")).length, 1, JSON.stringify(vault.list()));
  });

  it("signs in discoverably and by user name; the counter moves", async () => {
    await signOut(page, site);
    await Promise.all([startSignInDiscoverable(page, site), app.approve()]);
    const first = await signedInAs(page, "alice");
    await signOut(page, site);
    await Promise.all([startSignInAs(page, site, "alice"), app.approve()]);
    const second = await signedInAs(page, "alice");
    assert.ok(second.passkeys[0].counter > first.passkeys[0].counter, `counter ${first.passkeys[0].counter} → ${second.passkeys[0].counter}`);
    assert.ok(second.passkeys[0].lastUsed, "the sign-in was recorded");
  });

  it("keeps two accounts on one site and signs in as the one picked", async () => {
    await signOut(page, site);
    await Promise.all([startSignUp(page, site, "bob"), app.approve()]);
    await signedInAs(page, "bob");
    await signOut(page, site);
    await startSignInDiscoverable(page, site);
    await app.prompt();
    assert.equal((await app.d.findAll('[data-testid="prompt-account-option"]')).length, 2, "both accounts offered");
    await app.approveAs("alice");
    await signedInAs(page, "alice");
    await signOut(page, site);
    await Promise.all([startSignInDiscoverable(page, site), app.approveAs("bob")]);
    await signedInAs(page, "bob");
  });

  it("Deny gives the page NotAllowedError and stores nothing", async () => {
    await signOut(page, site);
    const before = vault.list().length;
    await Promise.all([startSignUp(page, site, "carol"), app.deny()]);
    const err = await pageError(page);
    assert.equal(err.name, "NotAllowedError", err.text);
    assert.equal(vault.list().length, before, "latchkey list is unchanged");
    assert.ok(!names(vault).some((n) => n.includes("carol")));
  });

  it("an excluded credential gives InvalidStateError", async () => {
    await signOut(page, site);
    await Promise.all([startSignInAs(page, site, "alice"), app.approve()]);
    await signedInAs(page, "alice");
    const before = vault.list().length;
    // Signed in, "Add another passkey" excludes the account's existing passkey (held here).
    await page.click("#add-passkey");
    await app.approve();
    const err = await pageError(page);
    assert.equal(err.name, "InvalidStateError", err.text);
    assert.equal(vault.list().length, before);
  });

  it("a page on another site asking for this site's RP ID gets SecurityError, with no prompt", async () => {
    const other = await browser.context.newPage();
    await other.goto(`${site.otherOrigin}/`);
    const names = await other.evaluate(async () => {
      const challenge = crypto.getRandomValues(new Uint8Array(32));
      const out = {};
      try {
        await navigator.credentials.create({
          publicKey: {
            rp: { id: "localhost", name: "x" },
            user: { id: new Uint8Array([1, 2, 3]), name: "mallory", displayName: "Mallory" },
            challenge,
            pubKeyCredParams: [{ type: "public-key", alg: -7 }],
          },
        });
        out.create = "resolved";
      } catch (e) {
        out.create = e.name;
      }
      try {
        await navigator.credentials.get({ publicKey: { rpId: "localhost", challenge } });
        out.get = "resolved";
      } catch (e) {
        out.get = e.name;
      }
      return out;
    });
    assert.deepEqual(names, { create: "SecurityError", get: "SecurityError" });
    assert.equal(await app.promptPending(), false, "no prompt for a refused origin");
    await other.close();
  });

  it("aborting mid-prompt gives the page AbortError and the prompt goes away", async () => {
    await page.goto(`${site.url}/account`);
    await page.evaluate(async () => {
      const r = await fetch("/api/login/start", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
      const { publicKey } = await r.json();
      window.__abort = new AbortController();
      window.__pending = navigator.credentials
        .get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(publicKey), signal: window.__abort.signal })
        .then(() => "resolved", (e) => e.name);
    });
    await app.prompt();
    const result = await page.evaluate(async () => {
      window.__abort.abort();
      return window.__pending;
    });
    assert.equal(result, "AbortError");
    await waitFor("the prompt to go away", async () => !(await app.promptPending()), 10000);
  });

  it("conditional UI: the autofill menu at the sign-in field offers the site's passkeys; a pick signs in", async () => {
    await signOut(page, site);
    await page.goto(`${site.url}/`);
    // The demo page starts a conditional request on load; focusing its webauthn field opens
    // Latchkey's menu (an extension-origin frame the page cannot read).
    await page.focus("#signin-username");
    const menu = page.frameLocator('[data-testid="latchkey-autofill-frame"]');
    const rows = menu.locator('[data-testid="autofill-account"]');
    await rows.first().waitFor({ timeout: 15000 });
    const labels = await rows.allInnerTexts();
    assert.ok(labels.some((l) => l.includes("alice")) && labels.some((l) => l.includes("bob")), labels.join(" | "));
    await page.screenshot({ path: path.join(SCREENSHOTS, "autofill-menu-chromium.png") });
    await rows.filter({ hasText: "bob" }).click();
    await app.approve();
    await signedInAs(page, "bob");
  });

  it("'Use another device or security key' hands the call to the browser's own WebAuthn", async () => {
    await signOut(page, site);
    const fresh = await browser.context.newPage();
    await openSignedOut(fresh, site);
    const va = await virtualAuthenticator(browser.context, fresh);
    await startSignUp(fresh, site, "hana");
    await app.prompt(20000, "another-device-button");
    await app.press("another-device-button");
    await signedInAs(fresh, "hana");
    assert.equal((await va.credentials()).length, 1, "the browser's authenticator made the passkey");
    assert.ok(!names(vault).includes("hana"), "Latchkey stored nothing");
    await va.remove();
    await fresh.close();
  });

  it("with the site switched off the browser's own WebAuthn answers and no prompt shows", async () => {
    await signOut(page, site);
    const sw = await browser.serviceWorker();
    await sw.evaluate((origin) => chrome.storage.local.set({ disabledOrigins: [origin] }), site.url);
    try {
      const fresh = await browser.context.newPage();
      await openSignedOut(fresh, site);
      const va = await virtualAuthenticator(browser.context, fresh);
      await startSignUp(fresh, site, "gina");
      await signedInAs(fresh, "gina");
      assert.equal((await va.credentials()).length, 1, "the browser's authenticator made the passkey");
      assert.equal(await app.promptPending(), false);
      assert.ok(!names(vault).includes("gina"), "Latchkey stored nothing");
      await va.remove();
      await fresh.close();
    } finally {
      await sw.evaluate(() => chrome.storage.local.set({ disabledOrigins: [] }));
    }
  });

  it("while Latchkey is locked the prompt offers Unlock, then the sign-in continues", async () => {
    await page.bringToFront();
    await signOut(page, site);
    await app.d.switchTo(app.main);
    await app.d.click(await app.d.byTestId("lock-button"));
    await app.d.byTestId("lock-screen");
    await startSignInAs(page, site, "alice");
    const prompt = await app.prompt(20000, "prompt-unlock-button");
    assert.match(prompt.client ?? "", /Chromium/, JSON.stringify(prompt));
    assert.ok(await app.d.findAll('[data-testid="another-device-button"]').then((b) => b.length === 1), "the locked prompt offers another device");
    await app.screenshot("browser-prompt-locked.png");
    await app.press("prompt-unlock-button");
    await app.approve();
    await signedInAs(page, "alice").catch(async (e) => {
      throw new Error(`${e.message}; the page says: ${await page.textContent("#status")}`);
    });
  });

  it("returns objects shaped like the browser's own, usable by the browser's JSON helpers", async () => {
    await signOut(page, site);
    const [created] = await Promise.all([
      page.evaluate(async () => {
        const post = (p, b) => fetch(p, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(b) });
        const { publicKey } = await (await post("/api/register/start", { username: "dave" })).json();
        const cred = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(publicKey) });
        const spki = cred.response.getPublicKey();
        const key = await crypto.subtle.importKey("spki", spki, { name: "ECDSA", namedCurve: "P-256" }, true, ["verify"]);
        const json = cred.toJSON();
        const finish = await post("/api/register/finish", json);
        const b64url = /^[A-Za-z0-9_-]+$/;
        return {
          isPKC: cred instanceof PublicKeyCredential,
          isAttestation: cred.response instanceof AuthenticatorAttestationResponse,
          type: cred.type,
          attachment: cred.authenticatorAttachment,
          idMatchesRaw: cred.id === json.rawId && cred.rawId instanceof ArrayBuffer,
          alg: cred.response.getPublicKeyAlgorithm(),
          keyType: key.type,
          transports: cred.response.getTransports(),
          authDataLen: cred.response.getAuthenticatorData().byteLength,
          ext: cred.getClientExtensionResults(),
          jsonB64url: [json.id, json.rawId, json.response.clientDataJSON, json.response.attestationObject, json.response.publicKey].every((s) => b64url.test(s)),
          jsonAttachment: json.authenticatorAttachment,
          finished: finish.status,
        };
      }),
      app.approve(),
    ]);
    assert.deepEqual(
      { ...created, authDataLen: created.authDataLen > 37, transports: Array.isArray(created.transports) },
      {
        isPKC: true,
        isAttestation: true,
        type: "public-key",
        attachment: "platform",
        idMatchesRaw: true,
        alg: -7,
        keyType: "public",
        transports: true,
        authDataLen: true,
        ext: created.ext,
        jsonB64url: true,
        jsonAttachment: "platform",
        finished: 200,
      },
    );
    assert.equal(created.ext?.credProps?.rk, true, JSON.stringify(created.ext));

    await signOut(page, site);
    const [got] = await Promise.all([
      page.evaluate(async () => {
        const post = (p, b) => fetch(p, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(b) });
        const { publicKey } = await (await post("/api/login/start", { username: "dave" })).json();
        const cred = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(publicKey) });
        const json = cred.toJSON();
        const finish = await post("/api/login/finish", json);
        return {
          isPKC: cred instanceof PublicKeyCredential,
          isAssertion: cred.response instanceof AuthenticatorAssertionResponse,
          sigIsBuffer: cred.response.signature instanceof ArrayBuffer,
          userHandle: cred.response.userHandle instanceof ArrayBuffer,
          jsonKeys: Object.keys(json.response).sort(),
          finished: finish.status,
        };
      }),
      app.approve(),
    ]);
    assert.deepEqual(got, {
      isPKC: true,
      isAssertion: true,
      sigIsBuffer: true,
      userHandle: true,
      jsonKeys: ["authenticatorData", "clientDataJSON", "signature", "userHandle"],
      finished: 200,
    });
  });
});

describe("Chromium without Latchkey's host (not installed)", () => {
  let site, browser;

  before(async () => {
    site = await startDemoSite();
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    site?.stop();
  });

  it("the browser's own WebAuthn answers: the virtual authenticator holds the passkey", async () => {
    const page = await browser.context.newPage();
    await page.goto(`${site.url}/`);
    const va = await virtualAuthenticator(browser.context, page);
    await startSignUp(page, site, "erin");
    await signedInAs(page, "erin");
    assert.equal((await va.credentials()).length, 1, "the credential went to the browser's authenticator");
    await va.remove();
  });
});

describe("Chromium when the app is not running", () => {
  let vault, site, browser;

  before(async () => {
    vault = freshVault();
    site = await startDemoSite();
    browser = await launchChromium({
      env: { ...vault.env, XDG_CONFIG_HOME: path.join(vault.root, "config") },
      beforeLaunch: (dir) => installHost("chromium", { userDataDir: dir }),
    });
  });

  after(async () => {
    await browser?.close();
    for (const pid of appPids(vault.dataDir)) process.kill(pid, "SIGTERM");
    await waitFor("the started app to quit", () => appPids(vault.dataDir).length === 0, 10000).catch(() => {
      for (const pid of appPids(vault.dataDir)) process.kill(pid, "SIGKILL");
    });
    site?.stop();
    vault?.cleanup();
  });

  it("the host starts the app for the page's request", async () => {
    assert.deepEqual(appPids(vault.dataDir), [], "no app before the request");
    const page = await browser.context.newPage();
    await startSignUp(page, site, "frank");
    const pids = await waitFor("the host to start latchkey-app", () => {
      const p = appPids(vault.dataDir);
      return p.length ? p : null;
    }, 20000);
    assert.equal(pids.length, 1);
    const sock = socketPath(vault.dataDir);
    await waitFor(`the started app's socket ${sock}`, () => fs.existsSync(sock) && fs.statSync(sock).isSocket(), 15000);
  });
});

