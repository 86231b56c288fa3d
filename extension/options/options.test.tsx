// @vitest-environment happy-dom
/**
 * The options page's "Pair with a code" form, with the real background behind it: the page's
 * runtime.sendMessage goes to the real request handlers, whose relay client talks to a fake relay
 * (fetch), and whose savePairing writes the real settings storage (in memory).
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { FetchLike } from '../background/relay-client.ts';

type FakeBrowser = ReturnType<typeof import('../background/fake-browser.ts').createFakeBrowser> & {
  runtime: { id: string; getURL(path: string): string; sendMessage(message: unknown): Promise<unknown> };
  permissions: Record<string, (...args: unknown[]) => Promise<boolean>>;
};

const fake = vi.hoisted(() => ({
  browser: null as unknown as FakeBrowser,
  onMessage: (async () => undefined) as (message: unknown) => Promise<unknown>,
}));
vi.mock('webextension-polyfill', async () => {
  const { createFakeBrowser } = await import('../background/fake-browser.ts');
  fake.browser ??= Object.assign(createFakeBrowser(), {
    runtime: {
      id: 'test-extension',
      getURL: (path: string) => `chrome-extension://test-extension/${path}`,
      sendMessage: (message: unknown) => fake.onMessage(structuredClone(message)),
    },
    permissions: { request: async () => true, contains: async () => true, remove: async () => true },
  });
  return { default: fake.browser };
});

const RELAY = 'https://relay.example.com';
const NEW_TOKEN = `ppw_${'N'.repeat(43)}`;

interface Page {
  requests: unknown[];
  fetches: { url: string; method: string; headers: Record<string, string>; body: unknown }[];
  $<E extends HTMLElement = HTMLElement>(selector: string): E;
  type(selector: string, value: string): void;
  clickPair(): void;
  text(selector: string): string;
  storedSettings(): Record<string, unknown> | undefined;
}

/** What the fake relay answers to POST /v1/pair. */
type PairAnswer = { status: number; body: unknown; headers?: Record<string, string> } | 'unreachable';

