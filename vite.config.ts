/**
 * One Vite config for the extension builds (TARGET=chrome|firefox) and for Vitest.
 * The manifest is a function of the target (extension/manifest.ts).
 */
import { defineConfig } from 'vitest/config';
import preact from '@preact/preset-vite';
import { crx } from '@crxjs/vite-plugin';
import { CONTENT_SCRIPT_ENTRY, DASHBOARD_PAGE, makeManifest, type BuildTarget } from './extension/manifest.ts';

const target = (process.env.TARGET ?? 'chrome') as BuildTarget;
const isTest = Boolean(process.env.VITEST);

export default defineConfig({
  plugins: isTest
    ? [preact()]
    : [
        preact(),
        // One self-contained content script: no chunks for a CRM page to probe, and it also loads on
        // hosts registered at run time, where web_accessible_resources would not reach.
        crx({ manifest: makeManifest(target, { demo: process.env.PPW_DEMO === '1' }), browser: target, contentScripts: { standaloneFiles: [CONTENT_SCRIPT_ENTRY] } }),
      ],
  define: {
    // Defaults baked into the `npm start` demo build only (see extension/options/storage.ts).
    __PPW_DEMO_RELAY_URL__: JSON.stringify(process.env.PPW_DEMO_RELAY_URL ?? ''),
    __PPW_DEMO_TOKEN__: JSON.stringify(process.env.PPW_DEMO_TOKEN ?? ''),
  },
  build: {
    outDir: process.env.PPW_OUT_DIR ?? `dist/${target}`,
    emptyOutDir: true,
    target: 'es2022',
    minify: true,
    sourcemap: false,
    // Extension pages the manifest doesn't name (crxjs builds only those it finds there): the team dashboard.
    rollupOptions: { input: { dashboard: DASHBOARD_PAGE } },
  },
  test: {
    environment: 'node',
    include: ['shared/**/*.test.ts', 'relay/**/*.test.ts', 'extension/**/*.test.{ts,tsx}', 'test/**/*.test.ts'],
    exclude: ['node_modules', 'dist', 'data'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
