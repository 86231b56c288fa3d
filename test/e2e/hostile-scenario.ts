/**
 * Hostile content in real browsers (issue 6): HTML and script payloads arrive from every outside source the
 * panel and the team dashboard show — a contact's message bodies (signed inbound webhooks and the simulator's
 * reply call), the contact's WhatsApp ProfileName, the variables of a sent template, a rep's name (the token's
 * name: "sent by", consent "by", the dashboard's per-rep rows) and consent evidence. Each payload would, if it
 * ever ran, set `data-ppw-pwned` on <html> and open an alert. The steps prove the detector works (a positive
 * control really runs a payload), then that nothing ran, that no element was made from a payload, and that
 * every payload is shown as literal text.
 *
 * Shared by hostile.chromium.test.ts and hostile.firefox.test.ts; the same relay and browser serve all steps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWhatsAppFormat, type FormatNode } from '../../shared/whatsapp-format.ts';
import { renderTemplate } from '../../shared/templates.ts';
import { SIMULATED_TEMPLATES } from '../../relay/twilio/simulated-templates.ts';
import { HTML_PAYLOADS } from '../helpers/hostile-input.ts';
import { PUBLIC_URL, startTestRelay, type TestRelay } from '../helpers/relay-harness.ts';
import { inboundForm, postSignedForm } from '../helpers/twilio-signer.ts';
import { ensureExtensionBuild, launchBrowser, optionsPagePath, requireBrowser, STEP_TIMEOUT_MS, type BrowserName, type E2EPage, type LaunchedBrowser } from './browsers.ts';

// ---------------------------------------------------------------------------------------------------------
// Payloads
// ---------------------------------------------------------------------------------------------------------

/** In every payload's script, so any element made from a payload carries it in an attribute or its text. */
const MARKER = 'ppwPwned';
/** What a payload does if it runs: a flag every JavaScript world sees (a DOM attribute) and a dialog. */
const js = (tag: string) => `document.documentElement.dataset.${MARKER}='${tag}';alert('${MARKER}:${tag}')`;

/** HTML and script in every shape a browser might run it; none uses \n or 5 spaces, so all are valid template variables. */
export const HOSTILE = {
  img: `<img src=x onerror="${js('img')}">`,
  script: `<script>${js('script')}</script>`,
  svg: `<svg onload="${js('svg')}"><circle r="9"></circle></svg>`,
  jsUrl: `<a href="javascript:${js('js-url')}">open</a> javascript:${js('js-bare')}`,
  iframe: `"><iframe srcdoc="<script>parent.${js('iframe')}</script>"></iframe>`,
  waBold: `*<b onmouseover="${js('wa-bold')}">x</b>*`,
  waItalic: `_<img src=x onerror="${js('wa-italic')}">_`,
  waMono: '```<script>' + js('wa-mono') + '</script>```',
  waStrike: `~<svg/onload=${js('wa-strike')}>~`,
  rtl: `\u202Etxt.exe\u202C <b>\u2067rtl\u2069</b> \u200F<img src=x onerror="${js('rtl')}">`,
  styleObject: `<style>.${MARKER},*{display:none!important}</style><object data="javascript:${js('object')}"></object>`,
  entities: `&lt;b&gt; &amp; &#60;img src=x onerror=${js('entity')}&#62;`,
  attrBreak: `' onfocus='${js('attr')}' autofocus x='`,
} as const;

/** A very long unbroken string: shown whole, and it must not widen the panel. */
export const LONG_BODY = 'W'.repeat(4000);
const LONG_VARIABLE = 'V'.repeat(700);