async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}; page says: ${document.querySelector('#pair-status')?.textContent} | ${document.querySelector('#test-status')?.textContent} | code=${(document.querySelector('#pairing-code') as HTMLInputElement | null)?.value}`);
}

async function openPage(pairAnswer: () => PairAnswer): Promise<Page> {
  vi.resetModules();
  document.body.innerHTML = '<div id="app"></div>';
  const { createHandlers, handleMessage } = await import('../background/handlers.ts');
  const { createRelayClient } = await import('../background/relay-client.ts');
  const { loadSettings, saveSettings } = await import('./storage.ts');

  const fetches: Page['fetches'] = [];
  const fetch: FetchLike = async (url, init = {}) => {
    const headers = Object.fromEntries(Object.entries((init.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]));
    const path = new URL(url).pathname;
    fetches.push({ url, method: init.method ?? 'GET', headers, body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined });
    const json = (status: number, body: unknown, extra: Record<string, string> = {}) =>
      new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...extra } });
    if (path === '/v1/pair') {
      const answer = pairAnswer();
      if (answer === 'unreachable') throw new TypeError('Failed to fetch');
      return json(answer.status, answer.body, answer.headers);
    }
    if (headers.authorization !== `Bearer ${NEW_TOKEN}`) return json(401, { error: { code: 'UNAUTHORIZED', message: 'unknown token' } });
    if (path === '/v1/me') return json(200, { name: 'Rita Rep', role: 'rep', simulated: false });
    if (path === '/v1/templates') return json(200, { templates: [], fetchedAt: '2026-01-01T00:00:00.000Z', simulated: false });
    return json(404, { error: { code: 'NOT_FOUND', message: path } });
  };
  const handlers = createHandlers({
    client: createRelayClient({ getSettings: loadSettings, fetch }),
    badge: { seen: async () => undefined },
    openOptions: async () => undefined,
    pageSettings: async () => ({ defaultCountry: '', optInLabel: '', mappings: {}, configured: false }),
    savePairing: async (relayUrl, token) => void (await saveSettings({ relayUrl, token })),
  });
  const requests: unknown[] = [];
  fake.onMessage = async (message) => {
    requests.push(message);
    return handleMessage(handlers, message);
  };

  await import('./options.tsx');
  const $ = <E extends HTMLElement = HTMLElement>(selector: string): E => {
    const el = document.querySelector<E>(selector);
    if (!el) throw new Error(`no ${selector}`);
    return el;
  };
  await until('the options page', () => document.querySelector('#pairing-code') !== null);
  return {
    requests,
    fetches,
    $,
    type(selector, value) {
      const input = $<HTMLInputElement>(selector);
      input.value = value;
      input.dispatchEvent(new Event('input', { bubbles: true }));
    },
    clickPair() {
      const button = [...document.querySelectorAll<HTMLButtonElement>('[data-testid=pairing] button')].find((b) => b.textContent === 'Pair');
      if (!button) throw new Error('no Pair button');
      button.click();
    },
    text: (selector) => $(selector).textContent ?? '',
    storedSettings: () => fake.browser.storage.local.data.get('settings') as Record<string, unknown> | undefined,
  };
}

beforeEach(() => {
  fake.browser?.storage.local.data.clear();
});

describe('options page: pair with a code', () => {
  it('pairs through the background, saves the token without showing it, and tests the connection', async () => {
    const page = await openPage(() => ({ status: 201, body: { token: NEW_TOKEN, name: 'Rita Rep', role: 'rep' } }));
    expect(page.$('label[for=pairing-code]').textContent).toBe('Pairing code');
    expect(page.$('label[for=pair-name]').textContent).toBe('Your name');
    expect(page.text('#sec-pair')).toBe('Pair with a code');

    page.type('#relay-url', `${RELAY}/`);
    page.type('#pairing-code', 'abcde-23456');
    page.type('#pair-name', '  Rita Rep ');
    page.clickPair();
    await until('Connected as', () => page.text('#test-status').includes('Connected as'));

    // The right request to the background, and from it the right call to the relay (no token).
    expect(page.requests[0]).toEqual({ type: 'pair', relayUrl: RELAY, code: 'abcde-23456', name: 'Rita Rep' });
    const pairCall = page.fetches.find((f) => f.url === `${RELAY}/v1/pair`);
    expect(pairCall).toMatchObject({ method: 'POST', body: { code: 'abcde-23456', name: 'Rita Rep' } });
    expect(pairCall?.headers.authorization).toBeUndefined();

    // Saved into the settings, with the Relay URL; then Test connection ran with the new token.
    expect(page.storedSettings()).toMatchObject({ relayUrl: RELAY, token: NEW_TOKEN });
    expect(page.requests).toContainEqual({ type: 'me', refresh: true });
    expect(page.fetches.find((f) => f.url === `${RELAY}/v1/me`)?.headers.authorization).toBe(`Bearer ${NEW_TOKEN}`);
    expect(page.text('#test-status')).toBe('Connected as Rita Rep (rep)');
    expect(page.text('#pair-status')).toBe('Paired as Rita Rep (rep). Your token is saved in this browser.');

    // The token is in the (masked) token field, so a later Save keeps it, and nowhere in the page's text.
    const tokenField = page.$<HTMLInputElement>('#access-token');
    expect(tokenField.type).toBe('password');
    expect(tokenField.value).toBe(NEW_TOKEN);
    expect(document.body.textContent).not.toContain(NEW_TOKEN);
    expect(document.body.textContent).not.toContain(NEW_TOKEN.slice(4, 20));
    // The spent code is cleared; the name stays.
    expect(page.$<HTMLInputElement>('#pairing-code').value).toBe('');
    expect(page.$<HTMLInputElement>('#pair-name').value).toBe('  Rita Rep ');
  });

  it('checks the form before asking anything: Relay URL, code shape, name', async () => {
    const page = await openPage(() => ({ status: 500, body: {} }));
    page.type('#relay-url', 'not a url');
    page.type('#pairing-code', 'ABCDE-23456');
    page.type('#pair-name', 'Rita');
    page.clickPair();
    await until('a Relay URL error', () => document.querySelector('#relay-url-error') !== null);
    expect(page.text('#relay-url-error')).toBe('Enter an address that starts with http:// or https://');

    page.type('#relay-url', RELAY);
    page.type('#pairing-code', 'ABCDE-0OOOO');
    page.type('#pair-name', '   ');
    page.clickPair();
    await until('field errors', () => document.querySelector('#pairing-code-error') !== null);
    expect(page.text('#pairing-code-error')).toMatch(/ten letters and digits/);
    expect(page.text('#pair-name-error')).toMatch(/Enter your name/);
    expect(page.$('#pairing-code').getAttribute('aria-invalid')).toBe('true');
    expect(page.requests.filter((r) => (r as { type: string }).type === 'pair')).toEqual([]);
    expect(page.fetches).toEqual([]);
  });

  it('says clearly when the code is refused, the relay limits attempts, or the relay cannot be reached; nothing is saved', async () => {
    const answers: PairAnswer[] = [
      { status: 401, body: { error: { code: 'UNAUTHORIZED', message: 'This pairing code is not valid.' } } },
      { status: 429, body: { error: { code: 'RATE_LIMITED', message: 'Too many pairing attempts.' } }, headers: { 'Retry-After': '6' } },
      'unreachable',
    ];
    const page = await openPage(() => answers.shift() ?? 'unreachable');
    page.type('#relay-url', RELAY);
    page.type('#pairing-code', 'ABCDE-23456');
    page.type('#pair-name', 'Rita');

    const expected = [
      'This code was not accepted: it may be mistyped, already used or expired. Ask your manager for a new one.',
      'Too many pairing attempts from your network. Wait a minute, then try again.',
      'The relay could not be reached. Check the Relay URL, that the relay is running and your network.',
    ];
    for (const text of expected) {
      page.clickPair();
      await until(text, () => page.text('#pair-status') === text);
      expect(page.$('#pair-status').className).toContain('status-error');
    }
    expect(page.requests.filter((r) => (r as { type: string }).type === 'pair')).toHaveLength(3);
    // A refused code is kept in the field to fix; no token was saved; no connection test ran.
    expect(page.$<HTMLInputElement>('#pairing-code').value).toBe('ABCDE-23456');
    expect((page.storedSettings()?.token as string | undefined) ?? '').toBe('');
    expect(page.requests).not.toContainEqual({ type: 'me', refresh: true });
  });

  it('Enter in the pairing fields pairs instead of saving the form', async () => {
    const page = await openPage(() => ({ status: 201, body: { token: NEW_TOKEN, name: 'Rita Rep', role: 'rep' } }));
    page.type('#relay-url', RELAY);
    page.type('#pairing-code', 'ABCDE-23456');
    page.type('#pair-name', 'Rita Rep');
    const enter = new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true });
    page.$('#pair-name').dispatchEvent(enter);
    expect(enter.defaultPrevented).toBe(true);
    await until('Connected as', () => page.text('#test-status') === 'Connected as Rita Rep (rep)');
    expect(page.text('#save-status')).toBe('');
  });
});
