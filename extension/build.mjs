// Builds the two unpacked extensions from one source tree:
//   dist/chromium/  (background service worker; manifest `key` pins the extension id)
//   dist/firefox/   (background event page; browser_specific_settings.gecko.id)
// Usage: node build.mjs   (npm run build)
import { build } from 'esbuild';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = JSON.parse(await readFile(join(here, 'package.json'), 'utf8'));

/** Fixed by the host contract: the native host's manifest allows exactly these. */
const CHROMIUM_KEY =
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA4eUsyARs1Qfg9+xZV3n4jfzD6a6DQtSTyLzFlPwcWvHLIeIclZP1ljffkX5M+690yY+AWMsIKg+atpTB4CWzzwHbPjaYqANAkdQuHD++HkuNiEqcFFIUwALMps3fJn/91iwt5D9ZnyigPOwu+MMEVUOGH+tckhx3LxhfTzCAFK9FVZiH2ARd2JxLpAD+AUZDD7jTpGTtW6mWyhf1W3mr6ABWJlSKEfIoziaspa75hVOW1i9lIHzSx8hYW+k5DV3YdAhGMJPPvlpdGYJt5tx/k1QcsnknhckeknREBi5smILglzqq9mdLHL4ZnBaGAuiBCTbKiDObShwTZ9gs2ZQ2zwIDAQAB';
const FIREFOX_ID = 'browser@latchkey.dev';

/** Where the content scripts run: https sites, and local development servers on any port. */
const MATCHES = ['https://*/*', 'http://localhost/*', 'http://127.0.0.1/*'];

const ENTRIES = {
  'page-script': 'src/page/page-script.ts',
  'content-script': 'src/content/content-script.ts',
  background: 'src/background/background.ts',
  popup: 'src/popup/popup.ts',
  autofill: 'src/autofill/autofill.ts',
};

const STATIC = ['popup.html', 'popup.css', 'autofill.html', 'autofill.css', 'theme.css'];
const ICONS = { 32: '32x32.png', 128: '128x128.png' };

function manifest(target) {
  const icons = Object.fromEntries(Object.keys(ICONS).map((size) => [size, `icons/${size}.png`]));
  const m = {
    manifest_version: 3,
    name: 'Latchkey',
    version: pkg.version,
    description: 'Create and use your Latchkey passkeys on websites.',
    icons,
    action: { default_title: 'Latchkey', default_popup: 'popup.html', default_icon: icons },
    permissions: ['nativeMessaging', 'storage'],
    host_permissions: MATCHES,
    content_scripts: [
      // The isolated script first, so it listens before the main-world script can ask.
      { matches: MATCHES, js: ['content-script.js'], run_at: 'document_start', all_frames: true },
      { matches: MATCHES, js: ['page-script.js'], run_at: 'document_start', all_frames: true, world: 'MAIN' },
    ],
    web_accessible_resources: [{ resources: ['autofill.html'], matches: MATCHES }],
  };
  if (target === 'chromium') {
    m.key = CHROMIUM_KEY;
    m.minimum_chrome_version = '111';
    m.background = { service_worker: 'background.js' };
  } else {
    m.background = { scripts: ['background.js'] };
    m.browser_specific_settings = {
      gecko: { id: FIREFOX_ID, strict_min_version: '128.0', data_collection_permissions: { required: ['none'] } },
    };
  }
  return m;
}

for (const target of ['chromium', 'firefox']) {
  const out = join(here, 'dist', target);
  await rm(out, { recursive: true, force: true });
  await mkdir(join(out, 'icons'), { recursive: true });
  await build({
    entryPoints: ENTRIES,
    outdir: out,
    bundle: true,
    format: 'iife',
    target: target === 'chromium' ? 'chrome111' : 'firefox128',
    legalComments: 'none',
    logLevel: 'warning',
    absWorkingDir: here,
  });
  for (const file of STATIC) await cp(join(here, 'static', file), join(out, file));
  for (const [size, file] of Object.entries(ICONS)) {
    await cp(join(here, '..', 'icons', file), join(out, 'icons', `${size}.png`));
  }
  await writeFile(join(out, 'manifest.json'), `${JSON.stringify(manifest(target), null, 2)}\n`);
  console.log(`built ${join('dist', target)}`);
}
