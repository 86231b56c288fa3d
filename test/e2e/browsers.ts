/**
 * Launch helpers for the end-to-end tests: the e2e build of the extension loaded in headless Chromium
 * (playwright-core, persistent context) or Firefox ESR (puppeteer-core over WebDriver BiDi), behind one
 * small `E2EPage` interface so both browsers run the same scenario (scenario.ts).
 *
 * Policy (requireBrowser): a missing browser skips the suite with ONE loud line saying how to get it;
 * with CI=true the suite runs anyway and fails at launch with the same message.
 * Every wait is bounded and fails with a message naming what it waited for; profiles and temp dirs are
 * removed in `close()`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type BrowserName = 'chromium' | 'firefox';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const GECKO_ID = 'whatsapp-pinpoint@pinpoint-whatsapp.dev';
/** Fixed moz-extension UUID (pref extensions.webextensions.uuids), so extension pages have a known URL. */
export const FIREFOX_EXTENSION_UUID = '6f1d5a3e-2c4b-4e8a-9b1f-0a7c3d5e9f21';

/** Default bound for any single wait in the scenario. */
export const STEP_TIMEOUT_MS = 10_000;
const LAUNCH_TIMEOUT_MS = 30_000;
const CLOSE_TIMEOUT_MS = 10_000;

interface BrowserInfo {
  label: string;
  envVar: string;
  defaultPath: string;
  apt: string;
  target: 'chrome' | 'firefox';
}

const BROWSERS: Record<BrowserName, BrowserInfo> = {
  chromium: { label: 'Chromium', envVar: 'CHROMIUM_PATH', defaultPath: '/usr/bin/chromium', apt: 'apt-get install -y chromium', target: 'chrome' },
  firefox: { label: 'Firefox', envVar: 'FIREFOX_PATH', defaultPath: '/usr/bin/firefox-esr', apt: 'apt-get install -y firefox-esr', target: 'firefox' },
};

export interface BrowserRequirement {
  name: BrowserName;
  label: string;
  executablePath: string;
  /** True when the suite should be skipped (binary missing and not CI). */
  skip: boolean;
  /** Set when the binary is missing: the message launch() throws under CI=true. */
  missing: string | null;
}

const isCI = (): boolean => /^(1|true|yes)$/i.test(process.env['CI'] ?? '');

/**
 * Decides whether this browser's suite runs. Prints one loud line when the browser is missing.
 * Under CI=true nothing is skipped: `launchBrowser` then throws the same message, so the suite fails.
 */
export function requireBrowser(name: BrowserName): BrowserRequirement {
  const info = BROWSERS[name];
  const executablePath = process.env[info.envVar] || info.defaultPath;
  const found = existsSync(executablePath);
  const missing = found
    ? null
    : `${info.label} not found at ${executablePath}: the ${info.label} end-to-end tests need it. Install it with \`${info.apt}\` (as root) or set ${info.envVar}.`;
  if (missing) {
    const line = isCI()
      ? `\n✖✖✖ E2E FAILURE (CI=true): ${missing}\n`
      : `\n⚠⚠⚠ E2E SKIPPED: ${missing} (With CI=true this is a failure.)\n`;
    console.warn(line);
  }
  return { name, label: info.label, executablePath, skip: Boolean(missing) && !isCI(), missing };
}

