/**
 * Manager report queries at scale: ONE MILLION outbound messages over 90 days in a temporary SQLite
 * file (the relay's own migrations, WAL), then the store's deliveryReport per rep, template and day
 * over the last 30 and all 90 days, and drill-down pages, each timed over several runs.
 *
 * Seeding writes rows straight through better-sqlite3 in one transaction with one prepared
 * statement, in creation order as the relay would, including the status columns the store derives
 * (checked against status-fold.ts on a sample, so the shortcut can't drift from the real write path).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runMigrations } from '../../relay/store/sqlite/migrations.ts';
import { openSqliteStore } from '../../relay/store/sqlite/sqlite-store.ts';
import { statusColumns } from '../../relay/store/status-fold.ts';
import type { Store } from '../../relay/store/store.ts';
import { seededRandom } from '../helpers/seeded-random.ts';

export interface Timing {
  label: string;
  runs: number;
  p50: number;
  p95: number;
  /** What the query returned, to show it did real work. */
  detail: string;
}

export interface ReportBenchResult {
  messages: number;
  seedMs: number;
  fileMb: number;
  timings: Timing[];
}

const DAY_MS = 86_400_000;
const REPS = Array.from({ length: 20 }, (_, i) => `Rep ${String(i + 1).padStart(2, '0')}`);
const TEMPLATES = Array.from({ length: 10 }, (_, i) => `HX${i.toString(16).repeat(32)}`);
/** Weighted like real traffic: most failures are the closed window and bad numbers. */
const FAILURE_CODES = [63016, 63016, 63016, 21211, 21211, 63024, 63003, 63049];


/**
 * ~90% delivered (two thirds of them read: ~60% of all), ~3% failed across a few codes, the rest still
 * at sent. 10% free-form. Busier on weekdays and during working hours, as a sales team is.
 */
