/**
 * What the fault tests (test/relay/fault-*.test.ts) share: a fixed set of Twilio webhook calls over
 * seeded outbound messages, a way to fire them and record which were acknowledged, and a read of the
 * database straight from the engine (not through the relay under test) to judge the result by.
 */
import Database from 'better-sqlite3';
import { STATUS_RANK } from '../../shared/message-status.ts';
import type { MessageStatus } from '../../shared/api.ts';
import { withClient } from '../../relay/store/postgres/test-database.ts';
import type { Store } from '../../relay/store/store.ts';
import { PUBLIC_URL, TEST_AUTH_TOKEN, TEST_SENDER } from './relay-harness.ts';
import { seededRandom } from './seeded-random.ts';
import { encodeForm, inboundForm, signForm, statusForm } from './twilio-signer.ts';

export interface WebhookCall {
  path: '/twilio/status' | '/twilio/inbound';
  sid: string;
  phone: string;
  /** A status callback's status; undefined for an inbound message. */
  status?: MessageStatus;
  /** An inbound message's text. */
  text?: string;
  body: string;
  signature: string;
}

export interface Fleet {
  outbound: { id: string; sid: string; phone: string }[];
  inbound: { sid: string; phone: string; text: string }[];
  /** Every webhook, in the (seeded, shuffled) order they are fired. */
  calls: WebhookCall[];
}

const hex = (n: number, width = 32) => n.toString(16).padStart(width, '0');

/**
 * `outbound` sent messages, each getting sent, delivered and read callbacks; `inbound` messages from
 * about a third as many contacts, one in ten an opt-out. Shuffled, so callbacks for one message arrive
 * out of order, as they do.
 */
export function buildFleet(opts: { outbound: number; inbound: number; seed: number }): Fleet {
  const rnd = seededRandom(opts.seed);
  const outbound = Array.from({ length: opts.outbound }, (_, i) => ({ id: `msg_fault_${i}`, sid: 'SM' + hex(0xf000000 + i), phone: `+1555${String(i).padStart(7, '0')}` }));
  const contacts = Math.max(1, Math.ceil(opts.inbound / 3));
  // Every tenth is a STOP from a contact of its own: two writes (the message, then the opt-out) per webhook.
  const inbound = Array.from({ length: opts.inbound }, (_, i) =>
    i % 10 === 9
      ? { sid: 'SM' + hex(0xe000000 + i), phone: `+5511${String(800000000 + i)}`, text: 'STOP' }
      : { sid: 'SM' + hex(0xe000000 + i), phone: `+5511${String(900000000 + (i % contacts))}`, text: `Reply ${i} from contact ${i % contacts}` },
  );
  const calls: WebhookCall[] = [];
  for (const m of outbound) {
    for (const status of ['sent', 'delivered', 'read'] as const) {
      const form = statusForm({ sid: m.sid, status, to: m.phone, from: TEST_SENDER });
      calls.push({ path: '/twilio/status', sid: m.sid, phone: m.phone, status, body: encodeForm(form), signature: signForm(TEST_AUTH_TOKEN, PUBLIC_URL + '/twilio/status', form) });
    }
  }
  for (const m of inbound) {
    const form = inboundForm({ from: m.phone, to: TEST_SENDER, body: m.text, sid: m.sid, profileName: 'Contact' });
    calls.push({ path: '/twilio/inbound', sid: m.sid, phone: m.phone, text: m.text, body: encodeForm(form), signature: signForm(TEST_AUTH_TOKEN, PUBLIC_URL + '/twilio/inbound', form) });
  }
  for (let i = calls.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [calls[i], calls[j]] = [calls[j]!, calls[i]!];
  }
  return { outbound, inbound, calls };
}

/** The outbound messages as the relay leaves them after Twilio accepted them: a row with a sid, 'queued'. */
export async function seedOutbound(store: Store, fleet: Fleet): Promise<void> {
  const now = new Date().toISOString();
  for (const m of fleet.outbound) {
    await store.createOutbound({ id: m.id, phone: m.phone, body: 'Your appointment is tomorrow', contentSid: null, variables: null, sentBy: 'Ana Rep', sentByTokenId: 'tok_fault', createdAt: now, idempotencyKey: null });
    await store.attachSid(m.id, m.sid, 'queued', now);
  }
}

/** An HTTP status, or the network error a client saw instead (refused, reset, timed out). */
export type CallOutcome = { status: number; json: unknown; retryAfter: string | null } | { error: string };

