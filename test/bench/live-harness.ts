/**
 * What the live-event benchmarks share: a relay database prepared before the relay starts (access
 * tokens, outbound messages with known sids for the phones watched), the relay in its own process
 * (live-relay-server.ts, asked for its memory and CPU over IPC), signed status callbacks sent the way
 * Twilio sends them, and a lean SSE reader that timestamps each status event as its bytes arrive.
 */
import { Agent, get, request } from 'node:http';
import { createAccessToken } from '../../relay/auth/tokens.ts';
import { openSqliteStore } from '../../relay/store/sqlite/sqlite-store.ts';
import { computeSignature, formFieldsFrom } from '../../relay/twilio/signature.ts';
import type { Role } from '../../shared/api.ts';
import { encodeForm, statusForm } from '../helpers/twilio-signer.ts';
import { BENCH_ACCOUNT_SID, BENCH_AUTH_TOKEN, BENCH_PUBLIC_URL } from './bench-data.ts';
import type { RelayUsage } from './live-relay-server.ts';
import { spawnServer } from './spawn-server.ts';

export type { RelayUsage };

export const SENDER = 'whatsapp:+14155238886';
export const STATUSES = ['sent', 'delivered', 'read'] as const;
export type BenchStatus = (typeof STATUSES)[number];

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Nearest-rank percentile of unsorted values (p in 0..100). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export interface Percentiles {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function percentiles(values: readonly number[]): Percentiles {
  return { count: values.length, p50: percentile(values, 50), p95: percentile(values, 95), p99: percentile(values, 99), max: Math.max(...values) };
}

export interface PreparedDb {
  tokens: { name: string; role: Role; token: string }[];
  /** Sids of the seeded outbound messages (status queued), per phone. */
  sids: Map<string, string[]>;
}

/** Tokens and `perPhone` queued outbound messages with sids for each phone, written before the relay opens the file. */
export async function prepareLiveDb(file: string, opts: { tokens: { name: string; role: Role }[]; phones: readonly string[]; perPhone: number }): Promise<PreparedDb> {
  const store = openSqliteStore(file);
  await store.migrate();
  const tokens: PreparedDb['tokens'] = [];
  for (const t of opts.tokens) tokens.push({ ...t, token: (await createAccessToken(store, t.name, t.role)).token });
  const sids = new Map<string, string[]>();
  const created = Date.now() - 60_000;
  let n = 0;
  for (const phone of opts.phones) {
    const list: string[] = [];
    for (let i = 0; i < opts.perPhone; i++, n++) {
      const at = new Date(created + n).toISOString();
      const { message } = await store.createOutbound({ id: `msg_live_${n}`, phone, body: `Bench message ${i + 1}`, contentSid: null, variables: null, sentBy: 'Bench Rep', sentByTokenId: 'tok_bench', createdAt: at, idempotencyKey: null });
      const sid = 'SM' + (0xa0000000 + n).toString(16).padStart(32, '0');
      await store.attachSid(message.id, sid, 'queued', at);
      list.push(sid);
    }
    sids.set(phone, list);
  }
  await store.close();
  return { tokens, sids };
}

export interface LiveRelay {
  url: string;
  pid: number;
  /** The relay's own memory and CPU; gc = collect garbage first (the relay runs with --expose-gc). */
  usage(gc?: boolean): Promise<RelayUsage>;
  stop(): Promise<void>;
}

/** live-relay-server.ts in its own process on `dbFile`, live mode (signed with BENCH_AUTH_TOKEN), no Twilio API reachable. */
export async function spawnLiveRelay(dbFile: string, opts: { demo?: boolean; env?: Record<string, string> } = {}): Promise<LiveRelay> {
  const { url, child, stop } = await spawnServer(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', 'test/bench/live-relay-server.ts'],
    {
      PORT: '0',
      HOST: '127.0.0.1',
      PUBLIC_URL: BENCH_PUBLIC_URL,
      DATABASE_URL: `file:${dbFile}`,
      TWILIO_ACCOUNT_SID: BENCH_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: BENCH_AUTH_TOKEN,
      TWILIO_WHATSAPP_FROM: SENDER,
      TWILIO_API_BASE_URL: 'http://127.0.0.1:9',
      LOG_LEVEL: 'silent',
      BENCH_DEMO: opts.demo ? '1' : '0',
      ...opts.env,
    },
    { ipc: true, stopGraceMs: 15_000 },
  );
  return {
    url,
    pid: child.pid!,
    usage(gc = false) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the bench relay did not report its usage')), 30_000);
        const on = (m: { type?: string; usage?: RelayUsage }) => {
          if (m?.type !== 'usage') return;
          clearTimeout(timer);
          child.off('message', on);
          resolve(m.usage!);
        };
        child.on('message', on);
        child.send({ type: 'usage', gc });
      });
    },
    stop,
  };
}

