/**
 * DEV ONLY. Serves or builds the UI with a fake Tauri backend
 * (dev/mock-tauri.ts) so it can be viewed in a normal browser.
 * Never used by `npm run build`; output goes to dev-dist/.
 *
 *   npx vite --config dev/vite.mock.config.ts            # dev server
 *   npx vite build --config dev/vite.mock.config.ts      # -> dev-dist/
 *   npx vite preview --config dev/vite.mock.config.ts    # serves dev-dist/ with the app's CSP
 */
import { defineConfig, mergeConfig, type Plugin } from 'vite';
import base from '../vite.config';

const CSP = "default-src 'self'; script-src 'self'; style-src 'self'";

function injectMock(): Plugin {
  return {
    name: 'latchkey-inject-mock',
    transformIndexHtml: {
      order: 'pre',
      handler(html) {
        return html.replace('<script type="module" src="/src/', '<script type="module" src="/dev/mock-tauri.ts"></script>\n    <script type="module" src="/src/');
      },
    },
  };
}

export default mergeConfig(
  base,
  defineConfig({
    plugins: [injectMock()],
    build: { outDir: 'dev-dist' },
    preview: { port: 4173, strictPort: true, headers: { 'Content-Security-Policy': CSP } },
  }),
);
