// Driving the demo site's own pages in Chromium (playwright): the same buttons a person uses,
// so the site's @simplewebauthn/browser code makes every WebAuthn call and its server verifies
// every response.

/** Signs up `name` on the home page (the ceremony then waits for whoever answers it). */
export async function startSignUp(page, site, name) {
  await page.goto(`${site.url}/`);
  await page.fill("#signup-username", name);
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
