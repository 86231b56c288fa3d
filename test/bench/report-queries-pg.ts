/**
 * The report benchmark on PostgreSQL: the same million outbound messages as SQLite (reportRows(),
 * same seed) in a throwaway schema of the test database, migrated by the relay's own migrations,
 * then the same deliveryReport, drill-down and contact-state timings through the PostgreSQL store.
 *
 * Seeding: the relay's secondary indexes on messages are dropped, the rows go in with multi-row
 * INSERT … SELECT FROM unnest(arrays) (no COPY client among the dependencies), the indexes are
 * rebuilt from their own definitions, and VACUUM ANALYZE leaves the table as autovacuum would
 * (statistics for the planner, a visibility map for index-only scans).
 */
import pg from 'pg';
import { openPostgresStore } from '../../relay/store/postgres/postgres-store.ts';
import { parsePostgresUrl } from '../../relay/store/postgres/postgres-url.ts';
import { dropSchema, randomSchema, schemaUrl, TEST_DATABASE_URL } from '../../relay/store/postgres/test-database.ts';
import { benchContactState, BUSY_PHONE, PHONES } from './contact-state.ts';
import { checkDerived, DAY_MS, REPORT_COLUMNS, REPORT_END, reportRows, timeReports, type ReportRowValues } from './report-queries.ts';
import type { Timing } from './timing.ts';

export interface PgReportBenchResult {
  messages: number;
  seedMs: number;
  tableMb: number;
  /** Fraction of the table's pages VACUUM marked all-visible (index-only scans skip the table for those). */
  visible: number;
  timings: Timing[];
  skipped?: string;
}

/** Array types unnest() reads each column as, and the casts into the table's own types. */
const ARRAY_TYPES: Record<(typeof REPORT_COLUMNS)[number], [string, string]> = {
  id: ['text[]', ''], sid: ['text[]', ''], phone: ['text[]', ''], body: ['text[]', ''], content_sid: ['text[]', ''],
  variables: ['text[]', '::jsonb'], status: ['text[]', ''], error_code: ['int[]', ''], error_message: ['text[]', ''],
  sent_by: ['text[]', ''], sent_by_token_id: ['text[]', ''], status_times: ['text[]', '::jsonb'],
  created_at: ['timestamptz[]', ''], updated_at: ['timestamptz[]', ''], sent_at: ['timestamptz[]', ''], delivered_at: ['timestamptz[]', ''],
  read_at: ['timestamptz[]', ''], failed_at: ['timestamptz[]', ''], to_delivered_ms: ['bigint[]', ''], to_read_ms: ['bigint[]', ''],
};

const BATCH = 20_000;

