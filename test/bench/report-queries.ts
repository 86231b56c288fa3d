/**
 * Manager report queries at scale: ONE MILLION outbound messages over 90 days in a temporary SQLite
 * file (the relay's own migrations, WAL), then the store's deliveryReport per rep, template and day
 * over the last 30 and all 90 days, drill-down pages, and the contact state the panel loads
 * (contact-state.ts) for the busiest contact and a typical one, each timed over several runs.
 *
 * Seeding writes rows straight through better-sqlite3 in one transaction with one prepared
 * statement, in creation order as the relay would, including the status columns the store derives
 * (checked against status-fold.ts on a sample, so the shortcut can't drift from the real write path).
 * The rows come from reportRows(), which report-queries-pg.ts loads into PostgreSQL too: both
 * engines answer over the same million messages.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runMigrations } from '../../relay/store/sqlite/migrations.ts';
import { openSqliteStore } from '../../relay/store/sqlite/sqlite-store.ts';
import { statusColumns } from '../../relay/store/status-fold.ts';
import type { Store } from '../../relay/store/store.ts';
import { seededRandom } from '../helpers/seeded-random.ts';
import { benchContactState, BUSY_PHONE, contactPhone, PHONES } from './contact-state.ts';
import { time, type Timing } from './timing.ts';

export type { Timing };

export interface ReportBenchResult {
  messages: number;
  seedMs: number;
  fileMb: number;
  timings: Timing[];
}

export const DAY_MS = 86_400_000;
/** The instant the seeded 90 days end (exclusive). */
export const REPORT_END = Date.UTC(2026, 10, 30);
export const REPS = Array.from({ length: 20 }, (_, i) => `Rep ${String(i + 1).padStart(2, '0')}`);
export const TEMPLATES = Array.from({ length: 10 }, (_, i) => `HX${i.toString(16).repeat(32)}`);
/** Weighted like real traffic: most failures are the closed window and bad numbers. */
const FAILURE_CODES = [63016, 63016, 63016, 21211, 21211, 63024, 63003, 63049];


/** The columns reportRows() fills, in its order. */
export const REPORT_COLUMNS = ['id', 'sid', 'phone', 'body', 'content_sid', 'variables', 'status', 'error_code', 'error_message', 'sent_by', 'sent_by_token_id',
  'status_times', 'created_at', 'updated_at', 'sent_at', 'delivered_at', 'read_at', 'failed_at', 'to_delivered_ms', 'to_read_ms'] as const;
export type ReportRowValues = [string, string, string, string | null, string | null, string | null, string, number | null, string | null, string, string,
  string, string, string, string | null, string | null, string | null, string | null, number | null, number | null];

/**
 * ~90% delivered (two thirds of them read: ~60% of all), ~3% failed across a few codes, the rest still
 * at sent. 10% free-form. Busier on weekdays and during working hours, as a sales team is. One
 * message in 200 goes to BUSY_PHONE (5,000 over the 90 days); the rest to 250,000 contacts, four each.
 * Deterministic: the same seed gives every engine the same rows. `check` receives a sample of rows'
 * creation time, status times and derived columns, to compare with the store's own derivation.
 */
export function* reportRows(count: number, end: number, check?: (created: string, times: Record<string, string>, derived: ReturnType<typeof statusColumns>) => void): Generator<ReportRowValues> {
  const rnd = seededRandom(20261130);
  const start = end - 90 * DAY_MS;
  const iso = (ms: number) => new Date(ms).toISOString();
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
    if (check && i % 100_000 === 0) check(iso(created), times, derived);
    const updated = times.read ?? times.delivered ?? times.undelivered ?? times.sent!;
    yield [
      `msg_bench_${i}`, `SM${i.toString(16).padStart(32, '0')}`, contactPhone(i),
      template ? null : 'Hi! Following up on your request.', template, template ? '{"1":"Maria","2":"3pm"}' : null,
      status, code, code ? 'x' : null, rep, `tok_${rep}`, JSON.stringify(times), iso(created), updated,
      derived.sentAt, derived.deliveredAt, derived.readAt, derived.failedAt, derived.toDeliveredMs, derived.toReadMs,
    ];
  }
}

/** Throws when the seeded status columns differ from what the store derives (status-fold.ts). */
export function checkDerived(created: string, times: Record<string, string>, derived: ReturnType<typeof statusColumns>): void {
  const real = statusColumns(created, times);
  if (JSON.stringify(real) !== JSON.stringify(derived)) throw new Error(`seeded status columns differ from the store's: ${JSON.stringify({ real, derived })}`);
}

