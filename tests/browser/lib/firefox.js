// Debian's Firefox ESR through geckodriver (plain W3C WebDriver over HTTP), the extension
// installed as a temporary add-on. Firefox reads native host manifests only from
// $HOME/.mozilla/native-messaging-hosts/, and geckodriver passes its own environment to
// Firefox (moz:firefoxOptions.env is Android-only), so HOME and LATCHKEY_DATA_DIR are set on
// geckodriver.
import fs from "node:fs";
import path from "node:path";
import { REPO, scratch } from "./latchkey.js";
import { WebDriver, waitFor } from "./webdriver.js";

export const FIREFOX = process.env.LATCHKEY_FIREFOX || "/usr/bin/firefox-esr";
export const FIREFOX_EXTENSION_DIR = path.join(REPO, "extension/dist/firefox");

/**
 * A Firefox session with HOME in a fresh directory. `beforeLaunch(home)` runs first (to
 * install the host manifest under it).
 */
export async function launchFirefox({ env = {}, extension = true, beforeLaunch } = {}) {
  const home = scratch("firefox");
  if (beforeLaunch) await beforeLaunch(home);
  const d = await WebDriver.start({
    command: process.env.LATCHKEY_GECKODRIVER || "geckodriver",
    args: (port) => ["--port", String(port)],
    env: { ...process.env, ...env, HOME: home, TMPDIR: home },
    capabilities: {
      browserName: "firefox",
      "moz:firefoxOptions": {
        binary: FIREFOX,
        args: ["-headless"],
        // Firefox's own WebAuthn answers only through its soft token (the WebDriver virtual
        // authenticator) with these; without them every ceremony ends in NotAllowedError.
        prefs: {
          "security.webauth.webauthn_enable_softtoken": true,
          "security.webauth.webauthn_enable_usbtoken": false,
        },
      },
    },
  });
  if (extension) {
    if (!fs.existsSync(path.join(FIREFOX_EXTENSION_DIR, "manifest.json"))) {
      await d.quit();
      throw new Error(`${FIREFOX_EXTENSION_DIR} is not built; run npm --prefix extension run build`);
    }
    await d.post("/moz/addon/install", { path: FIREFOX_EXTENSION_DIR, temporary: true });
  }
  return new FirefoxPage(d, home);
}

/** The demo site's pages in Firefox, with the same steps as lib/demo.js. */
export class FirefoxPage {
  constructor(driver, home) {
    this.d = driver;
    this.home = home;
  }

  async close() {
    await this.d.quit();
    fs.rmSync(this.home, { recursive: true, force: true });
  }

  async fill(css, text) {
    const e = await this.d.wait(css);
    await this.d.post(`/element/${e}/clear`);
    await this.d.post(`/element/${e}/value`, { text });
  }

  async click(css) {
    await this.d.click(await this.d.wait(css));
  }

  async startSignUp(site, name) {
    await this.d.navigate(`${site.url}/`);
    await this.fill("#signup-username", name);
    await this.click("#signup-form button[type=submit]");
  }

  async startSignInAs(site, name) {
    await this.d.navigate(`${site.url}/`);
    await this.fill("#signin-username", name);
    await this.click("#signin-form button[type=submit]");
  }

  async startSignInDiscoverable(site) {
    await this.d.navigate(`${site.url}/`);
    await this.click("#signin-discoverable");
  }

  async signOut(site) {
    await this.d.navigate(`${site.url}/`);
    await this.d.executeAsync(
      "const done = arguments[0]; fetch('/api/logout', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{}'}).then(() => done(true), () => done(false));",
    );
  }

  async signedInAs(name, ms = 30000) {
    await waitFor(`${name} signed in`, async () => {
      const url = await this.d.get("/url");
      if (!url.endsWith("/account")) return false;
      return (await this.d.execute("const w = document.getElementById('who'); return w && w.textContent;")) === name;
    }, ms, 200);
    return this.d.executeAsync("const done = arguments[0]; fetch('/api/me').then(r => r.json()).then(done, e => done(String(e)));");
  }

  async pageError(ms = 30000) {
    return waitFor("an error on the page", async () => {
      const v = await this.d.execute(
        "const s = document.getElementById('status'); return s && s.dataset.errorName ? {name: s.dataset.errorName, text: s.textContent} : null;",
      );
      return v;
    }, ms, 200);
  }

  /** The WebDriver virtual authenticator (Firefox's own WebAuthn soft token). */
  async virtualAuthenticator() {
    const id = await this.d.post("/webauthn/authenticator", {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserConsenting: true,
      isUserVerified: true,
    });
    return {
      credentials: async () => this.d.get(`/webauthn/authenticator/${id}/credentials`),
    };
  }
}
