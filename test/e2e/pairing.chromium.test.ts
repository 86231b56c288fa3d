/**
 * Pairing as a rep meets it: a manager makes a one-time code, the rep types the relay URL, the code
 * and their name into the extension's options, and ends up connected with a token of their own that
 * nobody pasted around — then the panel works with it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRelay, type TestRelay } from '../helpers/relay-harness.ts';
import { ensureExtensionBuild, launchBrowser, optionsPagePath, requireBrowser, STEP_TIMEOUT_MS, type LaunchedBrowser } from './browsers.ts';

const req = requireBrowser('chromium');

describe.skipIf(req.skip)('pairing in Chromium', () => {
  let relay: TestRelay;
  let browser: LaunchedBrowser;

  beforeAll(async () => {
    relay = await startTestRelay({ demo: true });
    browser = await launchBrowser(req, ensureExtensionBuild('chromium'));
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await relay?.close();
  });

  it('a rep pairs with a code and the panel works with the token it got', async () => {
    const manager = await relay.token('manager', 'Mona Manager');
    const made = await relay.api('/v1/pairing-codes', { method: 'POST', token: manager, json: {} });
    expect(made.status).toBe(201);
    const { code } = (await made.json()) as { code: string };

    const page = browser.page;
    await page.gotoExtensionPage(optionsPagePath(ensureExtensionBuild('chromium')));
    await page.fill('#relay-url', relay.url);
    await page.fill('#pairing-code', code.toLowerCase()); // as typed by a person
    await page.fill('#pair-name', 'Paula Rep');
    await page.click('[data-testid=pairing] button');
    await page.waitFor('the pairing to connect', () => document.querySelector('#pair-status')?.textContent?.includes('Connected as Paula Rep (rep)') || [...document.querySelectorAll('[role=status]')].some((e) => e.textContent?.includes('Connected as Paula Rep (rep)')), undefined, STEP_TIMEOUT_MS);

    // The token exists on the relay under the rep's name, and the code is spent.
    expect((await relay.deps.store.listTokens()).some((t) => t.name === 'Paula Rep' && t.role === 'rep' && !t.revokedAt)).toBe(true);
    const again = await fetch(relay.url + '/v1/pair', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, name: 'Someone Else' }) });
    expect(again.status).toBe(401);

    // The panel on a contact page now talks to the relay with that token.
    await page.goto(`${relay.url}/demo/s/contacts/view/42`);
    await page.waitFor('the panel with consent', () => Boolean(document.querySelector('wa-panel')?.shadowRoot?.querySelector('[data-testid=wa-consent][data-state]')), undefined, STEP_TIMEOUT_MS);
  });
});