export const acked = (o: CallOutcome | undefined): boolean => o !== undefined && 'status' in o && o.status >= 200 && o.status < 300;

/** POSTs one webhook as Twilio does; a client-side deadline stands in for Twilio's 15 s. */
export async function postWebhook(url: string, call: WebhookCall, timeoutMs = 14_000): Promise<CallOutcome> {
  try {
    const res = await fetch(url + call.path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': call.signature, 'user-agent': 'TwilioProxy/1.1' },
      body: call.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let json: unknown = null;
    if ((res.headers.get('content-type') ?? '').includes('json')) json = JSON.parse(text);
    return { status: res.status, json, retryAfter: res.headers.get('retry-after') };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    return { error: cause?.code ?? (err instanceof Error ? err.name + ': ' + err.message : String(err)) };
  }
}

/**
 * Fires `calls` from `concurrency` parallel senders; `onSettled` runs after each answer (a test uses it
 * to pull the plug part way). Resolves with each call's outcome, by index.
 */
export async function fireAll(url: string, calls: readonly WebhookCall[], opts: { concurrency: number; timeoutMs?: number; onSettled?: (done: CallOutcome[]) => void }): Promise<CallOutcome[]> {
  const outcomes: CallOutcome[] = new Array(calls.length);
  const done: CallOutcome[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (next < calls.length) {
        const i = next++;
        outcomes[i] = await postWebhook(url, calls[i]!, opts.timeoutMs);
        done.push(outcomes[i]!);
        opts.onSettled?.(done);
      }
    }),
  );
  return outcomes;
}

export interface MessageRowView {
  id: string;
  sid: string | null;
  phone: string;
  direction: string;
  body: string | null;
  status: string;
  statusTimes: Record<string, string>;
  updatedAt: string;
}

export interface DbView {
  messages: MessageRowView[];
  contacts: { phone: string; lastInboundAt: string | null; consentState: string }[];
  statusEvents: number;
  consentEvents: number;
}

const isoOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : v instanceof Date ? v.toISOString() : String(v));

/** Reads the relay's SQLite file from a connection of its own (WAL: safe while the relay runs). */
export function readSqlite(file: string): DbView {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const messages = db.prepare('SELECT id, sid, phone, direction, body, status, status_times, updated_at FROM messages ORDER BY seq').all() as Record<string, unknown>[];
    const contacts = db.prepare('SELECT phone, last_inbound_at, consent_state FROM contacts ORDER BY phone').all() as Record<string, unknown>[];
    const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return {
      messages: messages.map((r) => ({
        id: String(r.id), sid: r.sid === null ? null : String(r.sid), phone: String(r.phone), direction: String(r.direction), body: r.body === null ? null : String(r.body),
        status: String(r.status), statusTimes: JSON.parse(String(r.status_times)) as Record<string, string>, updatedAt: String(r.updated_at),
      })),
      contacts: contacts.map((r) => ({ phone: String(r.phone), lastInboundAt: isoOrNull(r.last_inbound_at), consentState: String(r.consent_state) })),
      statusEvents: count('status_events'),
      consentEvents: count('consent_events'),
    };
  } finally {
    db.close();
  }
}

/** SQLite's own verdicts on the file: page structure, and every foreign key. */
export function sqliteIntegrity(file: string): { integrity: string; foreignKeyViolations: number } {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db.pragma('integrity_check') as { integrity_check: string }[];
    return { integrity: rows.map((r) => r.integrity_check).join('; '), foreignKeyViolations: (db.pragma('foreign_key_check') as unknown[]).length };
  } finally {
    db.close();
  }
}

