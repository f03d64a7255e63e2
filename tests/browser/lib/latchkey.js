// The Latchkey side of the browser tests: the built binaries, a fresh vault per run (its
// keychain entry removed afterwards, like the Rust tests do), the demo site, `latchkey browser
// install`, and the app under tauri-driver with helpers to answer its approval prompt.
import { spawn, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { WebDriver, waitFor } from "./webdriver.js";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const SCREENSHOTS = path.join(REPO, "docs/screenshots");

/** Where the built binaries are: $LATCHKEY_BIN_DIR, else $CARGO_TARGET_DIR/debug, else target/debug. */
export const BIN_DIR =
  process.env.LATCHKEY_BIN_DIR ||
  path.join(process.env.CARGO_TARGET_DIR ? path.resolve(REPO, process.env.CARGO_TARGET_DIR) : path.join(REPO, "target"), "debug");

export function bin(name) {
  const p = path.join(BIN_DIR, name);
  if (!fs.existsSync(p)) {
    throw new Error(`${p} is not built; run cargo build -p latchkey-cli -p latchkey-app -p latchkey-browser-host -p latchkey-demo-site`);
  }
  return p;
}

/** A scratch directory removed by `cleanup`. */
export function scratch(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `latchkey-browser-${prefix}-`));
}

