/**
 * The replay cursor convention, shared by every engine so the SSE route needs no engine import.
 *
 * A message's cursor is the decimal string of its store sequence number (SQLite `messages.seq`;
 * a PostgreSQL engine uses a bigserial the same way). Sequence numbers only grow, so "after
 * cursor C" is simply "seq > C". Every Message a store returns carries it as a NON-enumerable
 * `cursor` property: JSON.stringify, spreading and toEqual ignore it, so the wire contract and
 * the zod Message shape (shared/api.ts) are unchanged, while the SSE route can send it as the
 * event `id:` and later hand the browser's Last-Event-ID back to `inboundSince`.
 */
import type { Message } from '../../shared/api.ts';

const CURSOR = 'cursor';

/** The cursor of a message returned by a store, or null if it was copied (spread/serialised) since. */
export function messageCursor(m: Message): string | null {
  const c: unknown = (m as unknown as Record<string, unknown>)[CURSOR];
  return typeof c === 'string' ? c : null;
}

/** Engines call this on every Message they return. */
export function withCursor(m: Message, seq: number | bigint): Message {
  Object.defineProperty(m, CURSOR, { value: String(seq), enumerable: false, writable: false, configurable: true });
  return m;
}

/** The start of history: `inboundSince(token, START_CURSOR, n)` replays from the first message. */
export const START_CURSOR = '0';

/**
 * A cursor as a sequence number. Anything that is not a plain non-negative integer (an empty or
 * forged Last-Event-ID) means "from the start": the replay is bounded by its limit and scoped to
 * the token's own contacts, so that is safe, and it never hides messages.
 */
export function parseCursor(cursor: string): number {
  if (!/^\d{1,15}$/.test(cursor)) return 0;
  return Number(cursor);
}

/**
 * Drill-down pages (GET /v1/messages) go newest first by (createdAt, seq): createdAt is what the date
 * filters and the report groups use, and seq breaks ties, so a page boundary never splits or repeats a
 * message even when many share a millisecond. The cursor is the last message's pair, opaque to clients:
 * base-36 epoch milliseconds and base-36 seq.
 */
export interface PageCursor {
  createdAt: string;
  seq: number;
}

export function encodePageCursor(createdAt: string, seq: number | bigint | string): string {
  return `${Date.parse(createdAt).toString(36)}.${BigInt(seq).toString(36)}`;
}

/** 9999-12-31T23:59:59.999Z, the last instant with a four-digit year. */
const MAX_CURSOR_MS = 253_402_300_799_999;

/** null for anything that is not a cursor this relay made. */
export function decodePageCursor(cursor: string): PageCursor | null {
  const m = /^([0-9a-z]{1,10})\.([0-9a-z]{1,10})$/.exec(cursor);
  if (!m) return null;
  const ms = parseInt(m[1]!, 36);
  const seq = parseInt(m[2]!, 36);
  // Past year 9999 the ISO form grows a sign (+010000-…), which PostgreSQL can't read (a 500); no
  // cursor this relay made is that far out.
  if (!Number.isSafeInteger(ms) || !Number.isSafeInteger(seq) || ms > MAX_CURSOR_MS) return null;
  return { createdAt: new Date(ms).toISOString(), seq };
}
