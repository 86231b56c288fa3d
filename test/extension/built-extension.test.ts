/**
 * Checks on the extension as built for the browser tests (dist/e2e, made by `npm test`): Mozilla's
 * linter finds no errors, the content script is one self-contained file within its size budget, and
 * neither manifest asks for more than it needs.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const DIST = 'dist/e2e';
const built = existsSync(`${DIST}/chrome/manifest.json`) && existsSync(`${DIST}/firefox/manifest.json`);
if (!built) console.warn(`\n!!! ${DIST} is missing: run \`npm test\` (it builds the extension first) !!!\n`);

describe.runIf(built || process.env.CI === 'true')('built extension', () => {
  const manifest = (target: string) => JSON.parse(readFileSync(`${DIST}/${target}/manifest.json`, 'utf8')) as {
    content_scripts: { js: string[]; matches: string[] }[];
    host_permissions?: string[];
    optional_host_permissions?: string[];
    web_accessible_resources?: unknown[];
    background: Record<string, unknown>;
  };

  it('web-ext lint reports no errors on the Firefox build', () => {
    const out = execFileSync('npx', ['web-ext', 'lint', '--source-dir', `${DIST}/firefox`, '--no-input', '--output', 'json'], { encoding: 'utf8' });
    const report = JSON.parse(out.slice(out.indexOf('{'))) as { summary: { errors: number }; errors: unknown[] };
    expect(report.errors).toEqual([]);
    expect(report.summary.errors).toBe(0);
  });

  it.each(['chrome', 'firefox'])('%s: one self-contained content script under 30 KB gzipped, no <all_urls>, nothing exposed to pages', (target) => {
    const m = manifest(target);
    const scripts = m.content_scripts.flatMap((c) => c.js);
    expect(scripts).toHaveLength(1);
    const js = readFileSync(`${DIST}/${target}/${scripts[0]}`);
    expect(js.toString('utf8')).not.toMatch(/\bimport\(|chrome\.runtime\.getURL\(["'`]assets/);
    expect(gzipSync(js, { level: 9 }).length).toBeLessThanOrEqual(30 * 1024);
    const all = JSON.stringify(m);
    expect(all).not.toContain('<all_urls>');
    expect(m.host_permissions ?? []).toEqual([]);
    expect(m.web_accessible_resources ?? []).toEqual([]);
    expect(m.content_scripts[0]!.matches).toContain('https://*.ariticapp.com/*');
  });

  it('the token never reaches the content script bundle', () => {
    const js = readFileSync(`${DIST}/chrome/${manifest('chrome').content_scripts[0]!.js[0]}`, 'utf8');
    expect(js).not.toMatch(/ppw_[A-Za-z0-9_-]{20,}/);
    expect(js).not.toContain('Authorization');
  });
});
