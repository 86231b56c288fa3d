/**
 * The end-to-end walk-through both browsers run: a real relay in simulator mode (real HTTP, a temp
 * SQLite file), the e2e build of the extension configured through its options page, and the panel on
 * the relay's demo contact pages. Steps (a)–(h) share one browser and one relay and run in order.
 *
 * The panel is reached only through the contract's surface: `<wa-panel>`'s open shadow root and the
 * data-testid hooks, plus visible labels and button texts where a user would click.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRelay, type TestRelay } from '../helpers/relay-harness.ts';
import {
  REPO_ROOT,
  STEP_TIMEOUT_MS,
  ensureExtensionBuild,
  launchBrowser,
  optionsPagePath,
  requireBrowser,
  type BrowserName,
  type E2EPage,
  type LaunchedBrowser,
} from './browsers.ts';

export const SCREENSHOT_DIR = join(REPO_ROOT, 'test', 'e2e', 'screenshots');

const ANA = { id: 42, e164: '+5511987654321', name: 'Ana Souza' };
const RAHUL = { id: 43, name: 'Rahul Mehta', e164s: ['+919876543210', '+912223456789'] };
const APPOINTMENT = { sid: 'HXb5b62575e6e4ff6129ad7c8efe1f983e', name: 'appointment_reminder' };
const REP_NAME = 'Rita Rep';
const XSS = '<img src=x onerror=alert(1)>';

// ---------------------------------------------------------------------------------------------------------
// In-page probes. Each function is serialised into the page, so it must be self-contained.
// ---------------------------------------------------------------------------------------------------------

interface Find {
  /** 'panel' = inside wa-panel's shadow root; 'page' = the document (light DOM / extension page). */
  scope: 'panel' | 'page';
  selector: string;
  /** Keep only elements whose trimmed textContent equals this. */
  text?: string;
  /** Keep only elements whose textContent includes this. */
  contains?: string;
  /** Find the control of the <label> with this exact text instead of `selector`. */
  label?: string;
  /** Marker to put on the element found. */
  mark: string;
}

/** Marks the first matching element with data-e2e=<mark>; returns true when found (for waitFor). */
function markInPage(f: Find): boolean {
  const root: ParentNode | null | undefined = f.scope === 'panel' ? document.querySelector('wa-panel')?.shadowRoot : document;
  if (!root) return false;
  let el: Element | null | undefined;
  if (f.label !== undefined) {
    const label = [...root.querySelectorAll('label')].find((l) => (l.textContent ?? '').trim() === f.label);
    const id = label?.getAttribute('for');
    el = id ? (root as Document | ShadowRoot).querySelector(`#${CSS.escape(id)}`) : label?.querySelector('input,textarea,select');
  } else {
    el = [...root.querySelectorAll(f.selector)].find((e) => {
      const text = (e.textContent ?? '').trim();
      return (f.text === undefined || text === f.text) && (f.contains === undefined || text.includes(f.contains));
    });
  }
  if (!el) return false;
  el.setAttribute('data-e2e', f.mark);
  return true;
}

interface PanelSnapshot {
  panels: number;
  name: string | null;
  phoneText: string | null;
  phoneOptions: string[];
  phoneValue: string | null;
  consent: string | null;
  session: string | null;
  composer: boolean;
  blocked: string | null;
  templateSendDisabled: boolean | null;
  simulated: boolean;
  errors: string[];
  messages: { sid: string; status: string; text: string; direction: string }[];
  imgs: number;
}

function snapshotPanel(): PanelSnapshot | null {
  const hosts = document.querySelectorAll('wa-panel');
  const root = hosts[0]?.shadowRoot;
  if (!root) return null;
  const q = (s: string) => root.querySelector(s);
  const select = q('.phone-switch select') as HTMLSelectElement | null;
  const send = q('[data-testid=wa-template-send]') as HTMLButtonElement | null;
  return {
    panels: hosts.length,
    name: q('.name')?.textContent?.trim() ?? null,
    phoneText: q('.phone')?.textContent ?? null,
    phoneOptions: select ? [...select.options].map((o) => o.value) : [],
    phoneValue: select?.value ?? null,
    consent: q('[data-testid=wa-consent]')?.getAttribute('data-state') ?? null,
    session: q('[data-testid=wa-session]')?.getAttribute('data-state') ?? null,
    composer: Boolean(q('[data-testid=wa-composer]')),
    blocked: q('[data-testid=wa-composer-blocked]')?.getAttribute('data-reason') ?? null,
    templateSendDisabled: send ? send.disabled : null,
    simulated: Boolean(q('[data-testid=wa-simulated]')),
    errors: [...root.querySelectorAll('[data-testid=wa-error]')].map((e) => `${e.getAttribute('data-code')}: ${e.textContent}`),
    messages: [...root.querySelectorAll('[data-testid=wa-message]')].map((m) => ({
      sid: m.getAttribute('data-sid') ?? '',
      status: m.getAttribute('data-status') ?? '',
      text: m.querySelector('.body')?.textContent ?? '',
      direction: m.classList.contains('out') ? 'outbound' : 'inbound',
    })),
    imgs: root.querySelectorAll('img').length,
  };
}

