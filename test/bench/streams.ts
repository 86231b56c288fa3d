/**
 * What 1,000 open live streams cost the relay: the relay in its own process (live mode, SQLite),
 * 1,000 concurrent GET /v1/events connections (250 phones, 4 streams each, from 25 rep tokens of 40
 * streams: the default per-token rate limit, burst 60, is kept). Measured in the relay's own process
 * over IPC (live-relay-server.ts): RSS and V8 heap after a full GC before and after opening them; CPU
 * while they sit idle for 15 s (the keep-alive period, so every stream sends its `: ping`); CPU while
 * 100 status callbacks a second fan out to the 4 streams of their phone, with the latency of each
 * delivery measured as in live-latency.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CallbackSender, openLiveStream, percentiles, prepareLiveDb, sleep, spawnLiveRelay, STATUSES, type LiveStream, type Percentiles, type RelayUsage, type StatusArrival } from './live-harness.ts';
import { sendSteady, statusPlan } from './live-latency.ts';

export interface StreamsResult {
  streams: number;
  phones: number;
  tokens: number;
  before: RelayUsage;
  after: RelayUsage;
  idle: { seconds: number; cpuPercent: number; pings: number };
  fanout: { rate: number; seconds: number; cpuPercent: number; expected: number; received: number; failures: number; latency: Percentiles };
}

/** Keep-alive interval of relay/routes/events.ts: an idle window this long sees one ping per stream. */
const KEEPALIVE_S = 15;

export async function benchStreams(opts: { streams?: number; perPhone?: number; perToken?: number; rate?: number; seconds?: number; log?: (s: string) => void } = {}): Promise<StreamsResult> {
  const total = opts.streams ?? 1000;
  const perPhone = opts.perPhone ?? 4;
  const perToken = opts.perToken ?? 40;
  const rate = opts.rate ?? 100;
  const seconds = opts.seconds ?? 10;
  const log = opts.log ?? (() => {});
  const phoneCount = Math.ceil(total / perPhone);
  const tokenCount = Math.ceil(total / perToken);
  const callbacks = rate * seconds;
  const dir = mkdtempSync(join(tmpdir(), 'ppw-bench-streams-'));
  const phones = Array.from({ length: phoneCount }, (_, i) => `+1555300${String(i).padStart(4, '0')}`);
  const db = await prepareLiveDb(join(dir, 'streams.sqlite'), {
    tokens: Array.from({ length: tokenCount }, (_, i) => ({ name: `Bench Rep ${i + 1}`, role: 'rep' as const })),
    phones,
    // Enough messages for every callback of the fan-out (three statuses each), plus one per phone for the warm-up.
    perPhone: Math.ceil(callbacks / STATUSES.length / phoneCount) + 1,
  });
  const relay = await spawnLiveRelay(join(dir, 'streams.sqlite'));
  const sender = new CallbackSender(relay.url);
  const arrivals: StatusArrival[] = [];
  const streams: LiveStream[] = [];
  try {
    // The relay warmed up (a callback, a stream opened and closed), then measured with nothing open.
    const warm = new Map([...db.sids].slice(0, 10).map(([phone, list]) => [phone, list.slice(-1)]));
    const probe = openLiveStream(relay.url, `phone=${encodeURIComponent(phones[0]!)}`, db.tokens[0]!.token, () => {});
    await probe.ready;
    await sendSteady(sender, statusPlan(warm, 30), rate);
    probe.close();
    await sleep(500);
    const before = await relay.usage(true);

    // Opened in batches, as a fleet of extensions reconnecting after a restart would arrive.
    for (let i = 0; i < total; i += 100) {
      const batch: LiveStream[] = [];
      for (let j = i; j < Math.min(total, i + 100); j++) {
        const phone = phones[j % phoneCount]!;
        const token = db.tokens[Math.floor(j / perToken)]!.token;
        batch.push(openLiveStream(relay.url, `phone=${encodeURIComponent(phone)}`, token, (a) => arrivals.push(a)));
      }
      streams.push(...batch);
      await Promise.all(batch.map((s) => s.ready));
    }
    await sleep(500);
    const after = await relay.usage(true);
    if (after.listeners < total) throw new Error(`only ${after.listeners} of ${total} streams are subscribed on the relay`);
    log(`${total} streams open (${phoneCount} phones × ${perPhone}, ${tokenCount} tokens): RSS ${mb(before.rssBytes)} → ${mb(after.rssBytes)} MB, heap ${mb(before.heapUsedBytes)} → ${mb(after.heapUsedBytes)} MB`);

    // Idle: only keep-alive pings.
    const pings0 = streams.reduce((n, s) => n + s.pings, 0);
    const idle0 = await relay.usage();
    const idleT0 = performance.now();
    await sleep(KEEPALIVE_S * 1000 + 500);
    const idle1 = await relay.usage();
    const idleWall = performance.now() - idleT0;
    const pings = streams.reduce((n, s) => n + s.pings, 0) - pings0;
    const idleCpu = ((idle1.cpuMicros - idle0.cpuMicros) / 1000 / idleWall) * 100;
    log(`idle ${(idleWall / 1000).toFixed(1)} s: relay CPU ${idleCpu.toFixed(2)} % of one core, ${pings} pings received`);

    // Fan-out: each callback goes to the 4 streams of its phone.
    const measured = new Map([...db.sids].map(([phone, list]) => [phone, list.slice(0, -1)]));
    arrivals.length = 0;
    const fan0 = await relay.usage();
    const fanT0 = performance.now();
    const run = await sendSteady(sender, statusPlan(measured, callbacks), rate);
    const expected = run.callbacks * perPhone;
    for (let i = 0; i < 100 && arrivals.length < expected; i++) await sleep(20);
    const fan1 = await relay.usage();
    const fanWall = performance.now() - fanT0;
    const fanCpu = ((fan1.cpuMicros - fan0.cpuMicros) / 1000 / fanWall) * 100;
    const latencies: number[] = [];
    for (const a of arrivals) {
      const at = run.sent.get(`${a.sid}:${a.status}`);
      if (at !== undefined) latencies.push(a.at - at);
    }
    const latency = percentiles(latencies);
    log(`fan-out ${run.callbacks} callbacks at ${rate}/s over ${(fanWall / 1000).toFixed(1)} s: relay CPU ${fanCpu.toFixed(1)} % of one core; ${arrivals.length} of ${expected} deliveries, p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms`);
    return {
      streams: total,
      phones: phoneCount,
      tokens: tokenCount,
      before,
      after,
      idle: { seconds: idleWall / 1000, cpuPercent: idleCpu, pings },
      fanout: { rate, seconds: fanWall / 1000, cpuPercent: fanCpu, expected, received: arrivals.length, failures: sender.failures, latency },
    };
  } finally {
    for (const s of streams) s.close();
    sender.close();
    await relay.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

// `npx tsx test/bench/streams.ts`: this benchmark alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchStreams({ log: (s) => process.stderr.write(`  ${s}\n`) });
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
}
