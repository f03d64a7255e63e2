// Minimal first window: lists passkey metadata from the vault. The full UI arrives with the app
// issue; this file talks to the shell through Tauri's IPC only (no remote content).
const invoke = (cmd, args) => window.__TAURI_INTERNALS__.invoke(cmd, args);

function text(tag, className, value) {
  const el = document.createElement(tag);
  el.className = className;
  el.textContent = value;
  return el;
}

function when(unix) {
  return unix ? new Date(unix * 1000).toLocaleDateString() : "never";
}

async function load() {
  const status = document.getElementById("status");
  const list = document.getElementById("list");
  try {
    const passkeys = await invoke("list_passkeys");
    list.replaceChildren();
    if (passkeys.length === 0) {
      status.textContent =
        "No passkeys yet. Create one on a website that offers passkeys, or with `latchkey webauthn create`.";
      return;
    }
    status.textContent = `${passkeys.length} passkey${passkeys.length === 1 ? "" : "s"}`;
    for (const p of passkeys) {
      const li = document.createElement("li");
      li.className = "item";
      li.tabIndex = 0;
      li.dataset.id = p.id;
      li.append(
        text("span", "site", p.rpName || p.rpId),
        text("span", "account", p.nickname || p.userName || p.userDisplayName || "(unnamed account)"),
        text("span", "meta", `${p.rpId} · created ${when(p.createdAt)} · last used ${when(p.lastUsedAt)}`),
      );
      list.append(li);
    }
  } catch (err) {
    status.textContent = String(err);
    status.classList.add("error");
  }
}

window.addEventListener("DOMContentLoaded", load);