/**
 * Records every data-status a wa-message shows, per data-sid, from a MutationObserver in the page: what a
 * user would have seen, independent of how often the test polls.
 */
function recordStatuses(): void {
  const w = window as unknown as { __e2eStatuses?: Record<string, string[]>; __e2eObserver?: MutationObserver };
  const root = document.querySelector('wa-panel')?.shadowRoot;
  if (!root) throw new Error('no panel to observe');
  w.__e2eObserver?.disconnect();
  const seen: Record<string, string[]> = (w.__e2eStatuses = {});
  const note = (el: Element) => {
    if (el.getAttribute('data-testid') !== 'wa-message') return;
    const sid = el.getAttribute('data-sid') || '(no sid yet)';
    const status = el.getAttribute('data-status') ?? '';
    const list = (seen[sid] ??= []);
    if (list[list.length - 1] !== status) list.push(status);
  };
  root.querySelectorAll('[data-testid=wa-message]').forEach(note);
  w.__e2eObserver = new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === 'attributes') note(r.target as Element);
      r.addedNodes.forEach((n) => {
        if (n instanceof Element) {
          note(n);
          n.querySelectorAll('[data-testid=wa-message]').forEach(note);
        }
      });
    }
  });
  w.__e2eObserver.observe(root, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status', 'data-sid'] });
}

function recordedStatuses(): Record<string, string[]> {
  const w = window as unknown as { __e2eStatuses?: Record<string, string[]>; __e2eObserver?: MutationObserver };
  w.__e2eObserver?.disconnect();
  return w.__e2eStatuses ?? {};
}

const STATUS_ORDER = ['queued', 'sending', 'sent', 'delivered', 'read'];

/** The statuses a sent message showed: only forwards, ending at read, with at least one step before read. */
function expectLiveTicks(history: string[] | undefined): void {
  expect(history, 'statuses shown for the message').toBeDefined();
  const ranks = history!.map((x) => STATUS_ORDER.indexOf(x));
  expect(ranks.every((r) => r >= 0), `unexpected status in ${JSON.stringify(history)}`).toBe(true);
  expect(ranks, `ticks moved backwards: ${JSON.stringify(history)}`).toEqual([...ranks].sort((a, b) => a - b));
  expect(history!.at(-1)).toBe('read');
  expect(history!.length, `the ticks went straight to read: ${JSON.stringify(history)}`).toBeGreaterThan(1);
}

// ---------------------------------------------------------------------------------------------------------
// Scenario
// ---------------------------------------------------------------------------------------------------------

export interface ScenarioOptions {
  /** Save README screenshots into test/e2e/screenshots (UPDATE_SCREENSHOTS=1, Chromium only). */
  screenshots?: boolean;
}

