/**
 * For tests only: the PostgreSQL server the PostgreSQL tests run against, and throwaway schemas in
 * it, so test files (and parallel runs) never see each other's rows in the shared database.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { parsePostgresUrl } from './postgres-url.ts';

export const TEST_DATABASE_URL = process.env.PPW_TEST_DATABASE_URL ?? 'postgres://127.0.0.1:5432/test';

/**
 * Whether the test server answers. Without one the PostgreSQL suites skip with one loud line on a
 * developer's machine, but fail under CI=true, where a missing database is a broken setup.
 */
export async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: parsePostgresUrl(TEST_DATABASE_URL).connectionString, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    if (process.env.CI === 'true') throw new Error(`PostgreSQL tests need ${TEST_DATABASE_URL} (PPW_TEST_DATABASE_URL) under CI: ${why}`);
    console.warn(`\n!!! SKIPPING PostgreSQL tests: ${TEST_DATABASE_URL} is unreachable (${why}); set PPW_TEST_DATABASE_URL or CI=true to make this fail !!!\n`);
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** A fresh schema name (created by the store's migrate). */
export function randomSchema(prefix = 'ppw_t'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** The test URL pointing at `schema`. */
export function schemaUrl(schema: string): string {
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set('schema', schema);
  return url.toString();
}

/** Runs SQL on the test database outside any store (setup, inspection, sabotage). */
export async function withClient<T>(fn: (c: pg.Client) => Promise<T>, schema?: string): Promise<T> {
  const client = new pg.Client({
    connectionString: parsePostgresUrl(TEST_DATABASE_URL).connectionString,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function dropSchema(schema: string): Promise<void> {
  await withClient((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
}
