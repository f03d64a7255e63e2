import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';

export default defineConfig({
  // Relative asset URLs: Tauri serves dist/ from its own protocol.
  base: './',
  plugins: [svelte(), svelteTesting()],
  clearScreen: false,
  server: { port: 1420, strictPort: true },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // WebView2 (Chromium) on Windows, WebKitGTK / WKWebView elsewhere.
    target: ['es2020', 'chrome105', 'safari14'],
    // Never inline assets as data: URIs (the CSP is default-src 'self').
    assetsInlineLimit: 0,
    // One CSS file per page, linked with <link>; nothing injected at run time.
    cssCodeSplit: true,
    sourcemap: false,
    rollupOptions: {
      input: {
        main: 'index.html',
        prompt: 'prompt.html',
      },
      output: {
        // Shared code between the two pages.
        chunkFileNames: 'assets/shared-[hash].js',
        assetFileNames(info) {
          const name = info.names?.[0] ?? '';
          if (name.endsWith('.css') && !/^(main|prompt)\.css$/.test(name)) return 'assets/shared-[hash][extname]';
          return 'assets/[name]-[hash][extname]';
        },
      },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts', 'tests/**/*.test.ts'],
  },
});