export function defineScenario(browserName: BrowserName, opts: ScenarioOptions = {}): void {
  const req = requireBrowser(browserName);

  describe.skipIf(req.skip)(`panel end to end in ${req.label}`, () => {
    let relay: TestRelay | undefined;
    let launched: LaunchedBrowser | undefined;
    let page: E2EPage;
    let adminToken: string;
    let repToken: string;
    let markCount = 0;

    /** Waits for an element (see Find) and returns a deep selector for it. */
    const find = async (what: string, f: Omit<Find, 'mark'>, timeoutMs = STEP_TIMEOUT_MS): Promise<string> => {
      const mark = `m${++markCount}`;
      await page.waitFor(what, markInPage, { ...f, mark }, timeoutMs);
      return `[data-e2e="${mark}"]`;
    };
    const clickButton = async (text: string, scope: 'panel' | 'page' = 'panel', within = '') =>
      page.click(await find(`a "${text}" button`, { scope, selector: `${within} button`.trim(), text }));
    const panel = async (): Promise<PanelSnapshot> => {
      const s = await page.evaluate(snapshotPanel);
      if (!s) throw new Error('there is no <wa-panel> with a shadow root on the page');
      return s;
    };
    /** Waits until `check(snapshot)` holds; on timeout the error shows the last snapshot. */
    const until = async (what: string, check: (s: PanelSnapshot) => boolean, timeoutMs = STEP_TIMEOUT_MS): Promise<PanelSnapshot> => {
      const deadline = Date.now() + timeoutMs;
      let last: PanelSnapshot | null = null;
      for (;;) {
        last = await page.evaluate(snapshotPanel);
        if (last && check(last)) return last;
        if (Date.now() > deadline) {
          throw new Error(`waited ${timeoutMs} ms for ${what}; the panel was: ${JSON.stringify(last)}\npage errors: ${JSON.stringify(page.errors.slice(-5))}`);
        }
        await new Promise((r) => setTimeout(r, 60));
      }
    };
    const shot = async (file: string, fullPage = false) => {
      if (!opts.screenshots) return;
      // Let the layout settle (fonts, the countdown) before the picture.
      await new Promise((r) => setTimeout(r, 150));
      const path = join(SCREENSHOT_DIR, file);
      if (fullPage) await page.screenshotPage(path);
      else await page.screenshotElement('wa-panel', path);
    };
    const contactReply = async (from: string, body: string) => {
      const res = await relay!.api('/v1/simulator/inbound', { method: 'POST', token: adminToken, json: { from, body } });
      expect(res.status, `simulated reply "${body}": ${await res.clone().text()}`).toBe(201);
    };
    /** Set in the page's main world; survives in-page navigation and is gone after a reload. */
    const markDocument = () => page.evaluate(() => ((window as unknown as { __e2eLive: number }).__e2eLive = 1));
    const documentNotReloaded = () => page.evaluate(() => (window as unknown as { __e2eLive?: number }).__e2eLive === 1);

    beforeAll(async () => {
      if (req.missing) throw new Error(req.missing); // CI=true and no browser: fail before starting anything
      const extensionDir = ensureExtensionBuild(browserName);
      relay = await startTestRelay({ demo: true, simDelayMs: 150 });
      adminToken = await relay.token('admin', 'E2E Admin');
      repToken = await relay.token('rep', REP_NAME);
      launched = await launchBrowser(req, extensionDir);
      page = launched.page;
    }, 60_000);

    afterAll(async () => {
      try {
        await launched?.close();
      } finally {
        await relay?.close();
      }
    }, 30_000);

    it('(a) options page: saves the Relay URL and Access token, and Test connection shows "NAME (ROLE)"', async () => {
      const optionsPath = optionsPagePath(ensureExtensionBuild(browserName));
      await page.gotoExtensionPage(optionsPath);
      await page.fill(await find('the Relay URL field', { scope: 'page', selector: '', label: 'Relay URL' }), relay!.url);
      await page.fill(await find('the Access token field', { scope: 'page', selector: '', label: 'Access token' }), repToken);
      await clickButton('Save', 'page');
      await find('"Saved." on the options page', { scope: 'page', selector: '[role=status]', text: 'Saved.' });
      await clickButton('Test connection', 'page');
      const ok = await find('the connection test result', { scope: 'page', selector: '[role=status]', contains: 'Connected as' });
      const status = await page.evaluate((sel) => document.querySelector(sel)?.textContent?.trim() ?? '', ok);
      expect(status).toBe(`Connected as ${REP_NAME} (rep)`);
    });

    it('(b) contact 42: the panel shows the number and consent "unknown"', async () => {
      await page.goto(`${relay!.url}/demo/s/contacts/view/${ANA.id}`);
      await markDocument();
      const s = await until('the panel with its consent state', (x) => x.consent !== null && x.session !== null);
      expect(s.panels).toBe(1);
      expect(s.name).toBe(ANA.name);
      expect((s.phoneText ?? '').replace(/\D/g, '')).toContain(ANA.e164.slice(1));
      expect(s.consent).toBe('unknown');
      expect(s.simulated, 'the panel says plainly that messages are simulated').toBe(true);
      expect(s.errors).toEqual([]);
      // The template picker lists the simulator's templates; sending waits for an opt-in.
      await find('the appointment template in the picker', { scope: 'panel', selector: '[data-testid=wa-template-picker] button.tpl', contains: APPOINTMENT.name });
      expect(s.templateSendDisabled).toBe(true);
      if (opts.screenshots) {
        await page.click(await find('the appointment template', { scope: 'panel', selector: 'button.tpl', contains: APPOINTMENT.name }));
        await page.waitFor('the template variables', () => Boolean(document.querySelector('wa-panel')?.shadowRoot?.querySelector('#wa-var-1')));
        await shot('panel-template.png');
      }
    });

    it('(c) recording an opt-in with evidence turns consent to "opted_in"', async () => {
      await clickButton('Record opt-in', 'panel', '[data-testid=wa-consent]');
      const evidence = 'Said yes on the phone call of 2 May; CRM field WhatsApp Opt-in = Yes';
      await page.fill(await find('the evidence field', { scope: 'panel', selector: '[data-testid=wa-consent-form] textarea' }), evidence);
      await clickButton('Record opt-in', 'panel', '[data-testid=wa-consent-form]');
      await until('consent "opted_in"', (x) => x.consent === 'opted_in');
      const res = await relay!.api(`/v1/contacts/${encodeURIComponent(ANA.e164)}`, { token: adminToken });
      const body = (await res.json()) as { consent: { state: string; evidence: string; by: string } };
      expect(body.consent).toMatchObject({ state: 'opted_in', evidence, by: REP_NAME });
    });

    it('(d) the appointment template is sent and its ticks reach "read" live', async () => {
      await page.click(await find('the appointment template', { scope: 'panel', selector: 'button.tpl', contains: APPOINTMENT.name }));
      await page.fill(await find('variable 1', { scope: 'panel', selector: '#wa-var-1' }), '12/1');
      await page.fill(await find('variable 2', { scope: 'panel', selector: '#wa-var-2' }), '3pm');
      await page.waitFor('the template preview', () =>
        (document.querySelector('wa-panel')?.shadowRoot?.querySelector('[data-testid=wa-template-preview]')?.textContent ?? '').includes('on 12/1 at 3pm'),
      );
      await page.evaluate(recordStatuses);
      await page.click('[data-testid=wa-template-send]');
      const s = await until('the template message to reach "read"', (x) =>
        x.messages.some((m) => m.direction === 'outbound' && m.sid.startsWith('SM') && m.status === 'read'),
      15_000);
      const sent = s.messages.find((m) => m.sid.startsWith('SM'))!;
      expect(sent.text).toContain('Your appointment is coming up on 12/1 at 3pm');
      expect(s.messages.filter((m) => m.sid === sent.sid)).toHaveLength(1);
      expect(await documentNotReloaded(), 'the ticks moved without a reload').toBe(true);
      // Live: the ticks moved through the simulator's statuses on screen, forwards only.
      expectLiveTicks((await page.evaluate(recordedStatuses))[sent.sid]);
      const res = await relay!.api(`/v1/contacts/${encodeURIComponent(ANA.e164)}`, { token: adminToken });
      const stored = (await res.json()) as { messages: { sid: string; status: string; contentSid: string; sentBy: string }[] };
      expect(stored.messages.find((m) => m.sid === sent.sid)).toMatchObject({ status: 'read', contentSid: APPOINTMENT.sid, sentBy: REP_NAME });
      await shot('panel-read-ticks.png');
      await shot('contact-page.png', true);
    });

    it('(e) closed window blocks the composer; a contact reply opens it and a free-form message goes out', async () => {
      let s = await panel();
      expect(s.session).toBe('closed');
      expect(s.composer).toBe(false);
      expect(s.blocked).toBe('session_closed');
      // The contact replies from the demo page's own "phone" box (POST /demo/reply → simulator → signed webhook).
      await page.fill('#demo-reply-body', 'Hi! 3pm works for me.');
      await page.click('#demo-reply button[type=submit]');
      s = await until('the window to open and the composer to appear', (x) => x.session === 'open' && x.composer);
      expect(s.blocked).toBeNull();
      expect(s.messages.some((m) => m.direction === 'inbound' && m.text.includes('3pm works for me'))).toBe(true);
      const text = 'Great, see you on *Tuesday*!';
      await page.fill(await find('the composer', { scope: 'panel', selector: '[data-testid=wa-composer] textarea' }), text);
      await page.evaluate(recordStatuses);
      await clickButton('Send', 'panel', '[data-testid=wa-composer]');
      s = await until('the free-form message to reach "read"', (x) =>
        x.messages.some((m) => m.direction === 'outbound' && m.text === 'Great, see you on Tuesday!' && m.sid.startsWith('SM') && m.status === 'read'),
      15_000);
      const freeForm = s.messages.find((m) => m.text === 'Great, see you on Tuesday!')!;
      expect(s.messages.filter((m) => m.text === freeForm.text)).toHaveLength(1);
      expectLiveTicks((await page.evaluate(recordedStatuses))[freeForm.sid]);
      expect(await page.evaluate(() => (document.querySelector('wa-panel')?.shadowRoot?.querySelector('[data-testid=wa-composer] textarea') as HTMLTextAreaElement | null)?.value)).toBe('');
      // WhatsApp *bold* renders as an element, not as literal asterisks.
      expect(await page.evaluate(() => [...(document.querySelector('wa-panel')?.shadowRoot?.querySelectorAll('[data-testid=wa-message] strong') ?? [])].map((e) => e.textContent))).toContain('Tuesday');
      await shot('panel-composer.png');
    });

    it('(f) in-page navigation to contact 43 and back keeps exactly one panel for the right contact', async () => {
      const before = (await panel()).messages.length;
      await page.click(`.app-sidebar a[href="/demo/s/contacts/view/${RAHUL.id}"]`);
      let s = await until(`the panel for ${RAHUL.name}`, (x) => x.name === RAHUL.name && x.consent !== null);
      expect(await page.evaluate(() => location.pathname)).toBe(`/demo/s/contacts/view/${RAHUL.id}`);
      expect(await documentNotReloaded(), 'Mautic-like navigation, not a page load').toBe(true);
      // Settled: still one panel a moment later (no duplicate from a late mount).
      await new Promise((r) => setTimeout(r, 400));
      s = await panel();
      expect(s.panels).toBe(1);
      expect(s.name).toBe(RAHUL.name);
      const shown = s.phoneOptions.length > 0 ? [s.phoneValue ?? '', ...s.phoneOptions] : [(s.phoneText ?? '').replace(/\D/g, '')];
      const digits = shown.map((p) => p.replace(/\D/g, ''));
      expect(digits.some((d) => d.startsWith('91')), `numbers shown: ${JSON.stringify(shown)}`).toBe(true);
      expect(digits.some((d) => d.includes('5511987654321'))).toBe(false);
      expect(RAHUL.e164s.map((e) => e.slice(1))).toContain((s.phoneValue ?? s.phoneText ?? '').replace(/\D/g, ''));
      expect(s.messages).toHaveLength(0);
      expect(s.consent).toBe('unknown');
      // Ana writes while the rep looks at Rahul: Rahul's panel must not show it.
      await contactReply(ANA.e164, 'Are you still there?');
      await new Promise((r) => setTimeout(r, 600));
      s = await panel();
      expect(s.name).toBe(RAHUL.name);
      expect(s.messages, "another contact's reply leaked into this panel").toHaveLength(0);

      await page.click(`.app-sidebar a[href="/demo/s/contacts/view/${ANA.id}"]`);
      s = await until(`the panel for ${ANA.name} with its history`, (x) => x.name === ANA.name && x.messages.length >= before && x.consent === 'opted_in');
      await new Promise((r) => setTimeout(r, 400));
      s = await panel();
      expect(s.panels).toBe(1);
      expect(s.messages.length, 'the history plus the reply that came while away').toBe(before + 1);
      expect(s.messages.at(-1)).toMatchObject({ direction: 'inbound', text: 'Are you still there?' });
      const outbound = s.messages.filter((m) => m.direction === 'outbound');
      expect(outbound.map((m) => m.status), 'the outbound history keeps its read ticks').toEqual(outbound.map(() => 'read'));
      expect(await documentNotReloaded()).toBe(true);
    });

    it('(g) an inbound "<img onerror>" is shown as text, never as HTML', async () => {
      // Positive control: the dialog detector does see an alert from the page's main world.
      await page.evaluate(() => void setTimeout(() => alert('e2e-probe'), 0));
      await until('the probe alert to be seen', () => page.dialogs.some((d) => d.includes('e2e-probe')), 5_000);
      page.dialogs.length = 0;
      await contactReply(ANA.e164, XSS);
      const s = await until('the inbound message with the markup', (x) => x.messages.some((m) => m.direction === 'inbound' && m.text.includes(XSS)));
      expect(s.imgs, 'no <img> inside the panel').toBe(0);
      // Give a would-be onerror time to fire.
      await new Promise((r) => setTimeout(r, 300));
      expect(await page.evaluate(() => document.querySelector('wa-panel')?.shadowRoot?.querySelectorAll('img').length)).toBe(0);
      expect(await page.evaluate(() => document.querySelectorAll('img[src="x"]').length), 'no <img src=x> in the page either').toBe(0);
      expect(page.dialogs).toEqual([]);
    });

    it('(h) the contact sends STOP: consent turns "opted_out" live and both ways to send close', async () => {
      await contactReply(ANA.e164, 'STOP');
      const s = await until('consent "opted_out"', (x) => x.consent === 'opted_out');
      expect(s.templateSendDisabled).toBe(true);
      expect(s.composer).toBe(false);
      expect(s.blocked).toBe('opted_out');
      expect(await documentNotReloaded()).toBe(true);
      await shot('panel-opted-out.png');
    });
  });
}

