// The demo site's front end: @simplewebauthn/browser turns the server's options into
// navigator.credentials calls and the results back into JSON the server verifies.
"use strict";

const { startRegistration, startAuthentication, browserSupportsWebAuthnAutofill } =
  window.SimpleWebAuthnBrowser;

const $ = (id) => document.getElementById(id);

// Errors carry the DOMException's name (NotAllowedError, InvalidStateError, SecurityError…) in
// the text and in data-error-name, so people and tests can tell the outcomes apart.
function status(text, error = null) {
  const el = $("status");
  el.textContent = text;
  el.className = error ? "error" : "";
  el.dataset.errorName = error ? error.name || "Error" : "";
}

function fail(e) {
  status(explain(e), e || new Error("unknown error"));
}

async function api(path, body) {
  const res = await fetch(path, {
    method: body === undefined ? "GET" : "POST",
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.error || `the server answered ${res.status}`);
  return data;
}

function explain(e) {
  const name = (e && e.name) || "Error";
  if (name === "NotAllowedError") return `${name}: cancelled, or no passkey was chosen.`;
  if (name === "InvalidStateError") return `${name}: this authenticator already holds a passkey for this account.`;
  return `${name}: ${(e && e.message) || String(e)}`;
}

async function register(username, email = null) {
  const options = await api("/api/register/start", email ? { username, email } : { username });
  const response = await startRegistration({ optionsJSON: options.publicKey });
  await api("/api/register/finish", response);
}

async function signIn(username, useBrowserAutofill = false) {
  const options = await api("/api/login/start", username ? { username } : {});
  const response = await startAuthentication({ optionsJSON: options.publicKey, useBrowserAutofill });
  await api("/api/login/finish", response);
  location.assign("/account");
}

function home() {
  $("signin-discoverable").addEventListener("click", () => {
    status("Waiting for your passkey…");
    signIn(null).catch(fail);
  });
  $("signin-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    status("Waiting for your passkey…");
    signIn($("signin-username").value.trim()).catch(fail);
  });
  $("signup-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    status("Creating your passkey…");
    register($("signup-username").value.trim(), $("signup-email").value.trim())
      .then(() => location.assign("/account"))
      .catch(fail);
  });
  $("link-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    status("Sending…");
    api("/api/link/request", { email: $("link-email").value.trim() })
      .then((r) => status(r.message))
      .catch(fail);
  });
  // Conditional UI: passkeys offered in the user name field's autofill.
  browserSupportsWebAuthnAutofill().then((ok) => {
    if (ok) signIn(null, true).catch(() => {});
  });
}

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
}

async function account() {
  let me;
  try {
    me = await api("/api/me");
  } catch {
    location.assign("/");
    return;
  }
  $("who").textContent = me.username;
  // Signed in by link: the passkey on this device is the next step, so it stands out.
  $("link-offer").hidden = !me.signedInByLink;
  $("add-passkey").classList.toggle("highlight", !!me.signedInByLink);
  const body = $("passkeys");
  body.replaceChildren();
  for (const p of me.passkeys) {
    const tr = document.createElement("tr");
    const id = cell(p.id.length > 16 ? `${p.id.slice(0, 16)}…` : p.id);
    id.title = p.id;
    tr.append(id, cell(p.created), cell(p.lastUsed || "never"), cell(String(p.counter)));
    body.append(tr);
  }
}

function accountPage() {
  account();
  $("add-passkey").addEventListener("click", () => {
    status("Creating another passkey…");
    register(null)
      .then(() => { status("Added: next time, sign in with this passkey."); return account(); })
      .catch(fail);
  });
  $("signout").addEventListener("click", () => {
    api("/api/logout", {}).then(() => location.assign("/")).catch(fail);
  });
}

if (document.body.dataset.page === "account") accountPage();
else home();
