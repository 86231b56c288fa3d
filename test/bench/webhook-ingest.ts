/**
 * Webhook ingest: signed WhatsApp status callbacks (sent, delivered, read for each message) posted
 * to the relay — signature check, form validation, forward-only update in SQLite (WAL) — against a
 * bare node:http server answering the same requests, measured in the same run on the same machine.
 */
import autocannon from 'autocannon';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeSignature, formFieldsFrom } from '../../relay/twilio/signature.ts';
import { encodeForm, statusForm } from '../helpers/twilio-signer.ts';
import { BENCH_ACCOUNT_SID, BENCH_AUTH_TOKEN, BENCH_PUBLIC_URL, benchSid } from './bench-data.ts';
import { seedSentMessages } from './seed-sent.ts';
import { spawnServer } from './spawn-server.ts';

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  total: number;
  non2xx: number;
  errors: number;
}

export interface IngestResult {
  bare: LoadResult;
  relay: LoadResult;
  ratio: number;
  applied: number;
  messages: number;
  rounds: number;
  /** relay / bare for each round, to show the spread. */
  ratios: number[];
}

const STATUSES = ['sent', 'delivered', 'read'] as const;

function buildRequests(messages: number): { body: string; signature: string }[] {
  const url = `${BENCH_PUBLIC_URL}/twilio/status`;
  const out: { body: string; signature: string }[] = [];
  for (const status of STATUSES) {
    for (let i = 0; i < messages; i++) {
      const form = statusForm({ sid: benchSid(i), status, to: `+1555${String(i).padStart(7, '0')}`, from: 'whatsapp:+14155238886', accountSid: BENCH_ACCOUNT_SID });
      out.push({ body: encodeForm(form), signature: computeSignature(BENCH_AUTH_TOKEN, url, formFieldsFrom(form)) });
    }
  }
  return out;
}

/** Runs `seconds` of load, taking requests from `pool` starting at `offset`; returns the result and the next offset. */
async function load(url: string, pool: { body: string; signature: string }[], offset: number, seconds: number, connections: number): Promise<[LoadResult, number]> {
  let next = offset;
  const result = await autocannon({
    url: `${url}/twilio/status`,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        setupRequest: (req: Record<string, unknown>) => {
          const r = pool[next++ % pool.length]!;
          return { ...req, method: 'POST', body: r.body, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': r.signature } };
        },
      },
    ],
  });
  return [{ rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, total: result.requests.total, non2xx: result.non2xx, errors: result.errors }, next];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchWebhookIngest(opts: { rounds?: number; seconds?: number; connections?: number; messages?: number; log?: (s: string) => void } = {}): Promise<IngestResult> {
  const seconds = opts.seconds ?? 4;
  const rounds = opts.rounds ?? 3;
  const connections = opts.connections ?? 50;
  // Enough that no callback repeats at ~20k req/s over warm-up + rounds (a repeat is a cheap duplicate).
  const messages = opts.messages ?? 100_000;
  const log = opts.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'ppw-bench-'));
  log(`signing ${messages * 3} status callbacks…`);
  const requests = buildRequests(messages);
  log(`seeding ${messages} sent messages…`);
  await seedSentMessages(join(dir, 'bench.sqlite'), messages);
  const bare = await spawnServer(process.execPath, ['test/bench/bare-server.mjs']);
  const relay = await spawnServer(process.execPath, ['--import', 'tsx', 'test/bench/relay-server.ts'], {
    PORT: '0',
    PUBLIC_URL: BENCH_PUBLIC_URL,
    DATABASE_URL: `file:${join(dir, 'bench.sqlite')}`,
    TWILIO_ACCOUNT_SID: BENCH_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: BENCH_AUTH_TOKEN,
    TWILIO_WHATSAPP_FROM: 'whatsapp:+14155238886',
    TWILIO_API_BASE_URL: 'http://127.0.0.1:9',
    LOG_LEVEL: 'silent',
  });
  try {
    // Warm both up (JIT, page cache), then alternate rounds so drift on the machine hits both alike.
    let offset = 0;
    await load(bare.url, requests, 0, 1, connections);
    [, offset] = await load(relay.url, requests, offset, 1, connections);
    const bareRuns: LoadResult[] = [];
    const relayRuns: LoadResult[] = [];
    for (let round = 1; round <= rounds; round++) {
      log(`round ${round}/${rounds}: bare node:http ${seconds} s, relay ${seconds} s…`);
      bareRuns.push((await load(bare.url, requests, 0, seconds, connections))[0]);
      let r: LoadResult;
      [r, offset] = await load(relay.url, requests, offset, seconds, connections);
      relayRuns.push(r);
    }
    if (offset > requests.length) log(`warning: the relay saw ${offset - requests.length} repeated callbacks (raise messages)`);
    await relay.stop();
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(join(dir, 'bench.sqlite'), { readonly: true });
    const applied = (db.prepare("SELECT count(*) AS n FROM messages WHERE status <> 'queued'").get() as { n: number }).n;
    db.close();
    const pick = (runs: LoadResult[]) => runs.find((x) => x.rps === median(runs.map((y) => y.rps)))!;
    const bareResult = pick(bareRuns);
    const relayResult = pick(relayRuns);
    // Each round pairs a bare run with the relay run right after it, so drift on the machine hits both alike;
    // the figure is the median of those per-round ratios.
    const ratios = relayRuns.map((r, i) => r.rps / bareRuns[i]!.rps);
    return { bare: bareResult, relay: relayResult, ratio: median(ratios), applied, messages, rounds, ratios };
  } finally {
    await bare.stop();
    await relay.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
