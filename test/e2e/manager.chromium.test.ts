/**
 * A manager in headless Chromium: the PinPoint contacts list shows a badge per contact the relay
 * knows, the team dashboard shows the figures, and both change live when Twilio's status callback
 * arrives. The relay runs in live mode against the fake Twilio, so this test decides when each
 * callback arrives (signed, to /twilio/status) instead of the simulator's timer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_APPOINTMENT_SID, startFakeTwilio, type FakeTwilio } from '../helpers/fake-twilio.ts';
import { PUBLIC_URL, startTestRelay, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TEST_SENDER, type TestRelay } from '../helpers/relay-harness.ts';
import { postSignedForm, statusForm } from '../helpers/twilio-signer.ts';
import { ensureExtensionBuild, launchBrowser, optionsPagePath, requireBrowser, STEP_TIMEOUT_MS, type LaunchedBrowser } from './browsers.ts';

const req = requireBrowser('chromium');
const ANA = { id: 42, phone: '+5511987654321' };
const RAHUL = { id: 43, phone: '+919876543210' };

describe.skipIf(req.skip)('manager views in Chromium (list badges, dashboard, live)', () => {
  let fake: FakeTwilio;
  let relay: TestRelay;
  let browser: LaunchedBrowser;
  let rep: string;

  const api = async (path: string, init: RequestInit & { json?: unknown } = {}) => {
    const res = await relay.api(path, { token: rep, ...init });
    expect(res.status, `${init.method ?? 'GET'} ${path}`).toBeLessThan(300);
    return res.json() as Promise<Record<string, unknown>>;
  };
  const callback = (sid: string, status: string) =>
    postSignedForm(relay.url + '/twilio/status', statusForm({ sid, status, to: ANA.phone, from: TEST_SENDER }), TEST_AUTH_TOKEN, { signedUrl: PUBLIC_URL + '/twilio/status' });
  const sendTemplate = async () =>
    (await api('/v1/messages', { method: 'POST', json: { to: ANA.phone, contentSid: SANDBOX_APPOINTMENT_SID, variables: { '1': '12/1', '2': '3pm' } } })) as { sid: string };

  beforeAll(async () => {
    fake = await startFakeTwilio({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
    relay = await startTestRelay({ fakeTwilioUrl: fake.url, demo: true });
    rep = await relay.token('rep', 'Rita Rep');
    // What a rep's panel does on a contact page: the relay learns the PinPoint ids beside the phones.
    await api(`/v1/contacts/${encodeURIComponent(ANA.phone)}?pinpointId=${ANA.id}`);
    await api(`/v1/contacts/${encodeURIComponent(RAHUL.phone)}?pinpointId=${RAHUL.id}`);
    await api(`/v1/contacts/${encodeURIComponent(ANA.phone)}/consent`, { method: 'PUT', json: { state: 'opted_in', evidence: 'Web form 2026-11-30' } });
    browser = await launchBrowser(req, ensureExtensionBuild('chromium'));
    const page = browser.page;
    await page.gotoExtensionPage(optionsPagePath(ensureExtensionBuild('chromium')));
    await page.fill('#relay-url', relay.url);
    await page.fill('#access-token', await relay.token('manager', 'Mona Manager'));
    await page.click('button[type=submit]');
    await page.waitFor('the options to save', () => [...document.querySelectorAll('[role=status]')].some((e) => e.textContent?.includes('Saved.')));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await relay?.close();
    await fake?.close();
  });

  const badges = () =>
    browser.page.evaluate(() =>
      Object.fromEntries(
        [...document.querySelectorAll('wa-badge')].map((b) => [b.closest('tr')?.querySelector('a')?.getAttribute('href')?.split('/').pop() ?? '?', b.shadowRoot?.textContent ?? '']),
      ),
    );

  it('the contacts list shows consent and last status for known contacts, and changes live', async () => {
    const { sid } = await sendTemplate();
    expect((await callback(sid, 'delivered')).status).toBe(204);
    await browser.page.goto(`${relay.url}/demo/s/contacts`);
    await browser.page.waitFor('a badge on Ana\'s row', () => [...document.querySelectorAll('wa-badge')].some((b) => /delivered/i.test(b.shadowRoot?.textContent ?? '')), undefined, STEP_TIMEOUT_MS);
    const before = await badges();
    expect(before[String(ANA.id)]).toMatch(/opted in/i);
    expect(before[String(ANA.id)]).toMatch(/delivered/i);
    expect(before[String(RAHUL.id)]).toMatch(/opt-in unknown|unknown/i);
    // The read receipt arrives: the badge follows without a reload.
    expect((await callback(sid, 'read')).status).toBe(204);
    await browser.page.waitFor('Ana\'s badge to say read', () => [...document.querySelectorAll('wa-badge')].some((b) => /read/i.test(b.shadowRoot?.textContent ?? '')), undefined, STEP_TIMEOUT_MS);
    expect((await badges())[String(ANA.id)]).toMatch(/read/i);
  });

  it('the dashboard shows the team figures and updates when a callback arrives', async () => {
    await browser.page.gotoExtensionPage('extension/dashboard/index.html');
    const figure = (name: string) => browser.page.evaluate((n) => document.querySelector(`[data-figure=${n}] dd`)?.textContent ?? null, name);
    await browser.page.waitFor('the figures', () => document.querySelector('[data-testid=figures]') !== null, undefined, STEP_TIMEOUT_MS);
    expect(await figure('sent')).toBe('1');
    expect(await figure('read')).toBe('1');
    expect(await figure('deliveryRate')).toBe('100.0%');

    const { sid } = await sendTemplate();
    await browser.page.waitFor('sent to become 2', () => document.querySelector('[data-figure=sent] dd')?.textContent === '2', undefined, STEP_TIMEOUT_MS);
    expect(await figure('delivered')).toBe('1');
    expect((await callback(sid, 'failed')).status).toBe(204);
    await browser.page.waitFor('failed to become 1', () => document.querySelector('[data-figure=failed] dd')?.textContent === '1', undefined, STEP_TIMEOUT_MS);
    expect(await figure('deliveryRate')).toBe('50.0%');
    expect(browser.page.errors.filter((e) => !/favicon/.test(e))).toEqual([]);
  });
});
