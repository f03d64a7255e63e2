// Debian's Chromium driven by playwright-core (never a downloaded browser), with the unpacked
// extension loaded and a profile directory of its own (where `latchkey browser install
// --user-data-dir` puts the native host manifest).
import fs from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";
import { REPO, scratch } from "./latchkey.js";

export const CHROMIUM = process.env.LATCHKEY_CHROMIUM || "/usr/bin/chromium";
export const EXTENSION_DIR = path.join(REPO, "extension/dist/chromium");
export const EXTENSION_ID = "lhfkhicehafdiagdfefmgeeaigbifelp";

/**
 * A fresh profile directory and a persistent context on it. `env` reaches the browser and so
 * the native host it starts (LATCHKEY_DATA_DIR). `beforeLaunch(userDataDir)` runs first (to
 * install the host manifest there).
 */
export async function launchChromium({ env = {}, extension = true, beforeLaunch } = {}) {
  const userDataDir = scratch("chromium");
  if (beforeLaunch) await beforeLaunch(userDataDir);
  if (extension && !fs.existsSync(path.join(EXTENSION_DIR, "manifest.json"))) {
    throw new Error(`${EXTENSION_DIR} is not built; run npm --prefix extension ci && npm --prefix extension run build`);
  }
  const args = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--password-store=basic",
  ];
  if (extension) args.push(`--load-extension=${EXTENSION_DIR}`, `--disable-extensions-except=${EXTENSION_DIR}`);
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: false,
    args,
    env: { ...process.env, ...env },
    viewport: { width: 1000, height: 700 },
  });
  return {
    context,
    userDataDir,
    async close() {
      await context.close().catch(() => {});
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
    /** The extension's service worker (MV3 background). */
    async serviceWorker() {
      const find = () => context.serviceWorkers().find((w) => w.url().startsWith(`chrome-extension://${EXTENSION_ID}/`));
      return find() || (await context.waitForEvent("serviceworker", { predicate: (w) => w.url().startsWith(`chrome-extension://${EXTENSION_ID}/`) }));
    },
  };
}

/**
 * Chromium's DevTools virtual authenticator on `page`: it answers only calls that reach the
 * browser's own WebAuthn, so a credential it records proves the call went to the browser.
 */
export async function virtualAuthenticator(context, page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable", { enableUI: false });
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      ctap2Version: "ctap2_1",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    cdp,
    authenticatorId,
    async credentials() {
      return (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials;
    },
    async remove() {
      await cdp.send("WebAuthn.removeVirtualAuthenticator", { authenticatorId }).catch(() => {});
    },
  };
}