export function seedReportData(file: string, count: number, end: number): number {
  const started = performance.now();
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  runMigrations(db, file, () => new Date().toISOString());
  // A throwaway file: no fsync, a big page cache for the index builds.
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  const insert = db.prepare(`INSERT INTO messages (direction, ${REPORT_COLUMNS.join(', ')})
    VALUES ('outbound', ${REPORT_COLUMNS.map(() => '?').join(', ')})`);
  const contact = db.prepare(`INSERT INTO contacts (phone, pinpoint_id, consent_state, consent_source, consent_at, consent_by, consent_evidence, created_at, updated_at)
    VALUES (?, ?, 'opted_in', 'rep', ?, 'Bench Rep', 'Said yes on the phone', ?, ?)`);
  const checks: Parameters<typeof checkDerived>[] = [];
  db.transaction(() => {
    for (const row of reportRows(count, end, (...c) => checks.push(c))) insert.run(...row);
    // Every contact the messages went to, as the relay's contacts table would hold them.
    const at = new Date(end - 90 * DAY_MS).toISOString();
    for (const phone of PHONES) contact.run(phone, phone === BUSY_PHONE ? '9001' : null, at, at, at);
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  for (const c of checks) checkDerived(...c);
  return performance.now() - started;
}

/** The store's deliveryReport per rep, template and day over 30 and 90 days, then three drill-down pages. */
export async function timeReports(store: Store, runs: number, log: (s: string) => void): Promise<Timing[]> {
  const end = REPORT_END;
  const timings: Timing[] = [];
  const to = new Date(end - 1).toISOString();
  const from30 = new Date(end - 30 * DAY_MS).toISOString();
  const from90 = new Date(end - 90 * DAY_MS).toISOString();
  for (const [days, from] of [[30, from30], [90, from90]] as const) {
    for (const groupBy of ['rep', 'template', 'day'] as const) {
      const t = await time(`deliveryReport groupBy=${groupBy}, ${days} days`, `report by ${groupBy}, ${days} days`, runs, async () => {
        const r = await store.deliveryReport({ from, to, groupBy });
        return `${r.rows.length} rows, ${r.totals.sent.toLocaleString('en')} messages, ${r.totals.delivered.toLocaleString('en')} delivered, ${r.totals.failed.toLocaleString('en')} failed, median to delivered ${r.totals.medianToDeliveredMs} ms, to read ${r.totals.medianToReadMs} ms`;
      });
      log(`${t.label}: p50 ${t.p50.toFixed(0)} ms, p95 ${t.p95.toFixed(0)} ms (${t.detail})`);
      timings.push(t);
    }
  }
  const rep = REPS[3]!;
  const pages: [string, string, Parameters<Store['listMessagesPage']>[0]][] = [
    [`listMessagesPage rep + status=read, 30 days, 50 per page`, 'drill-down rep + read, 30 days', { rep, status: 'read', from: from30, to, limit: 50 }],
    [`listMessagesPage status=undelivered (3%), 90 days, 50 per page`, 'drill-down undelivered, 90 days', { status: 'undelivered', from: from90, to, limit: 50 }],
    [`listMessagesPage template + rep, 90 days, 500 per page`, 'drill-down template + rep, 500/page', { rep, contentSid: TEMPLATES[2]!, from: from90, to, limit: 500 }],
  ];
  for (const [label, short, q] of pages) {
    // Page 1, then the page after its cursor: the keyset seek is what every later page costs.
    const first = await store.listMessagesPage(q);
    const t = await time(label, short, runs, async () => {
      const page = await store.listMessagesPage({ ...q, cursor: first.nextCursor });
      return `${page.messages.length} messages on page 2, first ${page.messages[0]?.id}`;
    });
    log(`${t.label}: p50 ${t.p50.toFixed(1)} ms, p95 ${t.p95.toFixed(1)} ms (${t.detail})`);
    timings.push(t);
  }
  return timings;
}

export async function benchReportQueries(opts: { log?: (s: string) => void; count?: number; runs?: number } = {}): Promise<ReportBenchResult> {
  const log = opts.log ?? (() => {});
  const count = opts.count ?? 1_000_000;
  const runs = opts.runs ?? 10;
  const dir = mkdtempSync(join(tmpdir(), 'ppw-bench-reports-'));
  const file = join(dir, 'reports.sqlite');
  try {
    log(`seeding ${count.toLocaleString('en')} outbound messages…`);
    const seedMs = seedReportData(file, count, REPORT_END);
    const { size } = statSync(file);
    log(`seeded in ${(seedMs / 1000).toFixed(1)} s (${(size / 1e6).toFixed(0)} MB)`);
    const store: Store = openSqliteStore(file);
    try {
      const timings = await timeReports(store, runs, log);
      timings.push(...(await benchContactState(store, log)));
      return { messages: count, seedMs, fileMb: size / 1e6, timings };
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// `npx tsx test/bench/report-queries.ts`: this benchmark alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchReportQueries({ log: (s) => process.stderr.write(`  ${s}\n`) });
  process.stdout.write(`${JSON.stringify({ ...r, timings: r.timings.map((t) => ({ ...t, p50: Math.round(t.p50), p95: Math.round(t.p95) })) }, null, 2)}\n`);
}
