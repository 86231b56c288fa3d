/**
 * The relay process dies (SIGKILL: no shutdown code runs) in the middle of a burst of Twilio webhooks.
 * An acknowledged webhook is one Twilio will never send again, so its effect must already be in the
 * database; then Twilio retries everything (what got no answer, and some of what did) against the
 * restarted relay, and each must be absorbed exactly once. Run on SQLite and on PostgreSQL (that part
 * skips loudly without a server; fails under CI=true).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../relay/store/postgres/postgres-store.ts';
import { dropSchema, postgresAvailable, randomSchema, schemaUrl } from '../../relay/store/postgres/test-database.ts';
import { openSqliteStore } from '../../relay/store/sqlite/sqlite-store.ts';
import type { Store } from '../../relay/store/store.ts';
import { acked, buildFleet, fireAll, missingAcknowledged, readPostgres, readSqlite, seedOutbound, sqliteIntegrity, wrongAfterAll, type CallOutcome, type DbView } from '../helpers/fault-fixtures.ts';
import { PUBLIC_URL, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TEST_SENDER } from '../helpers/relay-harness.ts';
import { spawnRelay, type SpawnedRelay } from '../helpers/spawn-relay.ts';

const pgAvailable = await postgresAvailable();
const dir = mkdtempSync(join(tmpdir(), 'ppw-crash-'));
const spawned: SpawnedRelay[] = [];
const schemas: string[] = [];
afterAll(async () => {
  for (const r of spawned) await r.kill();
  for (const s of schemas) await dropSchema(s);
  rmSync(dir, { recursive: true, force: true });
});

interface Engine {
  name: string;
  databaseUrl: string;
  open(): Store;
  read(): Promise<DbView>;
}

/** Live mode (so webhooks are checked against our auth token); no send is made, so Twilio is unreachable on purpose. */
const relayEnv = (databaseUrl: string): Record<string, string> => ({
  PORT: '0',
  HOST: '127.0.0.1',
  PUBLIC_URL,
  DATABASE_URL: databaseUrl,
  LOG_LEVEL: 'warn',
  TWILIO_ACCOUNT_SID: TEST_ACCOUNT_SID,
  TWILIO_AUTH_TOKEN: TEST_AUTH_TOKEN,
  TWILIO_WHATSAPP_FROM: TEST_SENDER,
  TWILIO_API_BASE_URL: 'http://127.0.0.1:9',
});

async function crashAndRecover(engine: Engine, seed: number): Promise<void> {
  const fleet = buildFleet({ outbound: 120, inbound: 120, seed });
  const seeding = engine.open();
  try {
    await seeding.migrate();
    await seedOutbound(seeding, fleet);
  } finally {
    await seeding.close();
  }

  const first = await spawnRelay(relayEnv(engine.databaseUrl));
  spawned.push(first);
  // The plug is pulled once a third of the burst is acknowledged, with up to 128 requests in flight: many
  // queued inside the relay (read, parsed, waiting for a commit) when it dies. Deep queues are what let
  // the PostgreSQL run catch an answer sent before its commit; on SQLite the lock test does (fault-database).
  let killedAt = -1;
  const outcomes = await fireAll(first.url, fleet.calls, {
    concurrency: 128,
    onSettled: (done) => {
      if (killedAt < 0 && done.filter(acked).length >= fleet.calls.length / 3) {
        killedAt = done.length;
        void first.kill();
      }
    },
  });
  const exit = await first.exited;
  expect(exit.signal, first.stderr()).toBe('SIGKILL');
  const ackedCount = outcomes.filter(acked).length;
  const lost = outcomes.filter((o): o is Extract<CallOutcome, { error: string }> => 'error' in o);
  // For whoever reads the log: how the burst was cut this time.
  console.log(`${engine.name}: killed after ${killedAt} answers; ${ackedCount} acknowledged, ${lost.length} lost (${[...new Set(lost.map((l) => l.error))].join(', ')})`);
  // Mid-burst for real: some answered, some not.
  expect(ackedCount).toBeGreaterThanOrEqual(fleet.calls.length / 3);
  expect(lost.length).toBeGreaterThan(0);
  // Before the kill the relay refused nothing: every answer it gave was a 2xx.
  expect(outcomes.filter((o) => 'status' in o && !acked(o))).toEqual([]);

  // Restart on the same database: every acknowledged webhook is there.
  const second = await spawnRelay(relayEnv(engine.databaseUrl));
  spawned.push(second);
  const afterCrash = await engine.read();
  expect(missingAcknowledged(afterCrash, fleet.calls, outcomes)).toEqual([]);

  // Twilio retries all of it (retries of what was acknowledged too): every one is answered 2xx …
  const replay = await fireAll(second.url, fleet.calls, { concurrency: 16 });
  expect(replay.filter((o) => !acked(o))).toEqual([]);
  const afterReplay = await engine.read();
  // … and the data is exactly what one delivery of each would have made.
  expect(wrongAfterAll(afterReplay, fleet)).toEqual([]);
  expect(missingAcknowledged(afterReplay, fleet.calls, replay)).toEqual([]);

  // Once more: nothing changes, not even an updated_at.
  const again = await fireAll(second.url, fleet.calls, { concurrency: 16 });
  expect(again.filter((o) => !acked(o))).toEqual([]);
  expect(await engine.read()).toEqual(afterReplay);

  await second.stop();
  expect((await second.exited).code).toBe(0);
}

describe('SIGKILL in the middle of a webhook burst', () => {
  it('SQLite: every acknowledged webhook survives, and the retried burst is absorbed exactly once', async () => {
    const file = join(dir, 'relay.sqlite');
    await crashAndRecover({ name: 'SQLite', databaseUrl: `file:${file}`, open: () => openSqliteStore(file), read: async () => readSqlite(file) }, 20261130);
    expect(sqliteIntegrity(file)).toEqual({ integrity: 'ok', foreignKeyViolations: 0 });
  }, 90_000);

  it.skipIf(!pgAvailable)('PostgreSQL: every acknowledged webhook survives, and the retried burst is absorbed exactly once', async () => {
    const schema = randomSchema('ppw_crash');
    schemas.push(schema);
    const url = schemaUrl(schema);
    await crashAndRecover({ name: 'PostgreSQL', databaseUrl: url, open: () => openPostgresStore(url, { poolSize: 2 }), read: () => readPostgres(schema) }, 20261201);
  }, 90_000);
});