const ANA = { id: 42, e164: '+5511987654321', name: 'Ana Souza' };
const REP_NAME = `Rita <img src=x onerror="${js('rep-img')}"> "><svg onload="${js('rep-svg')}"> \u202Eper`;
const PROFILE_NAME = `Ana "><img src=x onerror="${js('profile')}"> \u202Eana`;
const EVIDENCE = `Web form <script>${js('evidence')}</script> *<b>yes</b>* <iframe srcdoc="<script>parent.${js('evidence-iframe')}</script>">`;
const ORDER = SIMULATED_TEMPLATES.find((x) => x.name === 'order_update')!;
const APPOINTMENT = SIMULATED_TEMPLATES.find((x) => x.name === 'appointment_reminder')!;

/** What the panel shows for a text: WhatsApp markers become elements, so their characters are not in textContent. */
export function shownText(text: string): string {
  const flat = (nodes: readonly FormatNode[]): string =>
    nodes
      .map((n) => {
        switch (n.type) {
          case 'text':
          case 'mono':
          case 'code':
            return n.text;
          case 'newline':
            return '';
          default:
            return flat(n.children);
        }
      })
      .join('');
  return flat(parseWhatsAppFormat(text));
}

// ---------------------------------------------------------------------------------------------------------
// In-page probes (serialised into the page: self-contained)
// ---------------------------------------------------------------------------------------------------------

interface Audit {
  /** data-ppw-pwned on <html>: set only if a payload ran. */
  flag: string | null;
  /** window.__pwned in the page's main world: what the shared HTML_PAYLOADS (hostile-input.ts) set if they run. */
  pwned: unknown;
  /** Elements that a payload would have created, described. */
  elements: string[];
  /** Attributes carrying payload script (an event handler, a javascript: URL, srcdoc…). */
  attributes: string[];
}

/**
 * Looks at the whole document and every open shadow root in it. `where` picks what "unexpected" means: 'panel' =
 * a CRM page with the panel (its shadow root holds no markup of the kinds the payloads carry); 'extension' = an
 * extension page (dashboard, options) whose only SVG is its charts.
 */
function auditDom(arg: { marker: string; where: 'panel' | 'extension' }): Audit {
  const { marker, where } = arg;
  const out: Audit = {
    flag: document.documentElement.getAttribute('data-ppw-pwned'),
    pwned: (window as unknown as { __pwned?: unknown }).__pwned ?? null,
    elements: [],
    attributes: [],
  };
  const roots: (Document | ShadowRoot)[] = [];
  const collect = (root: Document | ShadowRoot) => {
    roots.push(root);
    root.querySelectorAll('*').forEach((el) => el.shadowRoot && collect(el.shadowRoot));
  };
  collect(document);
  const panelRoot = document.querySelector('wa-panel')?.shadowRoot ?? null;
  const describe = (el: Element) => el.outerHTML.slice(0, 160);
  // Our payloads carry the marker; the shared HTML_PAYLOADS set window.__pwned.
  const hostile = (text: string) => text.includes(marker) || text.includes('__pwned');
  for (const root of roots) {
    const inPanel = root === panelRoot;
    for (const el of root.querySelectorAll('*')) {
      const tag = el.tagName.toLowerCase();
      for (const a of [...el.attributes]) {
        // Only attributes a browser runs or loads count: an event handler, or a URL/document one holding the
        // payload. A name in data-key or <option value> is data, never run.
        const runs = /^on/i.test(a.name) && (inPanel || where === 'extension' || hostile(a.value));
        const loads = /^(href|src|srcdoc|srcset|data|action|formaction|xlink:href|poster|background)$/i.test(a.name) && (hostile(a.value) || /^\s*javascript:/i.test(a.value));
        if (runs || loads) out.attributes.push(`<${tag} ${a.name}="${a.value.slice(0, 80)}">`);
      }
      // The page's and the panel's own CSS never says !important; the payloads' does.
      if ((tag === 'script' || tag === 'style') && (hostile(el.textContent ?? '') || (el.textContent ?? '').includes('!important'))) out.elements.push(describe(el));
      if (inPanel) {
        if (/^(img|script|iframe|frame|object|embed|svg|circle|b|i|a|link|meta|base)$/.test(tag) && !(tag === 'a' && el.closest('[data-testid=wa-sandbox]'))) out.elements.push(describe(el));
      } else if (where === 'extension') {
        // The page's own <img> (the options page's icon) is fine; every payload image points at src=x.
        if (/^(iframe|frame|object|embed|b|i|base)$/.test(tag) || (tag === 'img' && el.getAttribute('src') === 'x')) out.elements.push(describe(el));
        if (tag === 'script' && !el.hasAttribute('src')) out.elements.push(describe(el));
        if (tag === 'svg' && !el.classList.contains('chart')) out.elements.push(describe(el));
      } else if (/^(img|iframe|object|embed|svg)$/.test(tag) && hostile(el.outerHTML)) {
        out.elements.push(describe(el));
      }
    }
  }
  return out;
}