export function seedReportData(file: string, count: number, end: number): number {
  const started = performance.now();
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  runMigrations(db, file, () => new Date().toISOString());
  // A throwaway file: no fsync, a big page cache for the index builds.
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  const insert = db.prepare(`INSERT INTO messages (id, sid, phone, direction, body, content_sid, variables, status, error_code, error_message,
      sent_by, sent_by_token_id, status_times, created_at, updated_at, sent_at, delivered_at, read_at, failed_at, to_delivered_ms, to_read_ms)
    VALUES (?, ?, ?, 'outbound', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const rnd = seededRandom(20261130);
  const start = end - 90 * DAY_MS;
  const iso = (ms: number) => new Date(ms).toISOString();
  const checks: [string, Record<string, string>, ReturnType<typeof statusColumns>][] = [];
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      // Evenly spread in time (creation order = insertion order, as in the relay), with working-hours jitter.
      const created = start + Math.floor(((i + rnd()) * (end - start)) / count);
      const rep = REPS[Math.floor(rnd() * REPS.length)]!;
      const template = rnd() < 0.1 ? null : TEMPLATES[Math.floor(rnd() * TEMPLATES.length)]!;
      const sent = created + 300 + Math.floor(rnd() * 1500);
      const times: Record<string, string> = { queued: iso(created), sent: iso(sent) };
      const r = rnd();
      let status = 'sent';
      let code: number | null = null;
      if (r < 0.03) {
        status = 'undelivered';
        code = FAILURE_CODES[Math.floor(rnd() * FAILURE_CODES.length)]!;
        times.undelivered = iso(sent + 500 + Math.floor(rnd() * 4000));
      } else if (r < 0.93) {
        status = 'delivered';
        times.delivered = iso(sent + 400 + Math.floor(-Math.log(1 - rnd()) * 2500));
        if (r < 0.63) {
          status = 'read';
          times.read = iso(Date.parse(times.delivered) + 5_000 + Math.floor(-Math.log(1 - rnd()) * 900_000));
        }
      }
      const derived = {
        sentAt: times.sent ?? null,
        deliveredAt: times.delivered ?? null,
        readAt: times.read ?? null,
        failedAt: times.undelivered ?? null,
        toDeliveredMs: times.delivered ? Date.parse(times.delivered) - created : null,
        toReadMs: times.read ? Date.parse(times.read) - created : null,
      };
      if (i % 100_000 === 0) checks.push([iso(created), times, derived]);
      const updated = times.read ?? times.delivered ?? times.undelivered ?? times.sent!;
      insert.run(
        `msg_bench_${i}`, `SM${i.toString(16).padStart(32, '0')}`, `+55119${String(i % 250_000).padStart(8, '0')}`,
        template ? null : 'Hi! Following up on your request.', template, template ? '{"1":"Maria","2":"3pm"}' : null,
        status, code, code ? 'x' : null, rep, `tok_${rep}`, JSON.stringify(times), iso(created), updated,
        derived.sentAt, derived.deliveredAt, derived.readAt, derived.failedAt, derived.toDeliveredMs, derived.toReadMs,
      );
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  for (const [created, times, derived] of checks) {
    const real = statusColumns(created, times);
    if (JSON.stringify(real) !== JSON.stringify(derived)) throw new Error(`seeded status columns differ from the store's: ${JSON.stringify({ real, derived })}`);
  }
  return performance.now() - started;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function time(label: string, runs: number, f: () => Promise<string>): Promise<Timing> {
  await f(); // warm the page cache and the statement
  const ms: number[] = [];
  let detail = '';
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    detail = await f();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { label, runs, p50: percentile(ms, 50), p95: percentile(ms, 95), detail };
}

export async function benchReportQueries(opts: { log?: (s: string) => void; count?: number; runs?: number } = {}): Promise<ReportBenchResult> {
  const log = opts.log ?? (() => {});
  const count = opts.count ?? 1_000_000;
  const runs = opts.runs ?? 10;
  const dir = mkdtempSync(join(tmpdir(), 'ppw-bench-reports-'));
  const file = join(dir, 'reports.sqlite');
  try {
    const end = Date.UTC(2026, 10, 30);
    log(`seeding ${count.toLocaleString('en')} outbound messages…`);
    const seedMs = seedReportData(file, count, end);
    const { size } = await import('node:fs').then((fs) => fs.statSync(file));
    log(`seeded in ${(seedMs / 1000).toFixed(1)} s (${(size / 1e6).toFixed(0)} MB)`);
    const store: Store = openSqliteStore(file);
    const timings: Timing[] = [];
    try {
      const to = new Date(end - 1).toISOString();
      const from30 = new Date(end - 30 * DAY_MS).toISOString();
      const from90 = new Date(end - 90 * DAY_MS).toISOString();
      for (const [days, from] of [[30, from30], [90, from90]] as const) {
        for (const groupBy of ['rep', 'template', 'day'] as const) {
          const t = await time(`deliveryReport groupBy=${groupBy}, ${days} days`, runs, async () => {
            const r = await store.deliveryReport({ from, to, groupBy });
            return `${r.rows.length} rows, ${r.totals.sent.toLocaleString('en')} messages, median to delivered ${r.totals.medianToDeliveredMs} ms`;
          });
          log(`${t.label}: p50 ${t.p50.toFixed(0)} ms, p95 ${t.p95.toFixed(0)} ms (${t.detail})`);
          timings.push(t);
        }
      }
      const rep = REPS[3]!;
      const pages: [string, Parameters<Store['listMessagesPage']>[0]][] = [
        [`listMessagesPage rep + status=read, 30 days, 50 per page`, { rep, status: 'read', from: from30, to, limit: 50 }],
        [`listMessagesPage status=undelivered (3%), 90 days, 50 per page`, { status: 'undelivered', from: from90, to, limit: 50 }],
        [`listMessagesPage template + rep, 90 days, 500 per page`, { rep, contentSid: TEMPLATES[2]!, from: from90, to, limit: 500 }],
      ];
      for (const [label, q] of pages) {
        // Page 1, then the page after its cursor: the keyset seek is what every later page costs.
        const first = await store.listMessagesPage(q);
        const t = await time(label, runs, async () => {
          const page = await store.listMessagesPage({ ...q, cursor: first.nextCursor });
          return `${page.messages.length} messages on page 2`;
        });
        log(`${t.label}: p50 ${t.p50.toFixed(1)} ms, p95 ${t.p95.toFixed(1)} ms (${t.detail})`);
        timings.push(t);
      }
    } finally {
      await store.close();
    }
    return { messages: count, seedMs, fileMb: size / 1e6, timings };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// `npx tsx test/bench/report-queries.ts`: this benchmark alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchReportQueries({ log: (s) => process.stderr.write(`  ${s}\n`) });
  process.stdout.write(`${JSON.stringify({ ...r, timings: r.timings.map((t) => ({ ...t, p50: Math.round(t.p50), p95: Math.round(t.p95) })) }, null, 2)}\n`);
}
