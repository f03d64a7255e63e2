// A desktop's URL handling, made private to one test run: `xdg-open` (xdg-utils) with no
// desktop environment running falls back to its generic path, which asks `xdg-mime query
// default x-scheme-handler/<scheme>` and runs that .desktop file's Exec line. Both lookups read
// only $XDG_CONFIG_HOME/mimeapps.list and $XDG_DATA_HOME/applications before the system's
// files, so pointing those two variables at scratch directories gives the test its own
// "default browser" and its own latchkey:// handler without touching the machine's.
//
// Found on this machine (Debian 12, xdg-utils 1.1.3, no DE, Xvfb):
// - `$BROWSER` is NOT enough: xdg-open tries x-scheme-handler/http first and the system's
//   chromium.desktop already claims it, so a bare Chromium (the default profile, not the test's)
//   would open. The test's own .desktop made the default through mimeapps.list wins.
// - A second `chromium --user-data-dir=<the running profile> URL` hands the URL to the running
//   instance (Chromium's process singleton) and exits; playwright sees a new page in its context.
//   xdg-open returns in about one second.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { CHROMIUM } from "./chromium.js";

/** Runs a tool, throwing with its output when it fails. */
function run(cmd, args, env) {
  const r = spawnSync(cmd, args, { env, encoding: "utf8" });
  if (r.error) throw new Error(`${cmd} could not start (${r.error.message}); run scripts/setup.sh --test`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/**
 * A private desktop under `root`: `env` holds XDG_DATA_HOME and XDG_CONFIG_HOME (give the same
 * env to the app, so its opener and its scheme registration use these too).
 */
export class Desktop {
  constructor(root) {
    this.dataHome = path.join(root, "xdg-data");
    this.configHome = path.join(root, "config");
    this.applications = path.join(this.dataHome, "applications");
    fs.mkdirSync(this.applications, { recursive: true });
    fs.mkdirSync(this.configHome, { recursive: true });
    this.env = { XDG_DATA_HOME: this.dataHome, XDG_CONFIG_HOME: this.configHome };
  }

  get fullEnv() {
    return { ...process.env, ...this.env };
  }

  /**
   * Writes `name` (a .desktop file) with `exec` as its Exec line for the given MIME types, and
   * makes it their default, as an installer would (update-desktop-database, xdg-mime default).
   */
  install(name, { exec, mimeTypes, appName = name }) {
    const body = [
      "[Desktop Entry]",
      "Type=Application",
      `Name=${appName}`,
      `Exec=${exec}`,
      `MimeType=${mimeTypes.join(";")};`,
      "NoDisplay=true",
      "",
    ].join("\n");
    fs.writeFileSync(path.join(this.applications, name), body);
    run("update-desktop-database", [this.applications], this.fullEnv);
    for (const m of mimeTypes) run("xdg-mime", ["default", name, m], this.fullEnv);
  }

  /**
   * Makes the Chromium profile in `userDataDir` (the one playwright drives) the default browser:
   * xdg-open of an http(s) URL then becomes a new tab there.
   */
  defaultBrowser(userDataDir) {
    this.install("latchkey-test-browser.desktop", {
      exec: `${CHROMIUM} --no-sandbox --user-data-dir=${userDataDir} %u`,
      mimeTypes: ["x-scheme-handler/http", "x-scheme-handler/https"],
      appName: "Test Chromium",
    });
  }

  /** The .desktop file xdg-mime names as the handler of `mimeType` ("" when none). */
  handler(mimeType) {
    return run("xdg-mime", ["query", "default", mimeType], this.fullEnv).trim();
  }

  /** The contents of the .desktop file handling `mimeType`, from this desktop's applications. */
  handlerFile(mimeType) {
    const name = this.handler(mimeType);
    const p = path.join(this.applications, name);
    return name && fs.existsSync(p) ? fs.readFileSync(p, "utf8") : null;
  }

  /** `xdg-open url` as a person's desktop runs it; returns {code, ms, stderr}. */
  open(url) {
    const t0 = performance.now();
    const r = spawnSync("xdg-open", [url], { env: this.fullEnv, encoding: "utf8", timeout: 30000 });
    return { code: r.status, ms: Math.round(performance.now() - t0), stderr: r.stderr };
  }
}

/** `latchkey://open?url=<percent-encoded>`, the deep link the app handles. */
export function deepLink(url) {
  return `latchkey://open?url=${encodeURIComponent(url)}`;
}