/** Signed status callbacks, posted over keep-alive connections as Twilio's proxies do. */
export class CallbackSender {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 32 });
  private readonly url: URL;
  failures = 0;
  inFlight = 0;

  constructor(relayUrl: string) {
    this.url = new URL('/twilio/status', relayUrl);
  }

  /** The form and its signature, made ahead of time so the timed send does only the send. */
  static sign(sid: string, status: BenchStatus, phone: string): { body: string; signature: string } {
    const form = statusForm({ sid, status, to: phone, from: SENDER, accountSid: BENCH_ACCOUNT_SID });
    return { body: encodeForm(form), signature: computeSignature(BENCH_AUTH_TOKEN, `${BENCH_PUBLIC_URL}/twilio/status`, formFieldsFrom(form)) };
  }

  /** Resolves with the HTTP status once the relay has answered (it answers after the durable write). */
  send(signed: { body: string; signature: string }): Promise<number> {
    this.inFlight++;
    return new Promise<number>((resolve) => {
      const req = request(
        this.url,
        { method: 'POST', agent: this.agent, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(signed.body), 'x-twilio-signature': signed.signature } },
        (res) => {
          res.resume();
          res.on('end', () => {
            this.inFlight--;
            if (res.statusCode! >= 300) this.failures++;
            resolve(res.statusCode!);
          });
        },
      );
      req.on('error', () => {
        this.inFlight--;
        this.failures++;
        resolve(0);
      });
      req.end(signed.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface StatusArrival {
  sid: string;
  status: string;
  /** performance.now() in this process when the event's bytes were read. */
  at: number;
}

export interface LiveStream {
  /** Resolves once the relay's ": connected" comment arrived (the subscription is in place). */
  ready: Promise<void>;
  /** Events other than message.status, and ping comments. */
  pings: number;
  close(): void;
}

/** GET /v1/events on its own connection; calls onStatus for each message.status event as it is read. */
export function openLiveStream(relayUrl: string, query: string, token: string, onStatus: (a: StatusArrival) => void): LiveStream {
  let buf = '';
  let markReady: () => void = () => {};
  let fail: (e: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    fail = reject;
  });
  const stream: LiveStream = { ready, pings: 0, close: () => req.destroy() };
  const req = get(new URL(`/v1/events?${query}`, relayUrl), { agent: false, headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` } }, (res) => {
    if (res.statusCode !== 200) {
      fail(new Error(`GET /v1/events?${query} answered ${res.statusCode}`));
      res.resume();
      return;
    }
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      const at = performance.now();
      buf += chunk;
      let idx: number;
      while ((idx = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, idx);
        buf = buf.slice(idx + 2);
        if (block.startsWith(': connected')) markReady();
        else if (block.startsWith(': ping')) stream.pings++;
        else if (block.includes('event: message.status')) {
          const from = block.indexOf('data:') + 5;
          const end = block.indexOf('\n', from);
          const e = JSON.parse(block.slice(from, end < 0 ? undefined : end)) as { message: { sid: string; status: string } };
          onStatus({ sid: e.message.sid, status: e.message.status, at });
        }
      }
    });
  });
  req.on('error', (e) => fail(e));
  return stream;
}
