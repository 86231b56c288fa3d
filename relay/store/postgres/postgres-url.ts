/**
 * Reads a DATABASE_URL for PostgreSQL. Besides what `pg` understands, it takes `?schema=NAME`
 * (the convention Prisma and others use), so one database can hold several isolated relays
 * (or test runs): the store creates and uses that schema, and the live-event bus scopes its
 * NOTIFY channel to it, because channels are per database, not per schema.
 */
import { userInfo } from 'node:os';

export interface PostgresTarget {
  /** The URL for `pg`, without our own parameters. */
  connectionString: string;
  /** null: the server's default search_path (normally `public`). */
  schema: string | null;
  /** The URL's own `options` (libpq's `-c name=value …`), taken out so the store can add its settings to them. */
  options: string | null;
  /** Host, database and schema, without credentials: for error messages. */
  where: string;
}

/**
 * Plain lower-case identifiers only: the name goes into `search_path`, a lock key and a channel
 * name unquoted, and 48 characters leave room for the channel prefix within PostgreSQL's 63.
 */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,47}$/;

export function parsePostgresUrl(url: string, schemaOverride?: string): PostgresTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('DATABASE_URL: not a valid postgres:// URL');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') throw new Error('DATABASE_URL: must start with postgres:// or postgresql://');
  const fromUrl = parsed.searchParams.get('schema');
  const options = parsed.searchParams.get('options');
  parsed.searchParams.delete('schema');
  parsed.searchParams.delete('options');
  const schema = schemaOverride ?? fromUrl ?? null;
  if (schema !== null && !SCHEMA_NAME.test(schema)) {
    throw new Error(`DATABASE_URL: schema ${JSON.stringify(schema)} must be a lower-case identifier (a-z, 0-9, _; at most 48 characters)`);
  }
  // libpq's default when the URL names no user is the operating-system user; `pg` reads only $USER,
  // which service managers and containers often leave unset.
  if (parsed.username === '' && !process.env.PGUSER && !process.env.USER) parsed.username = encodeURIComponent(userInfo().username);
  const where = `${parsed.host}${parsed.pathname}${schema === null ? '' : ` (schema ${schema})`}`;
  return { connectionString: parsed.toString(), schema, options, where };
}

/** The NOTIFY channel live events travel on: one per schema, so relays sharing a database stay apart. */
export function eventChannel(schema: string | null): string {
  return schema === null ? 'ppw_events' : `ppw_events_${schema}`;
}