export async function seedPgReportData(c: pg.Client, schema: string, count: number, log: (s: string) => void): Promise<number> {
  await c.query(`SET synchronous_commit = off`);
  await c.query(`SET maintenance_work_mem = '256MB'`);
  // The secondary indexes (not those behind PRIMARY KEY / UNIQUE): rebuilt once after the load.
  const { rows: indexes } = await c.query<{ name: string; def: string }>(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
       FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = $1 AND t.relname = 'messages' AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)`,
    [schema],
  );
  for (const ix of indexes) await c.query(`DROP INDEX ${ix.name}`);
  const cols = REPORT_COLUMNS.map((name, i) => `c${i}${ARRAY_TYPES[name][1]}`);
  const insert = `INSERT INTO messages (direction, ${REPORT_COLUMNS.join(', ')})
    SELECT 'outbound', ${cols.join(', ')} FROM unnest(${REPORT_COLUMNS.map((name, i) => `$${i + 1}::${ARRAY_TYPES[name][0]}`).join(', ')})
    AS t(${REPORT_COLUMNS.map((_, i) => `c${i}`).join(', ')})`;
  let batch: ReportRowValues[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const columns = REPORT_COLUMNS.map((_, i) => batch.map((row) => row[i]));
    await c.query(insert, columns);
    batch = [];
  };
  const checks: Parameters<typeof checkDerived>[] = [];
  await c.query('BEGIN');
  for (const row of reportRows(count, REPORT_END, (...x) => checks.push(x))) {
    batch.push(row);
    if (batch.length === BATCH) await flush();
  }
  await flush();
  const at = new Date(REPORT_END - 90 * DAY_MS).toISOString();
  let phones: string[] = [];
  const contacts = async () => {
    await c.query(
      `INSERT INTO contacts (phone, pinpoint_id, consent_state, consent_source, consent_at, consent_by, consent_evidence, created_at, updated_at)
       SELECT p, CASE WHEN p = $2 THEN '9001' END, 'opted_in', 'rep', $3::timestamptz, 'Bench Rep', 'Said yes on the phone', $3::timestamptz, $3::timestamptz
         FROM unnest($1::text[]) AS p`,
      [phones, BUSY_PHONE, at],
    );
    phones = [];
  };
  for (const p of PHONES) {
    phones.push(p);
    if (phones.length === 50_000) await contacts();
  }
  if (phones.length) await contacts();
  await c.query('COMMIT');
  for (const x of checks) checkDerived(...x);
  log(`rows in; rebuilding ${indexes.length} indexes…`);
  for (const ix of indexes) await c.query(ix.def);
  await c.query('VACUUM (ANALYZE) contacts');
  return await vacuumUntilVisible(c, log);
}

/**
 * VACUUM ANALYZE until (almost) every page of messages is marked all-visible, as autovacuum leaves a
 * settled table. A page can only be marked once no open transaction anywhere on the server could
 * still miss its rows: while other sessions hold old snapshots (a test suite running alongside),
 * index-only scans fall back to reading the table, and reports take several times longer. Gives up
 * after 30 s and says how far it got. Returns the fraction of pages marked.
 */
async function vacuumUntilVisible(c: pg.Client, log: (s: string) => void): Promise<number> {
  const started = performance.now();
  for (;;) {
    await c.query('VACUUM (ANALYZE) messages');
    const { pages, visible } = (await c.query<{ pages: number; visible: number }>(`SELECT relpages AS pages, relallvisible AS visible FROM pg_class WHERE oid = 'messages'::regclass`)).rows[0]!;
    const fraction = pages === 0 ? 1 : visible / pages;
    if (fraction >= 0.99 || performance.now() - started > 30_000) {
      if (fraction < 0.99) log(`warning: only ${(fraction * 100).toFixed(0)} % of the table's pages are all-visible (open transactions elsewhere on the server?): index-only scans will read the table`);
      return fraction;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function reachable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: parsePostgresUrl(TEST_DATABASE_URL).connectionString, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (err) {
    return `${TEST_DATABASE_URL} unreachable (${err instanceof Error ? err.message : String(err)}); set PPW_TEST_DATABASE_URL`;
  } finally {
    await client.end().catch(() => {});
  }
}

export async function benchPgReportQueries(opts: { log?: (s: string) => void; count?: number; runs?: number } = {}): Promise<PgReportBenchResult> {
  const log = opts.log ?? (() => {});
  const count = opts.count ?? 1_000_000;
  const runs = opts.runs ?? 10;
  const why = await reachable();
  if (why) return { messages: 0, seedMs: 0, tableMb: 0, visible: 0, timings: [], skipped: why };
  const schema = randomSchema('ppw_bench');
  const store = openPostgresStore(schemaUrl(schema));
  try {
    await store.migrate();
    log(`seeding ${count.toLocaleString('en')} outbound messages into ${TEST_DATABASE_URL} schema ${schema}…`);
    const started = performance.now();
    const c = new pg.Client({ connectionString: parsePostgresUrl(TEST_DATABASE_URL).connectionString, options: `-c search_path=${schema}` });
    await c.connect();
    let tableMb = 0;
    let visible = 0;
    try {
      visible = await seedPgReportData(c, schema, count, log);
      tableMb = Number((await c.query<{ b: string }>(`SELECT pg_total_relation_size('messages') AS b`)).rows[0]!.b) / 1e6;
    } finally {
      await c.end();
    }
    const seedMs = performance.now() - started;
    log(`seeded in ${(seedMs / 1000).toFixed(1)} s (messages with indexes: ${tableMb.toFixed(0)} MB, ${(visible * 100).toFixed(0)} % of pages all-visible)`);
    const timings = await timeReports(store, runs, log);
    timings.push(...(await benchContactState(store, log)));
    return { messages: count, seedMs, tableMb, visible, timings };
  } finally {
    await store.close();
    await dropSchema(schema);
  }
}

// `npx tsx test/bench/report-queries-pg.ts`: this benchmark alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchPgReportQueries({ log: (s) => process.stderr.write(`  ${s}\n`), count: Number(process.env.BENCH_COUNT ?? 1_000_000) });
  process.stdout.write(`${JSON.stringify({ ...r, timings: r.timings.map((t) => ({ ...t, p50: Math.round(t.p50), p95: Math.round(t.p95) })) }, null, 2)}\n`);
}
