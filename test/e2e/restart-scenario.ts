/**
 * The relay restarts while a rep has the panel open (issue 6). The panel must notice (its "Offline" /
 * "Reconnecting…" banner), and once a relay is back on the same port and database it must show the truth by
 * itself: no reload, no click. The truth is changed where the panel cannot hear it, so only the panel's own
 * refetch on reconnect can show it:
 *
 * - while the relay is down, a second relay on another port and the SAME database takes the contact's
 *   messages, the status callbacks and a consent change (its live events reach no one);
 * - just after the relay is back, before the panel has reconnected, one more reply arrives.
 *
 * Two outages, in order: a graceful close (live streams end cleanly), then a hard stop (SIGKILL of a
 * `relay serve` child process: connections cut, no shutdown code). Shared by restart-recovery.*.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLIC_URL, startTestRelay, type TestRelay } from '../helpers/relay-harness.ts';
import { spawnRelay, type SpawnedRelay } from '../helpers/spawn-relay.ts';
import { postSignedForm, statusForm } from '../helpers/twilio-signer.ts';
import { ensureExtensionBuild, launchBrowser, optionsPagePath, requireBrowser, STEP_TIMEOUT_MS, type BrowserName, type E2EPage, type LaunchedBrowser } from './browsers.ts';

const ANA = { id: 42, e164: '+5511987654321' };
const APPOINTMENT_SID = 'HXb5b62575e6e4ff6129ad7c8efe1f983e';
/** The panel's stream backs off 1 s, 2 s, 4 s, 8 s… while the relay is down: recovery may take one more step. */
const RECOVERY_TIMEOUT_MS = 30_000;

interface Snapshot {
  panels: number;
  consent: string | null;
  blocked: string | null;
  /** The live-updates banner: null when live, else its data-state ('offline' | 'connecting') and text. */
  banner: { state: string | null; text: string } | null;
  messages: { sid: string; status: string; tick: string | null; text: string; direction: 'inbound' | 'outbound' }[];
}

function snapshot(): Snapshot | null {
  const hosts = document.querySelectorAll('wa-panel');
  const root = hosts[0]?.shadowRoot;
  if (!root) return null;
  const banner = root.querySelector('[data-testid=wa-stream]');
  return {
    panels: hosts.length,
    consent: root.querySelector('[data-testid=wa-consent]')?.getAttribute('data-state') ?? null,
    blocked: root.querySelector('[data-testid=wa-composer-blocked]')?.getAttribute('data-reason') ?? null,
    banner: banner ? { state: banner.getAttribute('data-state'), text: banner.textContent ?? '' } : null,
    messages: [...root.querySelectorAll('[data-testid=wa-message]')].map((m) => ({
      sid: m.getAttribute('data-sid') ?? '',
      status: m.getAttribute('data-status') ?? '',
      tick: m.querySelector('[data-tick]')?.getAttribute('data-tick') ?? null,
      text: m.querySelector('.body')?.textContent ?? '',
      direction: m.classList.contains('out') ? 'outbound' : 'inbound',
    })),
  };
}

/** Every banner state the panel showed, seen by a MutationObserver (what a user saw, however often we poll). */
function watchBanner(): void {
  const w = window as unknown as { __e2eBanners?: string[]; __e2eBannerObserver?: MutationObserver };
  const root = document.querySelector('wa-panel')?.shadowRoot;
  if (!root) throw new Error('no panel to observe');
  w.__e2eBannerObserver?.disconnect();
  const seen: string[] = (w.__e2eBanners = []);
  const note = () => {
    const b = root.querySelector('[data-testid=wa-stream]');
    const now = b ? `${b.getAttribute('data-state')}: ${b.textContent}` : 'live';
    if (seen[seen.length - 1] !== now) seen.push(now);
  };
  note();
  w.__e2eBannerObserver = new MutationObserver(note);
  w.__e2eBannerObserver.observe(root, { subtree: true, childList: true, characterData: true, attributes: true });
}

function bannersSeen(): string[] {
  return (window as unknown as { __e2eBanners?: string[] }).__e2eBanners ?? [];
}