interface PanelText {
  bodies: string[];
  header: string[];
  evidence: string | null;
  consentDetails: string | null;
  reps: string[];
  preview: string | null;
  /** The card and the conversation do not scroll sideways: long strings wrap. */
  cardWidth: number;
  convOverflow: number;
}

function panelText(): PanelText | null {
  const root = document.querySelector('wa-panel')?.shadowRoot;
  if (!root) return null;
  const conv = root.querySelector('.conv') as HTMLElement | null;
  return {
    bodies: [...root.querySelectorAll('[data-testid=wa-message] .body')].map((e) => e.textContent ?? ''),
    header: [...root.querySelectorAll('header p')].map((e) => e.textContent ?? ''),
    evidence: root.querySelector('.evidence')?.textContent ?? null,
    consentDetails: root.querySelector('[data-testid=wa-consent] .row .muted')?.textContent ?? null,
    reps: [...root.querySelectorAll('[data-testid=wa-message] .rep')].map((e) => e.textContent ?? ''),
    preview: root.querySelector('[data-testid=wa-template-preview]')?.textContent ?? null,
    cardWidth: (root.querySelector('.card') as HTMLElement | null)?.getBoundingClientRect().width ?? -1,
    convOverflow: conv ? conv.scrollWidth - conv.clientWidth : -1,
  };
}

/** Positive control: a payload put into the panel's shadow root as HTML does run on this page. */
function runControlPayload(html: string): void {
  const root = document.querySelector('wa-panel')?.shadowRoot;
  if (!root) throw new Error('no panel');
  const probe = document.createElement('div');
  probe.id = 'ppw-control';
  probe.innerHTML = html;
  root.append(probe);
}

function clearControl(): void {
  document.querySelector('wa-panel')?.shadowRoot?.getElementById('ppw-control')?.remove();
  document.documentElement.removeAttribute('data-ppw-pwned');
  delete (window as unknown as { __pwned?: unknown }).__pwned;
}

