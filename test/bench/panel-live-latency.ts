/**
 * Live latency, webhook to screen: the relay in its own process (live mode, demo contact pages),
 * headless Chromium with the e2e build of the extension on the demo contact page of Ana (contact 42)
 * and her messages in the panel, and signed status callbacks for those messages sent at a steady
 * rate. Per callback: the time from starting to send it to the panel's message (its data-status, in
 * the panel's shadow root) showing the new status, as recorded by a MutationObserver in the page.
 * That spans the relay, the extension's service worker (SSE reader), the message to the content
 * script, and the panel's render; it stops when the DOM changes, before the browser paints.
 *
 * Clocks: both sides read performance.timeOrigin + performance.now() (the same machine's wall clock at
 * each process's start, then monotonic). Their offset is measured anyway, by asking the page for its
 * time between two readings of ours and keeping the exchange with the shortest round trip.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureExtensionBuild, launchBrowser, optionsPagePath, requireBrowser, type E2EPage } from '../e2e/browsers.ts';
import { CallbackSender, percentiles, prepareLiveDb, sleep, spawnLiveRelay, STATUSES, type Percentiles } from './live-harness.ts';
import { statusPlan } from './live-latency.ts';

/** Ana Souza, contact 42 of the demo CRM: mobile (11) 98765-4321 in Brazil. */
const ANA = { id: 42, e164: '+5511987654321' };

export interface PanelLiveResult {
  rate: number;
  events: number;
  seen: number;
  failures: number;
  /** Offset of the page's clock from ours (ms) and the round trip it was measured with. */
  clock: { offsetMs: number; rttMs: number };
  latency: Percentiles | null;
  skipped?: string;
}

const now = () => performance.timeOrigin + performance.now();

/**
 * Records, per `sid:status`, the first time (page clock) a panel message showed that status. No named
 * inner functions: tsx would wrap them in a __name helper the page does not have.
 */
function observeStatuses(): void {
  const w = window as unknown as { __benchSeen: Record<string, number>; __benchObserver?: MutationObserver };
  const root = document.querySelector('wa-panel')?.shadowRoot;
  if (!root) throw new Error('no panel to observe');
  w.__benchObserver?.disconnect();
  const seen: Record<string, number> = (w.__benchSeen = {});
  w.__benchObserver = new MutationObserver((records) => {
    const at = performance.timeOrigin + performance.now();
    const changed: Element[] = [];
    for (const r of records) {
      if (r.type === 'attributes') changed.push(r.target as Element);
      for (const n of Array.from(r.addedNodes)) {
        if (n instanceof Element) changed.push(n, ...Array.from(n.querySelectorAll('[data-testid=wa-message]')));
      }
    }
    for (const el of changed) {
      if (el.getAttribute('data-testid') !== 'wa-message') continue;
      const key = `${el.getAttribute('data-sid')}:${el.getAttribute('data-status')}`;
      if (!(key in seen)) seen[key] = at;
    }
  });
  w.__benchObserver.observe(root, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status', 'data-sid'] });
}

/** The page's clock minus ours, from the exchange with the shortest round trip. */
async function clockOffset(page: E2EPage): Promise<{ offsetMs: number; rttMs: number }> {
  let best = { offsetMs: 0, rttMs: Infinity };
  for (let i = 0; i < 20; i++) {
    const t0 = now();
    const pageTime = await page.evaluate(() => performance.timeOrigin + performance.now());
    const t1 = now();
    if (t1 - t0 < best.rttMs) best = { offsetMs: pageTime - (t0 + t1) / 2, rttMs: t1 - t0 };
  }
  return best;
}

async function waitSeen(page: E2EPage, keys: string[], timeoutMs: number): Promise<Record<string, number>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = await page.evaluate(() => (window as unknown as { __benchSeen: Record<string, number> }).__benchSeen);
    if (keys.every((k) => k in seen) || Date.now() > deadline) return seen;
    await sleep(50);
  }
}

