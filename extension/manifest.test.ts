import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONTENT_SCRIPT_ENTRY, DASHBOARD_PAGE, GECKO_ID, makeManifest, manifestFor } from './manifest.ts';

const chrome = manifestFor('chrome', { demo: false });
const firefox = manifestFor('firefox', { demo: false });
const all = [chrome, firefox, manifestFor('chrome', { demo: true }), manifestFor('firefox', { demo: true })];

describe('manifest', () => {
  it('is MV3 with the product name and the package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const m of all) {
      expect(m.manifest_version).toBe(3);
      expect(m.version).toBe(pkg.version);
      expect(m.name).toBe('WhatsApp for PinPoint');
    }
  });

  it('uses a module service worker on Chrome and background scripts on Firefox', () => {
    expect(chrome.background).toEqual({ service_worker: 'extension/background/index.ts', type: 'module' });
    expect(firefox.background).toEqual({ scripts: ['extension/background/index.ts'] });
  });

  it('gives Firefox its gecko id, minimum version and data collection permissions, and Chrome none of that', () => {
    expect((firefox as { browser_specific_settings?: unknown }).browser_specific_settings).toEqual({
      gecko: { id: GECKO_ID, strict_min_version: '142.0', data_collection_permissions: { required: ['none'] } },
    });
    expect('browser_specific_settings' in chrome).toBe(false);
  });

  it('never asks for <all_urls> and keeps wide host access optional', () => {
    for (const m of all) {
      const text = JSON.stringify(m);
      expect(text).not.toContain('<all_urls>');
      expect((m as { host_permissions?: string[] }).host_permissions ?? []).toEqual([]);
      expect(m.optional_host_permissions).toEqual(['https://*/*', 'http://*/*']);
      expect(m.permissions).toEqual(['storage', 'alarms', 'scripting']);
      for (const cs of m.content_scripts) for (const match of cs.matches) expect(match).not.toMatch(/^(\*|https?):\/\/\*\//);
    }
  });

  it('matches Aritic PinPoint, and the demo page only in demo builds', () => {
    for (const target of ['chrome', 'firefox'] as const) {
      const prod = manifestFor(target, { demo: false });
      const demo = manifestFor(target, { demo: true });
      expect(prod.content_scripts).toEqual([{ matches: ['https://*.ariticapp.com/*'], js: [CONTENT_SCRIPT_ENTRY], run_at: 'document_idle' }]);
      expect(demo.content_scripts[0]!.matches).toEqual(['https://*.ariticapp.com/*', 'http://127.0.0.1/*', 'http://localhost/*']);
    }
  });

  it('has an options page in a tab, an action with a title and every icon size', () => {
    for (const m of all) {
      expect(m.options_ui).toEqual({ page: 'extension/options/index.html', open_in_tab: true });
      expect(m.action.default_title).toBeTruthy();
      expect(Object.keys(m.icons).sort()).toEqual(['128', '16', '32', '48']);
      for (const path of Object.values(m.icons)) {
        const bytes = readFileSync(new URL(`../${path}`, import.meta.url));
        expect(bytes.subarray(1, 4).toString('ascii')).toBe('PNG');
      }
    }
  });

  it('wraps the manifest for crxjs', () => {
    expect(makeManifest('firefox', { demo: false })).toEqual(firefox);
  });
  it('the dashboard is an extension page built from the Vite input, never exposed to web pages', () => {
    expect(existsSync(new URL(`../${DASHBOARD_PAGE}`, import.meta.url))).toBe(true);
    for (const m of all) expect(JSON.stringify(m)).not.toContain('dashboard');
  });
});
