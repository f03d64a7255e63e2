// Debian's Firefox ESR (geckodriver) with the built extension as a temporary add-on, the host
// installed by `latchkey browser install --browser firefox` under the test's own HOME, the
// real app under tauri-driver and the demo site's server verifying every response.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { launchFirefox } from "../lib/firefox.js";
import { App, freshVault, installHost, startDemoSite } from "../lib/latchkey.js";

describe("Firefox with Latchkey", () => {
  let vault, site, app, ff;

  before(async () => {
    vault = freshVault();
    site = await startDemoSite();
    app = await App.start(vault);
    ff = await launchFirefox({ env: vault.env, beforeLaunch: (home) => installHost("firefox", { home }) });
  });

  after(async () => {
    await ff?.close();
    await app?.quit();
    site?.stop();
    vault?.cleanup();
  });

  it("registers a passkey; the prompt names Firefox and the site", async () => {
    await ff.startSignUp(site, "alice");
    const prompt = await app.prompt();
    assert.match(prompt.client ?? "", /Firefox/, JSON.stringify(prompt));
    assert.match(prompt.origin ?? "", /localhost/);
    await app.screenshot("browser-prompt-firefox.png");
    await app.press("approve-button");
    const me = await ff.signedInAs("alice");
    assert.equal(me.passkeys.length, 1);
    assert.equal(vault.list().filter((p) => p.userName === "alice").length, 1);
  });

  it("signs in discoverably and by user name; the counter moves", async () => {
    await ff.signOut(site);
    await Promise.all([ff.startSignInDiscoverable(site), app.approve()]);
    const first = await ff.signedInAs("alice");
    await ff.signOut(site);
    await Promise.all([ff.startSignInAs(site, "alice"), app.approve()]);
    const second = await ff.signedInAs("alice");
    assert.ok(second.passkeys[0].counter > first.passkeys[0].counter);
  });

  it("Deny gives the page NotAllowedError and stores nothing", async () => {
    await ff.signOut(site);
    const before = vault.list().length;
    await Promise.all([ff.startSignUp(site, "carol"), app.deny()]);
    const err = await ff.pageError();
    assert.equal(err.name, "NotAllowedError", err.text);
    assert.equal(vault.list().length, before);
  });
});

describe("Firefox without Latchkey's host (not installed)", () => {
  let site, ff;

  before(async () => {
    site = await startDemoSite();
    ff = await launchFirefox();
  });

  after(async () => {
    await ff?.close();
    site?.stop();
  });

  it("the browser's own WebAuthn answers: the virtual authenticator holds the passkey", async () => {
    await ff.d.navigate(`${site.url}/`);
    const va = await ff.virtualAuthenticator();
    await ff.startSignUp(site, "erin");
    await ff.signedInAs("erin");
    assert.equal((await va.credentials()).length, 1);
  });
});