/** Runs the CLI synchronously; returns {code, stdout, stderr}. */
export function cli(args, { env = {}, input = "" } = {}) {
  const r = spawnSync(bin("latchkey"), args, { env: { ...process.env, ...env }, input, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** An empty vault made by `latchkey init`; `cleanup()` forgets its keychain entry and files. */
export function freshVault() {
  const root = scratch("vault");
  const dataDir = path.join(root, "vault");
  const r = cli(["--data-dir", dataDir, "init"]);
  if (r.code !== 0) throw new Error(`latchkey init failed: ${r.stderr}`);
  return {
    root,
    dataDir,
    env: { LATCHKEY_DATA_DIR: dataDir },
    /** The passkeys in the vault (through the app when it runs, like any CLI call). */
    list() {
      const l = cli(["--data-dir", dataDir, "list", "--json"]);
      if (l.code !== 0) throw new Error(`latchkey list failed: ${l.stderr}`);
      return JSON.parse(l.stdout);
    },
    cleanup() {
      try {
        const v = JSON.parse(fs.readFileSync(path.join(dataDir, "vault.json"), "utf8"));
        spawnSync("secret-tool", ["clear", "service", "dev.latchkey.vault", "username", v.vault_id]);
      } catch {
        // No vault.json: nothing reached the keychain.
      }
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * The app's socket for the vault in `dataDir`, named as crates/bridge/src/socket.rs names it
 * (a hash of the canonical data dir inside $XDG_RUNTIME_DIR/latchkey).
 */
export function socketPath(dataDir) {
  const canonical = fs.realpathSync(dataDir);
  const tag = crypto.createHash("sha256").update(canonical).digest("hex").slice(0, 16);
  return path.join(process.env.XDG_RUNTIME_DIR || `/run/user/${process.getuid()}`, "latchkey", `bridge-${tag}.sock`);
}

/** Pids of `latchkey-app` processes serving `dataDir` (found by their environment). */
export function appPids(dataDir) {
  const pids = [];
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const exe = fs.readlinkSync(`/proc/${d}/exe`);
      if (path.basename(exe) !== "latchkey-app") continue;
      const env = fs.readFileSync(`/proc/${d}/environ`, "utf8").split("\0");
      if (env.includes(`LATCHKEY_DATA_DIR=${dataDir}`)) pids.push(Number(d));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return pids;
}

/**
 * The demo relying party on a free port; `url` is http://localhost:PORT. `args` adds options
 * (e.g. `--outbox DIR` for its sign-in link mail).
 */
export async function startDemoSite({ args = [] } = {}) {
  const child = spawn(bin("latchkey-demo-site"), ["--port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stderr.on("data", (b) => {
    out += b;
  });
  const url = await new Promise((resolve, reject) => {
    child.stdout.on("data", (b) => {
      out += b;
      const m = /on (http:\/\/localhost:\d+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on("exit", (c) => reject(new Error(`the demo site exited (${c}): ${out}`)));
  });
  const port = new URL(url).port;
  return {
    url,
    /** The same server reached as another site (127.0.0.1 is not localhost's registrable domain). */
    otherOrigin: `http://127.0.0.1:${port}`,
    stop() {
      child.kill("SIGTERM");
    },
  };
}

/** `latchkey browser install` for one browser; throws with the CLI's message when it fails. */
export function installHost(browser, { userDataDir, home } = {}) {
  const args = ["browser", "install", "--browser", browser];
  if (userDataDir) args.push("--user-data-dir", userDataDir);
  const r = cli(args, { env: home ? { HOME: home } : {} });
  if (r.code !== 0) throw new Error(`latchkey ${args.join(" ")} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

const PROMPT_TITLE = /approve/i;

/**
 * The app under tauri-driver, unlocked, with helpers for its approval prompt. `env` reaches the
 * app (e.g. a private desktop's XDG dirs, so its opener and scheme registration stay in them).
 */
export class App {
  static async start(vault, { unlock = true, env = {} } = {}) {
    const config = path.join(vault.root, "config");
    fs.mkdirSync(config, { recursive: true });
    const d = await WebDriver.start({
      command: "tauri-driver",
      args: (port, native) => ["--port", String(port), "--native-port", String(native)],
      // WebKit's default (accelerated compositing): WebKitWebDriver answers clicks and
      // screenshots after the page's next composited frame, which a static page drawn without
      // compositing (the app's own memory-saving default, src-tauri/webkit_memory.rs) never
      // sends, so every such call would hang. The app's behaviour does not depend on it.
      env: { ...process.env, WEBKIT_DISABLE_COMPOSITING_MODE: "0", ...vault.env, XDG_CONFIG_HOME: config, ...env },
      capabilities: { browserName: "wry", "tauri:options": { application: bin("latchkey-app") } },
    });
    const app = new App(d);
    app.main = await d.switchToWindow("main", (t) => t === "Latchkey");
    if (unlock) await app.unlock();
    return app;
  }

  constructor(driver) {
    this.d = driver;
  }

  async unlock() {
    await this.d.switchTo(this.main);
    await this.d.click(await this.d.byTestId("unlock-button"));
    await this.d.wait('[data-testid="passkey-list"], [data-testid="empty-state"]');
  }

  /** Switches to the approval prompt (waiting for it) and waits until its buttons take input. */
  async prompt(ms = 20000, armedBy = "deny-button") {
    await this.d.switchToWindow("prompt", (t) => PROMPT_TITLE.test(t), ms);
    this.shownAt = null;
    await waitFor("the prompt to take input", async () => {
      const b = (await this.d.findAll(`[data-testid="${armedBy}"]`))[0];
      if (b && this.shownAt === null) this.shownAt = performance.now();
      return b && (await this.d.attribute(b, "aria-disabled")) === "false";
    }, ms, 20);
    const read = async (id) => {
      const e = (await this.d.findAll(`[data-testid="${id}"]`))[0];
      return e ? this.d.text(e) : null;
    };
    return {
      title: await read("prompt-title"),
      origin: await read("prompt-origin"),
      client: await read("prompt-client"),
    };
  }

  /**
   * Clicks a prompt button. WebKitWebDriver now and then never answers a click that hides the
   * prompt window (seen on Deny), though the click landed: after 5 s without an answer the
   * click counts as done when the prompt no longer waits, and the test's own checks of the
   * page's outcome decide.
   */
  async press(testid) {
    const button = await this.d.byTestId(testid);
    try {
      await this.d.click(button, 5000);
    } catch (e) {
      if (!/no answer within/.test(e.message)) throw e;
      console.warn(`WebKitWebDriver did not answer the click on ${testid}; checking the prompt instead`);
      if (await this.promptPending()) throw e;
    }
  }

  async approve() {
    await this.prompt();
    await this.press("approve-button");
  }

  async deny() {
    await this.prompt();
    await this.press("deny-button");
  }

  /** Picks the account whose option's text contains `name`, then approves. */
  async approveAs(name) {
    await this.prompt();
    const options = await this.d.findAll('[data-testid="prompt-account-option"]');
    let picked = false;
    for (const o of options) {
      const label = await this.d.execute(
        "const e = arguments[0]; return (e.closest('label') || e.parentElement || e).innerText;",
        [{ "element-6066-11e4-a52e-4f735466cecf": o }],
      );
      if (label.includes(name)) {
        await this.d.click(o);
        picked = true;
        break;
      }
    }
    if (!picked) throw new Error(`no account option names ${name} (${options.length} options)`);
    await this.press("approve-button");
  }

  /**
   * Whether a request waits in the prompt now. The prompt window outlives its requests (hidden,
   * showing `prompt-idle`), so its title alone says nothing.
   */
  async promptPending() {
    for (const h of await this.d.windowHandles()) {
      try {
        await this.d.switchTo(h);
        if (!PROMPT_TITLE.test(await this.d.title())) continue;
        const buttons = await this.d.findAll(
          '[data-testid="approve-button"], [data-testid="deny-button"], [data-testid="prompt-unlock-button"]',
        );
        if (buttons.length > 0) return true;
      } catch {
        // Closed meanwhile.
      }
    }
    return false;
  }

  async screenshot(file) {
    await new Promise((r) => setTimeout(r, 500));
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    fs.writeFileSync(path.join(SCREENSHOTS, file), await this.d.screenshot());
  }

  quit() {
    return this.d.quit();
  }
}