/** Marks the first element (in the panel, or the document) matching `selector` whose text includes `contains`. */
function markElement(arg: { selector: string; contains: string; mark: string; page?: boolean }): boolean {
  const root = arg.page ? document : document.querySelector('wa-panel')?.shadowRoot;
  const el = [...(root?.querySelectorAll(arg.selector) ?? [])].find((e) => (e.textContent ?? '').includes(arg.contains));
  if (!el) return false;
  el.setAttribute('data-e2e', arg.mark);
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// Scenario
// ---------------------------------------------------------------------------------------------------------

export function defineHostileScenario(browserName: BrowserName, opts: { dashboard: boolean }): void {
  const req = requireBrowser(browserName);

  describe.skipIf(req.skip)(`hostile content never runs in ${req.label}`, () => {
    let relay: TestRelay;
    let launched: LaunchedBrowser | undefined;
    let page: E2EPage;
    let admin: string;
    let rep: string;
    /** Every text the conversation must show literally, as the panel renders it. */
    const expectedBodies: string[] = [];

    const ok = async (what: string, res: Promise<Response>, status: number) => {
      const r = await res;
      expect(r.status, `${what}: ${await r.clone().text()}`).toBe(status);
      return r;
    };
    const webhookInbound = (body: string, profileName?: string) =>
      ok(
        'signed inbound webhook',
        postSignedForm(relay.url + '/twilio/inbound', inboundForm({ from: ANA.e164, to: relay.config.twilio.sender, body, ...(profileName ? { profileName } : {}) }), relay.authToken, {
          signedUrl: PUBLIC_URL + '/twilio/inbound',
        }),
        200,
      ).then(() => expectedBodies.push(shownText(body)));
    const simulatorInbound = (body: string, profileName?: string) =>
      ok('simulated reply', relay.api('/v1/simulator/inbound', { method: 'POST', token: admin, json: { from: ANA.e164, body, ...(profileName ? { profileName } : {}) } }), 201).then(() =>
        expectedBodies.push(shownText(body)),
      );
    const sendTemplate = (tpl: (typeof SIMULATED_TEMPLATES)[number], variables: Record<string, string>) =>
      ok('template send', relay.api('/v1/messages', { method: 'POST', token: rep, json: { to: ANA.e164, contentSid: tpl.sid, variables } }), 201).then(() =>
        expectedBodies.push(shownText(renderTemplate(tpl.body, variables))),
      );
    const audit = (where: 'panel' | 'extension') => page.evaluate(auditDom, { marker: MARKER, where });
    const expectClean = async (where: 'panel' | 'extension') => {
      // Give a would-be onerror/onload (and a dialog) time to fire before looking.
      await new Promise((r) => setTimeout(r, 400));
      const a = await audit(where);
      expect(a.flag, 'a payload ran: <html data-ppw-pwned> was set').toBeNull();
      expect(a.pwned, 'a payload ran: window.__pwned was set').toBeNull();
      expect(a.elements, 'elements made from a payload').toEqual([]);
      expect(a.attributes, 'attributes carrying payload script').toEqual([]);
      expect(page.dialogs, 'dialogs opened').toEqual([]);
    };
    const until = async (what: string, check: (s: PanelText) => boolean, timeoutMs = STEP_TIMEOUT_MS): Promise<PanelText> => {
      const deadline = Date.now() + timeoutMs;
      let last: PanelText | null = null;
      for (;;) {
        last = await page.evaluate(panelText);
        if (last && check(last)) return last;
        if (Date.now() > deadline) {
          const brief = last && { ...last, bodies: `${last.bodies.length} bubbles, the last: ${JSON.stringify(last.bodies.slice(-3).map((b) => b.slice(0, 200)))}` };
          throw new Error(`waited ${timeoutMs} ms for ${what}; the panel showed: ${JSON.stringify(brief)}\npage errors: ${JSON.stringify(page.errors.slice(-5))}`);
        }
        await new Promise((r) => setTimeout(r, 80));
      }
    };
    const configure = async (token: string) => {
      await page.gotoExtensionPage(optionsPagePath(ensureExtensionBuild(browserName)));
      await page.fill('#relay-url', relay.url);
      await page.fill('#access-token', token);
      await page.click('button[type=submit]');
      await page.waitFor('the options to save', () => [...document.querySelectorAll('[role=status]')].some((e) => e.textContent?.includes('Saved.')));
    };

    beforeAll(async () => {
      if (req.missing) throw new Error(req.missing);
      const extensionDir = ensureExtensionBuild(browserName);
      relay = await startTestRelay({ demo: true, simDelayMs: 60 });
      admin = await relay.token('admin', 'E2E Admin');
      rep = await relay.token('rep', REP_NAME);
      // Before the page opens: the panel's first GET carries these.
      await ok('consent with hostile evidence', relay.api(`/v1/contacts/${encodeURIComponent(ANA.e164)}/consent`, { method: 'PUT', token: rep, json: { state: 'opted_in', evidence: EVIDENCE } }), 200);
      await sendTemplate(ORDER, { '1': HOSTILE.script, '2': '<b>x</b>' });
      await sendTemplate(APPOINTMENT, { '1': HOSTILE.iframe, '2': HOSTILE.jsUrl });
      await webhookInbound(HOSTILE.img);
      await simulatorInbound(HOSTILE.svg);
      await webhookInbound(HOSTILE.waBold, PROFILE_NAME);
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

    it('the options page shows the hostile rep name as text ("Connected as …")', async () => {
      await configure(rep);
      await page.waitFor('the Test connection button', markElement, { selector: 'button', contains: 'Test connection', mark: 'test-connection', page: true });
      await page.click('[data-e2e="test-connection"]');
      const status = await page.waitFor(
        'the connection test result',
        () => [...document.querySelectorAll('[role=status]')].map((e) => e.textContent ?? '').find((x) => x.startsWith('Connected as')) ?? null,
      );
      expect(status).toBe(`Connected as ${REP_NAME} (rep)`);
      await expectClean('extension');
    });

    it('positive control: a payload put into the panel as HTML does run, and the detector sees it', async () => {
      await page.goto(`${relay.url}/demo/s/contacts/view/${ANA.id}`);
      await until('the panel with the first messages', (s) => s.bodies.length >= 5);
      await page.evaluate(runControlPayload, `<img src=x onerror="window.__pwned=1;${js('control')}">`);
      await page.waitFor('the control payload to run', () => document.documentElement.getAttribute('data-ppw-pwned') === 'control');
      const seen = await audit('panel');
      expect(seen.pwned, 'window.__pwned is seen in the main world').toBe(1);
      expect(seen.elements.length, 'the control <img> is seen as made from a payload').toBeGreaterThan(0);
      const deadline = Date.now() + 5_000;
      while (!page.dialogs.some((d) => d.includes(`${MARKER}:control`)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(page.dialogs.some((d) => d.includes(`${MARKER}:control`)), 'the control alert was seen').toBe(true);
      await page.evaluate(clearControl);
      page.dialogs.length = 0;
    });

    it('payloads stored before the page opened (first GET) are shown as text and never run', async () => {
      // First: did anything run or get built? (Before the text checks, so a failure says which.)
      await until('a bubble for every stored payload', (x) => x.bodies.length >= expectedBodies.length);
      await expectClean('panel');
      const s = await until('every stored payload shown literally', (x) => expectedBodies.every((b) => x.bodies.includes(b)));
      expect(s.header).toContain(`WhatsApp name: ${PROFILE_NAME}`);
      expect(s.evidence).toBe(`Evidence: ${EVIDENCE}`);
      // The name sits between first-strong isolates (U+2068…U+2069), so its RTL override can't flip the time after it.
      expect(s.consentDetails ?? '').toContain(` · \u2068${REP_NAME}\u2069 · `);
      expect(s.reps.length).toBeGreaterThanOrEqual(2);
      expect(new Set(s.reps)).toEqual(new Set([`${REP_NAME} · `]));
      await expectClean('panel');
    });

    it('payloads arriving live (webhook, simulator, a long unbroken string) are shown as text and never run', async () => {
      await webhookInbound(HOSTILE.waItalic);
      await simulatorInbound(HOSTILE.waMono);
      await webhookInbound(HOSTILE.waStrike);
      await simulatorInbound(HOSTILE.rtl, `<svg onload="${js('sim-profile')}">`);
      await webhookInbound(HOSTILE.styleObject);
      await simulatorInbound(HOSTILE.entities);
      await webhookInbound(HOSTILE.attrBreak);
      await webhookInbound(LONG_BODY, PROFILE_NAME);
      // The project's shared markup payloads (also fed to the relay's fuzz tests), one message each.
      for (const payload of HTML_PAYLOADS) await simulatorInbound(payload);
      await sendTemplate(ORDER, { '1': HOSTILE.waBold, '2': LONG_VARIABLE });
      await until('a bubble for every live payload', (x) => x.bodies.length >= expectedBodies.length);
      await expectClean('panel');
      const s = await until('every live payload shown literally', (x) => expectedBodies.every((b) => x.bodies.includes(b)));
      // Literal: the markup's characters are on screen (entities stay entities, nothing decoded).
      expect(s.bodies).toContain(HOSTILE.entities);
      expect(s.bodies).toContain(HOSTILE.img);
      expect(s.bodies).toContain(LONG_BODY);
      expect(s.header).toContain(`WhatsApp name: ${PROFILE_NAME}`);
      // The 4000-character word wraps inside the card instead of widening it.
      expect(s.convOverflow, 'the conversation scrolls sideways').toBeLessThanOrEqual(1);
      expect(s.cardWidth).toBeGreaterThan(0);
      expect(s.cardWidth).toBeLessThanOrEqual(360);
      await expectClean('panel');
    });

    it('a template sent from the panel with hostile variables: preview and bubble are text, nothing runs', async () => {
      const vars = { '1': HOSTILE.img, '2': '<b>x</b>' };
      await page.waitFor('the order_update template', markElement, { selector: 'button.tpl', contains: ORDER.name, mark: 'tpl-order' });
      await page.click('[data-e2e="tpl-order"]');
      await page.fill('#wa-var-1', vars['1']);
      await page.fill('#wa-var-2', vars['2']);
      const text = shownText(renderTemplate(ORDER.body, vars));
      await until('the preview', (x) => (x.preview ?? '').includes('has shipped'));
      await expectClean('panel');
      const s = await until('the preview with the variables as text', (x) => x.preview === text);
      expect(s.preview).toContain('<img src=x onerror=');
      await expectClean('panel');
      const before = s.bodies.filter((b) => b === text).length;
      const count = s.bodies.length;
      await page.click('[data-testid=wa-template-send]');
      await until('the sent template in the conversation', (x) => x.bodies.length === count + 1);
      await expectClean('panel');
      await until('the sent template shown as text', (x) => x.bodies.filter((b) => b === text).length === before + 1);
      // Details: "Sent by <the rep's name>" as text.
      await page.waitFor('a Details button', markElement, { selector: '[data-testid=wa-details]', contains: '', mark: 'details-1' });
      await page.click('[data-e2e="details-1"]');
      const first = await page.waitFor('the details list', () => {
        const li = document.querySelector('wa-panel')?.shadowRoot?.querySelector('[data-testid=wa-details-list] li');
        return li ? li.textContent : null;
      });
      expect(first).toBe(`Sent by \u2068${REP_NAME}\u2069`);
      await expectClean('panel');
    });

    it.skipIf(!opts.dashboard)('the team dashboard shows the hostile rep name as text in the chart, table and filter; nothing runs', async () => {
      await configure(await relay.token('manager', 'Mona Manager'));
      await page.gotoExtensionPage('extension/dashboard/index.html');
      await page.waitFor('the per-rep table', () => document.querySelector('[data-testid=table-rep] tbody th') !== null);
      await expectClean('extension');
      const shown = await page.evaluate(() => ({
        rows: [...document.querySelectorAll('[data-testid=table-rep] tbody th')].map((e) => e.textContent ?? ''),
        options: [...document.querySelectorAll('#rep-filter option')].map((e) => e.textContent ?? ''),
        barTitles: [...document.querySelectorAll('[data-testid=bars-rep] g.bar > title')].map((e) => e.textContent ?? ''),
        barLabels: [...document.querySelectorAll('[data-testid=bars-rep] g.bar text.bar-label')].map((e) => e.textContent ?? ''),
      }));
      expect(shown.rows).toEqual([REP_NAME]);
      expect(shown.options).toContain(REP_NAME);
      expect(shown.barTitles.some((x) => x.includes(REP_NAME)), JSON.stringify(shown.barTitles)).toBe(true);
      expect(shown.barLabels).toEqual([`${REP_NAME.slice(0, 23)}…`]);
      await expectClean('extension');
    });
  });
}