export function defineRestartScenario(browserName: BrowserName): void {
  const req = requireBrowser(browserName);

  describe.skipIf(req.skip)(`the panel recovers by itself when the relay restarts, in ${req.label}`, () => {
    let dir: string;
    let port: number;
    let baseUrl: string;
    let relay: TestRelay | null = null;
    let child: SpawnedRelay | null = null;
    let launched: LaunchedBrowser | undefined;
    let page: E2EPage;
    let admin: string;
    let rep: string;
    let templateSid: string;

    /** Any relay's API, by base URL (the in-process ones, the child process, the side instance). */
    const call = async (url: string, path: string, init: { method?: string; token: string; json?: unknown }, status: number) => {
      const res = await fetch(url + path, {
        method: init.method ?? 'GET',
        headers: { authorization: `Bearer ${init.token}`, ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
      });
      expect(res.status, `${init.method ?? 'GET'} ${path}: ${await res.clone().text()}`).toBe(status);
      return res.json() as Promise<Record<string, unknown>>;
    };
    const reply = (url: string, body: string) => call(url, '/v1/simulator/inbound', { method: 'POST', token: admin, json: { from: ANA.e164, body } }, 201);
    const statusCallback = async (r: TestRelay, status: string) => {
      const res = await postSignedForm(r.url + '/twilio/status', statusForm({ sid: templateSid, status, to: ANA.e164, from: r.config.twilio.sender }), r.authToken, {
        signedUrl: PUBLIC_URL + '/twilio/status',
      });
      expect(res.status, `status callback ${status}`).toBe(204);
    };
    /** A relay on another port and the same database: the truth changes where the panel cannot hear it. */
    const whileDown = async (change: (side: TestRelay) => Promise<void>) => {
      const side = await startTestRelay({ dir });
      try {
        expect(side.url).not.toBe(baseUrl);
        await change(side);
      } finally {
        await side.closeKeepingDir();
      }
    };
    const until = async (what: string, check: (s: Snapshot) => boolean, timeoutMs = STEP_TIMEOUT_MS): Promise<Snapshot> => {
      const deadline = Date.now() + timeoutMs;
      let last: Snapshot | null = null;
      for (;;) {
        last = await page.evaluate(snapshot);
        if (last && check(last)) return last;
        if (Date.now() > deadline) {
          throw new Error(`waited ${timeoutMs} ms for ${what}; the panel was: ${JSON.stringify(last)}\npage errors: ${JSON.stringify(page.errors.slice(-5))}`);
        }
        await new Promise((r) => setTimeout(r, 80));
      }
    };
    const texts = (s: Snapshot) => s.messages.map((m) => m.text);
    const notReloaded = () => page.evaluate(() => (window as unknown as { __e2eLive?: number }).__e2eLive === 1);
    const childEnv = () => ({
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL,
      DATABASE_URL: `file:${join(dir, 'relay.sqlite')}`,
      LOG_LEVEL: 'warn',
      SIM_DELAY_MS: '60000',
      RATE_LIMIT_PER_SECOND: '100000',
      RATE_LIMIT_BURST: '100000',
    });

    beforeAll(async () => {
      if (req.missing) throw new Error(req.missing);
      const extensionDir = ensureExtensionBuild(browserName);
      dir = mkdtempSync(join(tmpdir(), 'ppw-restart-'));
      // Statuses move only when this test posts them: the simulator's own timer would outlive nothing here.
      relay = await startTestRelay({ demo: true, dir, simDelayMs: 60_000 });
      baseUrl = relay.url;
      port = Number(new URL(baseUrl).port);
      admin = await relay.token('admin', 'E2E Admin');
      rep = await relay.token('rep', 'Rita Rep');
      await call(baseUrl, `/v1/contacts/${encodeURIComponent(ANA.e164)}/consent`, { method: 'PUT', token: rep, json: { state: 'opted_in', evidence: 'Web form 2026-11-30' } }, 200);
      await reply(baseUrl, 'Hello before anything happens');
      launched = await launchBrowser(req, extensionDir);
      page = launched.page;
      await page.gotoExtensionPage(optionsPagePath(extensionDir));
      await page.fill('#relay-url', baseUrl);
      await page.fill('#access-token', rep);
      await page.click('button[type=submit]');
      await page.waitFor('the options to save', () => [...document.querySelectorAll('[role=status]')].some((e) => e.textContent?.includes('Saved.')));
    }, 60_000);

    afterAll(async () => {
      try {
        await launched?.close();
      } finally {
        await child?.kill();
        await relay?.closeKeepingDir();
        if (dir) rmSync(dir, { recursive: true, force: true });
      }
    }, 30_000);

    it('the panel is open and live on the demo contact page', async () => {
      await page.goto(`${baseUrl}/demo/s/contacts/view/${ANA.id}`);
      await page.evaluate(() => ((window as unknown as { __e2eLive: number }).__e2eLive = 1));
      await until('the panel with consent and the first reply', (s) => s.consent === 'opted_in' && s.messages.length === 1);
      // Arrives after the first GET, so seeing it means the live stream is open.
      await reply(baseUrl, 'Are you there?');
      await until('a live reply', (s) => texts(s).includes('Are you there?'));
      const sent = await call(baseUrl, '/v1/messages', { method: 'POST', token: rep, json: { to: ANA.e164, contentSid: APPOINTMENT_SID, variables: { '1': '12/1', '2': '3pm' } } }, 201);
      templateSid = String(sent['sid']);
      await statusCallback(relay!, 'sent');
      const s = await until('the template at "sent"', (x) => x.messages.some((m) => m.sid === templateSid && m.status === 'sent'));
      expect(s.banner, 'no offline banner while the relay is up').toBeNull();
      await page.evaluate(watchBanner);
    });

    it('graceful restart: "Offline" while down; afterwards the missed reply, the read ticks and a reply from just after the restart, without a reload', async () => {
      await relay!.closeKeepingDir();
      relay = null;
      const down = await until('the offline / reconnecting banner', (s) => s.banner !== null);
      expect(down.banner!.text).toMatch(/Offline|Reconnecting/);

      await whileDown(async (side) => {
        await statusCallback(side, 'delivered');
        await statusCallback(side, 'read');
        await reply(side.url, 'Sent while the relay was down (1)');
      });
      // Back on the same port and database, as a real `relay serve` process (the hard stop below kills it).
      child = await spawnRelay(childEnv());
      expect(child.url).toBe(baseUrl);
      await reply(baseUrl, 'Sent just after the restart (1)');

      const s = await until(
        'the panel to recover: both new replies, the template read, no banner',
        (x) => x.banner === null && texts(x).includes('Sent while the relay was down (1)') && texts(x).includes('Sent just after the restart (1)') && x.messages.some((m) => m.sid === templateSid && m.status === 'read'),
        RECOVERY_TIMEOUT_MS,
      );
      expect(s.panels).toBe(1);
      expect(s.consent).toBe('opted_in');
      expect(s.messages.find((m) => m.sid === templateSid)!.tick).toBe('read');
      expect(texts(s)).toEqual(['Hello before anything happens', 'Are you there?', expect.stringContaining('Your appointment is coming up on 12/1 at 3pm'), 'Sent while the relay was down (1)', 'Sent just after the restart (1)']);
      expect(await notReloaded(), 'recovered without a reload').toBe(true);
      const banners = await page.evaluate(bannersSeen);
      expect(banners[0]).toBe('live');
      expect(banners.at(-1)).toBe('live');
      expect(banners.some((b) => b.startsWith('offline: ')), `banners seen: ${JSON.stringify(banners)}`).toBe(true);

      // And the stream is live again: a reply now arrives without any refetch trigger.
      await reply(baseUrl, 'Live again (1)');
      await until('a live reply after the restart', (x) => texts(x).includes('Live again (1)'));
    }, 60_000);

    it('hard stop (SIGKILL): afterwards the missed reply and the opt-out recorded meanwhile, without a reload', async () => {
      await page.evaluate(watchBanner);
      await child!.kill();
      child = null;
      const down = await until('the offline / reconnecting banner', (s) => s.banner !== null);
      expect(down.banner!.text).toMatch(/Offline|Reconnecting/);

      await whileDown(async (side) => {
        await reply(side.url, 'Sent while the relay was down (2)');
        await call(side.url, `/v1/contacts/${encodeURIComponent(ANA.e164)}/consent`, { method: 'PUT', token: rep, json: { state: 'opted_out', evidence: 'Asked by e-mail to stop' } }, 200);
      });
      relay = await startTestRelay({ demo: true, dir, port, simDelayMs: 60_000 });
      expect(relay.url).toBe(baseUrl);

      const s = await until(
        'the panel to recover: the reply, consent opted out, no banner',
        (x) => x.banner === null && texts(x).includes('Sent while the relay was down (2)') && x.consent === 'opted_out',
        RECOVERY_TIMEOUT_MS,
      );
      expect(s.panels).toBe(1);
      expect(s.blocked).toBe('opted_out');
      expect(s.messages.find((m) => m.sid === templateSid)).toMatchObject({ status: 'read', tick: 'read' });
      expect(new Set(s.messages.map((m) => m.sid)).size, 'no message shown twice').toBe(s.messages.length);
      expect(s.messages).toHaveLength(7);
      expect(await notReloaded(), 'recovered without a reload').toBe(true);
      const banners = await page.evaluate(bannersSeen);
      expect(banners.some((b) => b.startsWith('offline: ')), `banners seen: ${JSON.stringify(banners)}`).toBe(true);
      expect(banners.at(-1)).toBe('live');

      // Live again: the contact opts back in by keyword and the panel follows.
      await reply(baseUrl, 'START');
      const after = await until('consent back to opted_in, live', (x) => x.consent === 'opted_in' && texts(x).includes('START'));
      expect(after.blocked).not.toBe('opted_out');
    }, 60_000);
  });
}
