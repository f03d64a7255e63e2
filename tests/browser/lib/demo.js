// Driving the demo site's own pages in Chromium (playwright): the same buttons a person uses,
// so the site's @simplewebauthn/browser code makes every WebAuthn call and its server verifies
// every response.
import fs from "node:fs";
import path from "node:path";

/**
 * Opens the site in `page` while signed out and waits until it settles on the home page: the
 * account page sends a signed-out visitor home by itself, and a navigation started before that
 * redirect lands would be cut short by it.
 */
export async function openSignedOut(page, site) {
  await page.goto(`${site.url}/account`);
  await page.waitForURL(`${site.url}/`);
  await page.waitForLoadState("load");
}

/**
 * Signs up `name` on the home page (the ceremony then waits for whoever answers it). New
 * accounts give an email address (for sign-in links): `email`, else name@example.test.
 */
export async function startSignUp(page, site, name, email = `${name}@example.test`) {
  await page.goto(`${site.url}/`);
  await page.fill("#signup-username", name);
  if (await page.locator("#signup-email").count()) await page.fill("#signup-email", email);
  await page.click("#signup-form button[type=submit]");
}

export async function startSignInDiscoverable(page, site) {
  await page.goto(`${site.url}/`);
  await page.click("#signin-discoverable");
}

export async function startSignInAs(page, site, name) {
  await page.goto(`${site.url}/`);
  await page.fill("#signin-username", name);
  await page.click("#signin-form button[type=submit]");
}

/** Waits until the account page shows `name` signed in; returns /api/me (passkeys, counters). */
export async function signedInAs(page, name, timeout = 30000) {
  await page.waitForURL("**/account", { timeout });
  await page.waitForFunction((n) => document.getElementById("who").textContent === n, name, { timeout });
  return page.evaluate(async () => (await fetch("/api/me")).json());
}

/** Waits for the page's status line to show an error; returns its DOMException name and text. */
export async function pageError(page, timeout = 30000) {
  const h = await page.waitForFunction(
    () => {
      const s = document.getElementById("status");
      return s && s.dataset.errorName ? { name: s.dataset.errorName, text: s.textContent } : null;
    },
    null,
    { timeout },
  );
  return h.jsonValue();
}

export async function signOut(page, site) {
  await page.goto(`${site.url}/`);
  await page.evaluate(() => fetch("/api/logout", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" }));
}

/** Asks the sign-in page for a sign-in link to `email` ("No passkey on this device?"). */
export async function requestLink(page, site, email) {
  await page.goto(`${site.url}/`);
  await page.fill("#link-email", email);
  await page.click("#link-send");
}

/** The .eml files in the demo site's outbox, oldest first. */
export function outboxMessages(outbox) {
  if (!fs.existsSync(outbox)) return [];
  return fs
    .readdirSync(outbox)
    .filter((f) => f.endsWith(".eml"))
    .map((f) => path.join(outbox, f))
    .sort((a, b) => fs.statSync(a).mtimeMs - fs.statSync(b).mtimeMs || a.localeCompare(b));
}

/**
 * The sign-in link in one .eml message (its body may be quoted-printable: soft line breaks are
 * joined and =XX decoded first), with the message's To header.
 */
export function linkInMail(file) {
  const raw = fs.readFileSync(file, "utf8");
  const body = raw
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
  const link = /https?:\/\/[^\s"'<>]+\/link\/[A-Za-z0-9_-]+/.exec(body);
  const to = /^To:\s*(.+)$/im.exec(raw);
  return { link: link ? link[0] : null, to: to ? to[1].trim() : null, raw };
}

/** Waits for a new .eml (more than `before` files) in `outbox`; returns its path. */
export async function waitForMail(outbox, before, timeout = 15000) {
  const until = Date.now() + timeout;
  for (;;) {
    const all = outboxMessages(outbox);
    if (all.length > before) return all[all.length - 1];
    if (Date.now() > until) throw new Error(`no new .eml in ${outbox} within ${timeout} ms (${all.length} there)`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