export async function benchPanelLiveLatency(opts: { rate?: number; events?: number; log?: (s: string) => void } = {}): Promise<PanelLiveResult> {
  const rate = opts.rate ?? 10;
  const events = opts.events ?? 100;
  const log = opts.log ?? (() => {});
  const req = requireBrowser('chromium');
  if (req.missing) return { rate, events: 0, seen: 0, failures: 0, clock: { offsetMs: 0, rttMs: 0 }, latency: null, skipped: req.missing };
  const extensionDir = ensureExtensionBuild('chromium');
  const dir = mkdtempSync(join(tmpdir(), 'ppw-bench-panel-live-'));
  const perPhone = Math.ceil(events / STATUSES.length) + 1;
  const db = await prepareLiveDb(join(dir, 'panel.sqlite'), { tokens: [{ name: 'Bench Rep', role: 'rep' }], phones: [ANA.e164], perPhone });
  const relay = await spawnLiveRelay(join(dir, 'panel.sqlite'), { demo: true });
  const sender = new CallbackSender(relay.url);
  const browser = await launchBrowser(req, extensionDir);
  try {
    const page = browser.page;
    // The settings the options page would save, written straight to the extension's storage.
    await page.gotoExtensionPage(optionsPagePath(extensionDir));
    await page.evaluate(
      (s) => chrome.storage.local.set({ settings: { version: 1, relayUrl: s.url, token: s.token, hosts: [], defaultCountry: '', optInLabel: 'WhatsApp Opt-in', mappings: {} } }),
      { url: relay.url, token: db.tokens[0]!.token },
    );
    await page.goto(`${relay.url}/demo/s/contacts/view/${ANA.id}`);
    await page.waitFor(
      `the panel listing Ana's ${perPhone} messages`,
      (n) => (document.querySelector('wa-panel')?.shadowRoot?.querySelectorAll('[data-testid=wa-message]').length ?? 0) >= n,
      perPhone,
      20_000,
    );
    await page.evaluate(observeStatuses);
    const sids = db.sids.get(ANA.e164)!;
    // Warm-up on the last message: the stream is open once its statuses show (the panel subscribes after rendering).
    const warmSid = sids.at(-1)!;
    for (const status of STATUSES) {
      await sender.send(CallbackSender.sign(warmSid, status, ANA.e164));
      const seen = await waitSeen(page, [`${warmSid}:${status}`], 15_000);
      if (!(`${warmSid}:${status}` in seen)) throw new Error(`the panel never showed ${status} for the warm-up message: is the live stream connected?`);
    }
    const clock = await clockOffset(page);
    log(`page clock − bench clock: ${clock.offsetMs.toFixed(2)} ms (measured with a ${clock.rttMs.toFixed(2)} ms round trip)`);

    const plan = statusPlan(new Map([[ANA.e164, sids.slice(0, -1)]]), events);
    const signed = plan.map((p) => ({ key: `${p.sid}:${p.status}`, ...CallbackSender.sign(p.sid, p.status, p.phone) }));
    const sent = new Map<string, number>();
    const answers: Promise<number>[] = [];
    const t0 = now() + 20;
    for (let i = 0; i < signed.length; i++) {
      const wait = t0 + (i * 1000) / rate - now();
      if (wait > 1) await sleep(wait);
      sent.set(signed[i]!.key, now());
      answers.push(sender.send(signed[i]!));
    }
    await Promise.all(answers);
    const seen = await waitSeen(page, [...sent.keys()], 10_000);
    const latencies: number[] = [];
    for (const [key, at] of sent) if (key in seen) latencies.push(seen[key]! - clock.offsetMs - at);
    const latency = latencies.length ? percentiles(latencies) : null;
    if (page.errors.length) log(`page errors: ${page.errors.join(' | ')}`);
    log(`${latencies.length} of ${sent.size} statuses shown; p50 ${latency?.p50.toFixed(1)} ms, p95 ${latency?.p95.toFixed(1)} ms, p99 ${latency?.p99.toFixed(1)} ms, max ${latency?.max.toFixed(1)} ms`);
    return { rate, events: sent.size, seen: latencies.length, failures: sender.failures, clock, latency };
  } finally {
    await browser.close();
    sender.close();
    await relay.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// `npx tsx test/bench/panel-live-latency.ts`: this benchmark alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchPanelLiveLatency({ log: (s) => process.stderr.write(`  ${s}\n`) });
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
}
