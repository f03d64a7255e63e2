// A small W3C WebDriver client over HTTP (Node's fetch): just what the tests need, for
// tauri-driver (the app in WebKitGTK) and geckodriver (Firefox). Every failing call throws with
// the driver's own message.
import { spawn } from "node:child_process";
import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

export const ELEMENT_KEY = "element-6066-11e4-a52e-4f735466cecf";

/** A free TCP port on 127.0.0.1 (the driver binds it right after). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Polls `f` until it returns something other than undefined/null/false, up to `ms`. */
export async function waitFor(what, f, ms = 15000, every = 100) {
  const until = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const v = await f();
      if (v !== undefined && v !== null && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) {
      throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? ` (last error: ${last.message})` : ""}`);
    }
    await sleep(every);
  }
}

/** One driver process (tauri-driver or geckodriver) and one WebDriver session on it. */
export class WebDriver {
  constructor(base, child) {
    this.base = base;
    this.child = child;
    this.session = null;
    this.log = "";
  }

  /**
   * Starts `command` with `args(port)` and `env`, waits for /status, opens a session with
   * `capabilities`.
   */
  static async start({ command, args, env, capabilities }) {
    const port = await freePort();
    const extra = await freePort();
    // Its own process group: quit() ends the driver with everything it started (WebKitWebDriver
    // and the app under tauri-driver, Firefox under geckodriver), even when the driver itself
    // does not; an orphan holding our stdout pipe would also keep this test process alive.
    const child = spawn(command, args(port, extra), { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    const d = new WebDriver(`http://127.0.0.1:${port}`, child);
    const keep = (b) => {
      d.log = (d.log + b.toString()).slice(-20000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    let exited = null;
    child.on("exit", (code) => {
      exited = code;
    });
    await waitFor(`${command} to listen`, async () => {
      if (exited !== null) throw new Error(`${command} exited (${exited}): ${d.log}`);
      const r = await fetch(`${d.base}/status`).catch(() => null);
      return r && r.ok;
    }, 20000);
    const v = await d.raw("POST", "/session", { capabilities: { alwaysMatch: capabilities } });
    d.session = v.sessionId;
    return d;
  }

  /**
   * One command. Every call has a deadline (`ms`, 30 s unless the driver needs longer to start a
   * session): a driver that never answers (WebKitWebDriver once left an element click on the
   * prompt unanswered) fails the test in seconds instead of Node's 5-minute default.
   */
  async raw(method, path, body, ms = path === "/session" ? 60000 : 30000) {
    const r = await fetch(`${this.base}${path}`, {
      method,
      headers: { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(ms),
    }).catch((e) => {
      throw new Error(`WebDriver ${method} ${path}: ${e.name === "TimeoutError" ? `no answer within ${ms} ms` : e.message}`);
    });
    const data = await r.json().catch(() => ({}));
    if (!r.ok) {
      const v = data.value || {};
      const err = new Error(`WebDriver ${method} ${path} failed (${r.status}): ${v.error || ""} ${v.message || JSON.stringify(data)}`);
      err.webdriver = v.error;
      throw err;
    }
    return data.value;
  }

  cmd(method, path, body, ms) {
    return this.raw(method, `/session/${this.session}${path}`, body, ms);
  }

  post(path, body = {}) {
    return this.cmd("POST", path, body);
  }

  get(path) {
    return this.cmd("GET", path);
  }

  async findAll(css) {
    const v = await this.post("/elements", { using: "css selector", value: css });
    return (v || []).map((e) => e[ELEMENT_KEY]);
  }

  /** The first element matching `css`, waiting for it. */
  wait(css, ms = 15000) {
    return waitFor(`${css} to appear`, async () => (await this.findAll(css))[0], ms);
  }

  byTestId(id, ms) {
    return this.wait(`[data-testid="${id}"]`, ms);
  }

  click(el, ms) {
    return this.cmd("POST", `/element/${el}/click`, {}, ms);
  }

  async attribute(el, name) {
    return this.get(`/element/${el}/attribute/${name}`);
  }

  /** Rendered text (innerText; WebKitWebDriver's own element text is empty for some elements). */
  text(el) {
    return this.execute("return arguments[0].innerText;", [{ [ELEMENT_KEY]: el }]);
  }

  execute(script, args = []) {
    return this.post("/execute/sync", { script, args });
  }

  executeAsync(script, args = []) {
    return this.post("/execute/async", { script, args });
  }

  navigate(url) {
    return this.post("/url", { url });
  }

  async title() {
    return this.get("/title");
  }

  windowHandles() {
    return this.get("/window/handles");
  }

  switchTo(handle) {
    return this.post("/window", { handle });
  }

  /** Switches to the window whose title `matches`, waiting for it to exist. */
  switchToWindow(what, matches, ms = 15000) {
    return waitFor(`the ${what} window`, async () => {
      for (const h of await this.windowHandles()) {
        try {
          await this.switchTo(h);
          if (matches(await this.title())) return h;
        } catch {
          // The window went away between the listing and the switch.
        }
      }
      return null;
    }, ms, 50);
  }

  /** A PNG of the current window. */
  async screenshot() {
    return Buffer.from(await this.get("/screenshot"), "base64");
  }

  /** Ends the session (for tauri-driver this quits the app) and stops the driver. */
  async quit() {
    if (this.session) {
      await this.cmd("DELETE", "").catch(() => {});
      this.session = null;
    }
    const group = (signal) => {
      try {
        process.kill(-this.child.pid, signal);
      } catch {
        // The group is already gone.
      }
    };
    if (this.child.exitCode === null) {
      group("SIGTERM");
      await Promise.race([new Promise((r) => this.child.once("exit", r)), sleep(3000)]);
    }
    // Whatever the driver left behind (a WebKitWebDriver that never answered, the app) goes too.
    group("SIGKILL");
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
  }
}