// ---------------------------------------------------------------------------------------------------------
// Extension build (dist/e2e/<target>, made by `npm test`; rebuilt here when missing or older than sources)
// ---------------------------------------------------------------------------------------------------------

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (!entry.name.includes('.test.')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** The absolute path of the e2e build for a browser, building it first when it is missing or stale. */
export function ensureExtensionBuild(name: BrowserName): string {
  const target = BROWSERS[name].target;
  const outDir = join(REPO_ROOT, 'dist', 'e2e', target);
  const manifest = join(outDir, 'manifest.json');
  const built = existsSync(manifest) ? statSync(manifest).mtimeMs : 0;
  const sources = Math.max(
    newestMtime(join(REPO_ROOT, 'extension')),
    newestMtime(join(REPO_ROOT, 'shared')),
    statSync(join(REPO_ROOT, 'vite.config.ts')).mtimeMs,
  );
  if (built === 0 || built < sources) {
    const r = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], {
      cwd: REPO_ROOT,
      env: { ...process.env, TARGET: target, PPW_DEMO: '1', PPW_OUT_DIR: `dist/e2e/${target}`, VITEST: '' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (r.status !== 0) throw new Error(`building the ${target} e2e extension failed (exit ${r.status}):\n${r.stderr}\n${r.stdout}`);
  }
  const m = JSON.parse(readFileSync(manifest, 'utf8')) as { content_scripts?: { matches: string[] }[] };
  if (!m.content_scripts?.some((cs) => cs.matches.includes('http://127.0.0.1/*'))) {
    throw new Error(`${outDir} is not a PPW_DEMO=1 build (content scripts do not match http://127.0.0.1/*)`);
  }
  return outDir;
}

export function optionsPagePath(extensionDir: string): string {
  const m = JSON.parse(readFileSync(join(extensionDir, 'manifest.json'), 'utf8')) as { options_ui?: { page: string }; options_page?: string };
  const page = m.options_ui?.page ?? m.options_page;
  if (!page) throw new Error(`${extensionDir}/manifest.json has no options_ui.page`);
  return page;
}

// ---------------------------------------------------------------------------------------------------------
// Bounded helpers
// ---------------------------------------------------------------------------------------------------------

export async function withTimeout<T>(what: string, ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------------------
// The browser-agnostic page
// ---------------------------------------------------------------------------------------------------------

/**
 * What the scenario needs from a page. Selectors are CSS and pierce open shadow roots (Playwright does by
 * default; Puppeteer through its `>>>` combinator, added by the Firefox adapter).
 */
export interface E2EPage {
  readonly browser: BrowserName;
  /** Navigates and waits for DOMContentLoaded (bounded). */
  goto(url: string): Promise<void>;
  /** Opens an extension page by its manifest path (e.g. extension/options/index.html). */
  gotoExtensionPage(path: string): Promise<void>;
  evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R>;
  /** Polls `fn` in the page until it returns a truthy value; fails with `what` after `timeoutMs`. */
  waitFor<R, A = undefined>(what: string, fn: (arg: A) => R, arg?: A, timeoutMs?: number): Promise<R>;
  /** A real mouse click on the first element matching a deep selector (waits for it to be visible and enabled). */
  click(selector: string): Promise<void>;
  /** Replaces an input/textarea's content with `text` as a user would (focus, select all, type). */
  fill(selector: string, text: string): Promise<void>;
  /** Element screenshot of the first element matching a (light DOM) selector. */
  screenshotElement(selector: string, path: string): Promise<void>;
  screenshotPage(path: string): Promise<void>;
  /** Messages of every JavaScript dialog (alert/confirm/prompt) opened so far; each one is dismissed. */
  readonly dialogs: string[];
  /** Console errors and page errors seen so far (for diagnostics). */
  readonly errors: string[];
}

export interface LaunchedBrowser {
  page: E2EPage;
  /** Extension origin, e.g. chrome-extension://<id> or moz-extension://<uuid>. */
  extensionOrigin: string;
  close(): Promise<void>;
}

async function closeQuietly(what: string, fn: () => Promise<unknown>, kill?: () => void): Promise<void> {
  try {
    await withTimeout(what, CLOSE_TIMEOUT_MS, fn());
  } catch (err) {
    console.warn(`[e2e] ${what}: ${err instanceof Error ? err.message : String(err)}`);
    kill?.();
  }
}

const VIEWPORT = { width: 1280, height: 900 };

// ---------------------------------------------------------------------------------------------------------
// Chromium (playwright-core)
// ---------------------------------------------------------------------------------------------------------

async function launchChromium(req: BrowserRequirement, extensionDir: string): Promise<LaunchedBrowser> {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'ppw-e2e-chromium-'));
  let ctx: import('playwright-core').BrowserContext | undefined;
  const cleanup = async () => {
    if (ctx) await closeQuietly('closing Chromium', () => ctx!.close());
    rmSync(profile, { recursive: true, force: true });
  };
  try {
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: req.executablePath,
      headless: false,
      timeout: LAUNCH_TIMEOUT_MS,
      viewport: VIEWPORT,
      args: [
        '--headless=new',
        '--no-sandbox',
        '--disable-gpu',
        `--disable-extensions-except=${extensionDir}`,
        `--load-extension=${extensionDir}`,
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
        // Playwright adds this only with headless: true. Without it a full-page or taller-than-viewport
        // element screenshot drops the scrollbar, the page reflows 15 px wider and the picture is clipped.
        '--hide-scrollbars',
      ],
    });
    ctx.setDefaultTimeout(STEP_TIMEOUT_MS);
    ctx.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
    const sw = ctx.serviceWorkers()[0] ?? (await ctx.waitForEvent('serviceworker', { timeout: STEP_TIMEOUT_MS }).catch(() => {
      throw new Error(`the extension's service worker did not start within ${STEP_TIMEOUT_MS} ms (is ${extensionDir} a valid build?)`);
    }));
    // new URL().origin is 'null' for chrome-extension: URLs in Node.
    const extensionOrigin = sw.url().split('/').slice(0, 3).join('/');
    const raw = ctx.pages()[0] ?? (await ctx.newPage());
    const dialogs: string[] = [];
    const errors: string[] = [];
    raw.on('dialog', (d) => {
      dialogs.push(`${d.type()}: ${d.message()}`);
      void d.dismiss().catch(() => {});
    });
    raw.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    raw.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });

    const page: E2EPage = {
      browser: 'chromium',
      dialogs,
      errors,
      async goto(url) {
        await raw.goto(url, { waitUntil: 'domcontentloaded', timeout: STEP_TIMEOUT_MS });
      },
      async gotoExtensionPage(path) {
        await raw.goto(`${extensionOrigin}/${path}`, { waitUntil: 'domcontentloaded', timeout: STEP_TIMEOUT_MS });
      },
      evaluate: (fn, arg) => raw.evaluate(fn as never, arg) as never,
      async waitFor(what, fn, arg, timeoutMs = STEP_TIMEOUT_MS) {
        try {
          const handle = await raw.waitForFunction(fn as (a: unknown) => unknown, arg, { timeout: timeoutMs, polling: 50 });
          const value = await handle.jsonValue();
          await handle.dispose();
          return value as never;
        } catch (err) {
          throw new Error(`waited ${timeoutMs} ms for ${what}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
        }
      },
      async click(selector) {
        await raw.locator(selector).first().click({ timeout: STEP_TIMEOUT_MS });
      },
      async fill(selector, text) {
        await raw.locator(selector).first().fill(text, { timeout: STEP_TIMEOUT_MS });
      },
      async screenshotElement(selector, path) {
        mkdirSync(dirname(path), { recursive: true });
        await raw.locator(selector).first().screenshot({ path, timeout: STEP_TIMEOUT_MS, animations: 'disabled' });
      },
      async screenshotPage(path) {
        mkdirSync(dirname(path), { recursive: true });
        await raw.screenshot({ path, fullPage: true, timeout: STEP_TIMEOUT_MS, animations: 'disabled' });
      },
    };
    return { page, extensionOrigin, close: cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Firefox (puppeteer-core over WebDriver BiDi)
// ---------------------------------------------------------------------------------------------------------

const QUIET_FIREFOX_PREFS: Record<string, unknown> = {
  'network.connectivity-service.enabled': false,
  'network.captive-portal-service.enabled': false,
  'app.update.enabled': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'extensions.getAddons.cache.enabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'toolkit.telemetry.enabled': false,
  'network.dns.disableIPv6': true,
};

async function launchFirefox(req: BrowserRequirement, extensionDir: string): Promise<LaunchedBrowser> {
  const puppeteer = (await import('puppeteer-core')).default;
  const profile = mkdtempSync(join(tmpdir(), 'ppw-e2e-firefox-'));
  let browser: import('puppeteer-core').Browser | undefined;
  const cleanup = async () => {
    if (browser) {
      const b = browser;
      await closeQuietly('closing Firefox', () => b.close(), () => b.process()?.kill('SIGKILL'));
    }
    rmSync(profile, { recursive: true, force: true });
  };
  try {
    browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: req.executablePath,
      headless: true,
      userDataDir: profile,
      timeout: LAUNCH_TIMEOUT_MS,
      protocolTimeout: 20_000,
      defaultViewport: VIEWPORT,
      args: ['--remote-allow-system-access', `--width=${VIEWPORT.width}`, `--height=${VIEWPORT.height}`],
      extraPrefsFirefox: {
        ...QUIET_FIREFOX_PREFS,
        'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: FIREFOX_EXTENSION_UUID }),
      },
    });
    const id = await withTimeout('installing the extension in Firefox', STEP_TIMEOUT_MS, browser.installExtension(extensionDir));
    if (id !== GECKO_ID) throw new Error(`Firefox installed the extension as ${id}, expected ${GECKO_ID}`);
    const extensionOrigin = `moz-extension://${FIREFOX_EXTENSION_UUID}`;
    const raw = (await browser.pages())[0] ?? (await browser.newPage());
    raw.setDefaultTimeout(STEP_TIMEOUT_MS);
    raw.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
    const dialogs: string[] = [];
    const errors: string[] = [];
    raw.on('dialog', (d) => {
      dialogs.push(`${d.type()}: ${d.message()}`);
      void d.dismiss().catch(() => {});
    });
    raw.on('pageerror', (e) => errors.push(`pageerror: ${e instanceof Error ? e.message : String(e)}`));
    raw.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    const deep = (selector: string) => `>>> ${selector}`;

    const page: E2EPage = {
      browser: 'firefox',
      dialogs,
      errors,
      async goto(url) {
        await raw.goto(url, { waitUntil: 'domcontentloaded', timeout: STEP_TIMEOUT_MS });
      },
      async gotoExtensionPage(path) {
        // BiDi never reports `load` (nor DOMContentLoaded) for moz-extension:// pages: start the navigation,
        // don't await it, and let the caller wait for the page's content.
        raw.goto(`${extensionOrigin}/${path}`, { timeout: STEP_TIMEOUT_MS }).catch(() => {});
        await new Promise((r) => setTimeout(r, 100));
      },
      evaluate: (fn, arg) => raw.evaluate(fn as never, arg) as never,
      async waitFor(what, fn, arg, timeoutMs = STEP_TIMEOUT_MS) {
        try {
          const handle = await raw.waitForFunction(fn as (a: unknown) => unknown, { timeout: timeoutMs, polling: 50 }, arg);
          const value = await handle.jsonValue();
          await handle.dispose();
          return value as never;
        } catch (err) {
          throw new Error(`waited ${timeoutMs} ms for ${what}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
        }
      },
      async click(selector) {
        await raw.locator(deep(selector)).setTimeout(STEP_TIMEOUT_MS).click();
      },
      async fill(selector, text) {
        await raw.locator(deep(selector)).setTimeout(STEP_TIMEOUT_MS).fill(text);
      },
      async screenshotElement(selector, path) {
        mkdirSync(dirname(path), { recursive: true });
        const el = await raw.waitForSelector(selector, { timeout: STEP_TIMEOUT_MS });
        if (!el) throw new Error(`no element for ${selector}`);
        await el.screenshot({ path: path as `${string}.png` });
        await el.dispose();
      },
      async screenshotPage(path) {
        mkdirSync(dirname(path), { recursive: true });
        await raw.screenshot({ path: path as `${string}.png`, fullPage: true });
      },
    };
    return { page, extensionOrigin, close: cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** Launches the browser with the e2e build loaded. Throws the install hint when the binary is missing (CI). */
export async function launchBrowser(req: BrowserRequirement, extensionDir: string): Promise<LaunchedBrowser> {
  if (req.missing) throw new Error(req.missing);
  const launch = req.name === 'chromium' ? launchChromium : launchFirefox;
  return withTimeout(`launching ${req.label} with the extension`, LAUNCH_TIMEOUT_MS + STEP_TIMEOUT_MS, launch(req, extensionDir));
}
