/**
 * Live latency, webhook to client: the relay in its own process (live mode, SQLite), SSE clients on
 * GET /v1/events for the phones involved, and signed status callbacks (sent, then delivered, then
 * read for each message) sent at a steady rate. Per event and per client: the time from starting to
 * send the callback to that client reading the message.status event, which spans the signature
 * check, the durable write (group commit), the bus and the stream. Sender and clients share this
 * process and one clock (performance.now()).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CallbackSender, openLiveStream, percentiles, prepareLiveDb, sleep, spawnLiveRelay, STATUSES, type Percentiles, type StatusArrival } from './live-harness.ts';

export interface LiveLatencyResult {
  rate: number;
  clients: number;
  phones: number;
  callbacks: number;
  /** Deliveries expected (callbacks × clients per phone) and received. */
  expected: number;
  received: number;
  failures: number;
  latency: Percentiles;
}

export interface SteadyRun {
  sent: Map<string, number>;
  callbacks: number;
}

/**
 * Sends every (sid, status) in `plan` at `rate` per second on a fixed schedule (open loop: a slow
 * answer never delays the next send), recording when each send started. Waits for every answer.
 */
export async function sendSteady(sender: CallbackSender, plan: { sid: string; status: (typeof STATUSES)[number]; phone: string }[], rate: number): Promise<SteadyRun> {
  const signed = plan.map((p) => ({ key: `${p.sid}:${p.status}`, ...CallbackSender.sign(p.sid, p.status, p.phone) }));
  const sent = new Map<string, number>();
  const answers: Promise<number>[] = [];
  const interval = 1000 / rate;
  const t0 = performance.now() + 20;
  for (let i = 0; i < signed.length; i++) {
    const wait = t0 + i * interval - performance.now();
    if (wait > 1) await sleep(wait);
    const s = signed[i]!;
    sent.set(s.key, performance.now());
    answers.push(sender.send(s));
  }
  await Promise.all(answers);
  return { sent, callbacks: signed.length };
}

/** Sids × statuses, status-major (every message's `sent`, then every `delivered`, then every `read`), phones interleaved. */
export function statusPlan(sids: Map<string, string[]>, limit: number): { sid: string; status: (typeof STATUSES)[number]; phone: string }[] {
  const perStatus: { sid: string; phone: string }[] = [];
  const lists = [...sids].map(([phone, list]) => list.map((sid) => ({ sid, phone })));
  for (let i = 0; lists.some((l) => i < l.length); i++) for (const l of lists) if (i < l.length) perStatus.push(l[i]!);
  const take = Math.ceil(limit / STATUSES.length);
  const plan = STATUSES.flatMap((status) => perStatus.slice(0, take).map((m) => ({ ...m, status })));
  return plan.slice(0, limit);
}

export async function benchLiveLatency(opts: { rate?: number; seconds?: number; phones?: number; clientsPerPhone?: number; log?: (s: string) => void } = {}): Promise<LiveLatencyResult> {
  const rate = opts.rate ?? 100;
  const seconds = opts.seconds ?? 10;
  const phoneCount = opts.phones ?? 10;
  const perPhone = opts.clientsPerPhone ?? 5;
  const log = opts.log ?? (() => {});
  const callbacks = rate * seconds;
  const dir = mkdtempSync(join(tmpdir(), 'ppw-bench-live-'));
  const phones = Array.from({ length: phoneCount }, (_, i) => `+1555200${String(i).padStart(4, '0')}`);
  const db = await prepareLiveDb(join(dir, 'live.sqlite'), {
    tokens: Array.from({ length: perPhone }, (_, i) => ({ name: `Bench Rep ${i + 1}`, role: 'rep' as const })),
    phones,
    // One more message per phone for the warm-up.
    perPhone: Math.ceil(callbacks / STATUSES.length / phoneCount) + 1,
  });
  const warm = new Map([...db.sids].map(([phone, list]) => [phone, list.slice(-1)]));
  const measured = new Map([...db.sids].map(([phone, list]) => [phone, list.slice(0, -1)]));
  const relay = await spawnLiveRelay(join(dir, 'live.sqlite'));
  const sender = new CallbackSender(relay.url);
  const arrivals: StatusArrival[] = [];
  const streams = phones.flatMap((phone) => db.tokens.map((t) => openLiveStream(relay.url, `phone=${encodeURIComponent(phone)}`, t.token, (a) => arrivals.push(a))));
  try {
    await Promise.all(streams.map((s) => s.ready));
    log(`${streams.length} SSE clients (${perPhone} per phone, ${phoneCount} phones); ${callbacks} status callbacks at ${rate}/s…`);
    // Warm-up (JIT, the write path, the streams) on messages of their own, then measure from a clean slate.
    await sendSteady(sender, statusPlan(warm, phoneCount * STATUSES.length), rate);
    await sleep(300);
    arrivals.length = 0;
    const plan = statusPlan(measured, callbacks);
    const run = await sendSteady(sender, plan, rate);
    // Let the last events arrive.
    const expected = run.callbacks * perPhone;
    for (let i = 0; i < 100 && arrivals.length < expected; i++) await sleep(20);
    const latencies: number[] = [];
    for (const a of arrivals) {
      const at = run.sent.get(`${a.sid}:${a.status}`);
      if (at !== undefined) latencies.push(a.at - at);
    }
    const latency = percentiles(latencies);
    log(`received ${arrivals.length} of ${expected} deliveries; latency p50 ${latency.p50.toFixed(1)} ms, p95 ${latency.p95.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms, max ${latency.max.toFixed(1)} ms`);
    return { rate, clients: streams.length, phones: phoneCount, callbacks: run.callbacks, expected, received: arrivals.length, failures: sender.failures, latency };
  } finally {
    for (const s of streams) s.close();
    sender.close();
    await relay.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// `npx tsx test/bench/live-latency.ts`: this benchmark alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchLiveLatency({ log: (s) => process.stderr.write(`  ${s}\n`) });
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
}