/** Reads the relay's PostgreSQL schema directly (not through the proxy the relay may be behind). */
export async function readPostgres(schema: string): Promise<DbView> {
  return withClient(async (c) => {
    const messages = (await c.query('SELECT id, sid, phone, direction, body, status, status_times, updated_at FROM messages ORDER BY seq')).rows as Record<string, unknown>[];
    const contacts = (await c.query('SELECT phone, last_inbound_at, consent_state FROM contacts ORDER BY phone')).rows as Record<string, unknown>[];
    const count = async (table: string) => Number((await c.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n);
    return {
      messages: messages.map((r) => ({
        id: String(r.id), sid: r.sid === null ? null : String(r.sid), phone: String(r.phone), direction: String(r.direction), body: r.body === null ? null : String(r.body),
        status: String(r.status), statusTimes: r.status_times as Record<string, string>, updatedAt: isoOrNull(r.updated_at)!,
      })),
      contacts: contacts.map((r) => ({ phone: String(r.phone), lastInboundAt: isoOrNull(r.last_inbound_at), consentState: String(r.consent_state) })),
      statusEvents: await count('status_events'),
      consentEvents: await count('consent_events'),
    };
  }, schema);
}

/** Every acknowledged call's effect, missing from the database: [] when all are there. */
export function missingAcknowledged(view: DbView, calls: readonly WebhookCall[], outcomes: readonly (CallOutcome | undefined)[]): string[] {
  const bySid = new Map(view.messages.map((m) => [m.sid, m]));
  const missing: string[] = [];
  calls.forEach((call, i) => {
    if (!acked(outcomes[i])) return;
    const m = bySid.get(call.sid);
    if (call.path === '/twilio/inbound') {
      if (!m || m.direction !== 'inbound' || m.body !== call.text || m.phone !== call.phone) missing.push(`inbound ${call.sid}: ${JSON.stringify(m ?? null)}`);
      if (call.text === 'STOP' && view.contacts.find((c) => c.phone === call.phone)?.consentState !== 'opted_out') missing.push(`opt-out of ${call.phone}`);
      return;
    }
    const status = call.status!;
    if (!m || m.statusTimes[status] === undefined || STATUS_RANK[m.status as MessageStatus] < STATUS_RANK[status]) missing.push(`${status} for ${call.sid}: ${m ? `${m.status} ${JSON.stringify(m.statusTimes)}` : 'no row'}`);
  });
  return missing;
}

/**
 * After every call was absorbed: each outbound message read (with its sent, delivered and read times),
 * each inbound message exactly once, nothing else in the messages table, no callback parked for an
 * unknown sid, a contact per inbound phone with its window open. [] when all holds.
 */
export function wrongAfterAll(view: DbView, fleet: Fleet): string[] {
  const wrong: string[] = [];
  if (view.messages.length !== fleet.outbound.length + fleet.inbound.length) wrong.push(`${view.messages.length} message rows, expected ${fleet.outbound.length + fleet.inbound.length}`);
  const bySid = new Map<string | null, MessageRowView[]>();
  for (const m of view.messages) bySid.set(m.sid, [...(bySid.get(m.sid) ?? []), m]);
  for (const o of fleet.outbound) {
    const rows = bySid.get(o.sid) ?? [];
    const m = rows[0];
    if (rows.length !== 1 || !m || m.id !== o.id || m.status !== 'read' || !['sent', 'delivered', 'read'].every((s) => m.statusTimes[s] !== undefined)) wrong.push(`outbound ${o.sid}: ${JSON.stringify(rows)}`);
  }
  for (const i of fleet.inbound) {
    const rows = bySid.get(i.sid) ?? [];
    if (rows.length !== 1 || rows[0]!.direction !== 'inbound' || rows[0]!.body !== i.text || rows[0]!.phone !== i.phone || rows[0]!.status !== 'received') wrong.push(`inbound ${i.sid}: ${JSON.stringify(rows)}`);
  }
  for (const m of view.messages) {
    // A status the row claims, with no time for it, is a half-written row.
    if (m.statusTimes[m.status] === undefined) wrong.push(`message ${m.id} is ${m.status} without a time for it`);
  }
  if (view.statusEvents !== 0) wrong.push(`${view.statusEvents} status callbacks parked for unknown sids`);
  // One consent change per STOP, each contact that sent one opted out, nobody else.
  const stops = new Set(fleet.inbound.filter((i) => i.text === 'STOP').map((i) => i.phone));
  if (view.consentEvents !== stops.size) wrong.push(`${view.consentEvents} consent changes, expected ${stops.size}`);
  for (const c of view.contacts) {
    if ((c.consentState === 'opted_out') !== stops.has(c.phone)) wrong.push(`contact ${c.phone} is ${c.consentState}`);
  }
  const phones = new Set(fleet.inbound.map((i) => i.phone));
  for (const phone of phones) {
    const c = view.contacts.find((x) => x.phone === phone);
    if (!c || c.lastInboundAt === null) wrong.push(`contact ${phone}: ${JSON.stringify(c ?? null)}`);
  }
  return wrong;
}
