/**
 * Live events across relay instances (architecture principle 10): each instance keeps its local
 * bus for its own SSE streams and bridges it to the others with PostgreSQL LISTEN/NOTIFY on one
 * channel per schema.
 *
 * - publish = local delivery at once + one NOTIFY with the event as JSON, tagged with this
 *   instance's id so the instance ignores its own echo.
 * - NOTIFY payloads must stay under 8000 bytes, and a message body can be up to 1600 characters
 *   of 4-byte emoji plus template variables. An event that does not fit travels as a pointer
 *   ({type, phone, messageId}) and receivers re-read the message (or the contact's consent) from
 *   the shared store. The re-read is never older than the event (statuses only move forward),
 *   and events are hints the panel reconciles with a GET anyway (principle 9). Dropping just the
 *   body instead would have delivered a message that is wrong on screen.
 * - A message's replay cursor is a non-enumerable property that JSON drops, so it travels
 *   explicitly and is restored with withCursor (the SSE route sends it as the event id).
 * - Remote events are delivered in NOTIFY order, pointers included (a queue), and all NOTIFYs go
 *   out on the one listening connection, which keeps one instance's events in publish order.
 * - The listening connection re-connects and re-LISTENs with capped, jittered exponential
 *   backoff. Events NOTIFYed while it is down are lost to this instance (PostgreSQL does not queue
 *   for absent listeners): a cost in latency, not correctness, since clients refetch. This
 *   instance's own publishes during the outage are held (bounded) and sent on reconnect.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { LiveEvent } from '../shared/events.ts';
import { createBus, type Bus, type BusEvent } from './bus.ts';
import type { Logger } from './log.ts';
import { consentOf } from './services/get-contact-state.ts';
import { messageCursor, withCursor } from './store/cursor.ts';
import { eventChannel, parsePostgresUrl } from './store/postgres/postgres-url.ts';
import type { Store } from './store/store.ts';

export interface PostgresBusOptions {
  /** Where receivers re-read an event that was too big to NOTIFY. */
  store: Pick<Store, 'getMessage' | 'getContact'>;
  /** Defaults to `?schema=` in the URL; the channel is scoped to it. */
  schema?: string;
  log?: Logger;
  /** Backoff between reconnect attempts: doubles from minMs up to maxMs, with jitter. */
  reconnect?: { minMs?: number; maxMs?: number };
  /** Publishes kept while disconnected, sent on reconnect; beyond this the oldest are dropped. */
  maxPending?: number;
}

export interface PostgresBus extends Bus {
  /** Tags this instance's NOTIFYs (and names its connection in pg_stat_activity). */
  readonly instanceId: string;
  /** Whether the LISTEN connection is up (false while it reconnects). */
  readonly connected: boolean;
  close(): Promise<void>;
}

/** PostgreSQL refuses payloads of 8000 bytes or more; the margin covers a server encoding other than UTF-8. */
export const MAX_NOTIFY_BYTES = 7900;

const FORMAT = 1;

interface Pointer {
  type: BusEvent['type'];
  phone: string;
  messageId: string | null;
}

/** What travels in a NOTIFY: the event itself, or a pointer to re-read. */
type Wire = { v: typeof FORMAT; from: string; event: BusEvent; cursor: string | null } | { v: typeof FORMAT; from: string; ref: Pointer };

const noop = () => {};
const silent: Logger = { debug: noop, info: noop, warn: noop, error: noop, body: (t) => ({ length: t?.length ?? 0 }) };

/** The NOTIFY payload for an event: the event when it fits, else a pointer. */
export function encodeEvent(from: string, event: BusEvent): string {
  const cursor = 'message' in event ? messageCursor(event.message) : null;
  const full = JSON.stringify({ v: FORMAT, from, event, cursor } satisfies Wire);
  if (Buffer.byteLength(full, 'utf8') < MAX_NOTIFY_BYTES) return full;
  const ref: Pointer = { type: event.type, phone: event.phone, messageId: 'message' in event ? event.message.id : null };
  return JSON.stringify({ v: FORMAT, from, ref } satisfies Wire);
}

export async function createPostgresBus(url: string, opts: PostgresBusOptions): Promise<PostgresBus> {
  const target = parsePostgresUrl(url, opts.schema);
  const channel = eventChannel(target.schema);
  const instanceId = randomUUID();
  const log = opts.log ?? silent;
  const minMs = opts.reconnect?.minMs ?? 100;
  const maxMs = opts.reconnect?.maxMs ?? 5000;
  const maxPending = opts.maxPending ?? 1000;
  const local = createBus();

  let client: pg.Client | null = null;
  let closed = false;
  let attempt = 0;
  let timer: NodeJS.Timeout | null = null;
  /** Payloads not NOTIFYed yet: normally one at a time, a backlog only while disconnected. */
  let outbox: string[] = [];
  let pumping = false;
  // Remote events in arrival order, even when one of them waits for a store read.
  let delivery: Promise<void> = Promise.resolve();

  async function resolve(wire: Wire): Promise<BusEvent | null> {
    if ('event' in wire) {
      const parsed = LiveEvent.safeParse(wire.event);
      if (!parsed.success) {
        log.warn('bus.remote_event_invalid', { type: (wire.event as { type?: unknown } | null)?.type });
        return null;
      }
      const event = parsed.data;
      if ('message' in event && wire.cursor !== null && /^\d+$/.test(wire.cursor)) withCursor(event.message, BigInt(wire.cursor));
      return event;
    }
    const { type, phone, messageId } = wire.ref;
    if (type === 'contact.deleted') return { type, phone };
    if (type === 'consent.changed') return { type, phone, consent: consentOf(await opts.store.getContact(phone)) };
    const message = messageId === null ? null : await opts.store.getMessage(messageId);
    return message === null ? null : { type, phone, message };
  }

  function onNotification(n: pg.Notification): void {
    if (n.channel !== channel || n.payload === undefined) return;
    let wire: Wire;
    try {
      wire = JSON.parse(n.payload) as Wire;
    } catch {
      log.warn('bus.remote_payload_unreadable', { bytes: n.payload.length });
      return;
    }
    // Our own echo (already delivered locally), or a format from a newer relay we cannot read.
    if (wire.from === instanceId || wire.v !== FORMAT) return;
    delivery = delivery
      .then(async () => {
        const event = await resolve(wire);
        if (event !== null && !closed) local.publish(event);
      })
      .catch((err: unknown) => log.warn('bus.remote_event_failed', { error: err instanceof Error ? err.message : String(err) }));
  }

  /** Sends the outbox one NOTIFY at a time, in order; stops while disconnected and resumes on reconnect. */
  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    try {
      for (let c = client; c !== null && outbox.length > 0; c = client) {
        const payload = outbox.shift()!;
        await c.query('SELECT pg_notify($1, $2)', [channel, payload]).catch((err: unknown) => {
          // At most the one in flight is lost when the connection drops; the rest wait for the reconnect.
          log.warn('bus.notify_failed', { error: err instanceof Error ? err.message : String(err) });
        });
      }
    } finally {
      pumping = false;
    }
  }

  function scheduleReconnect(): void {
    if (closed || timer !== null) return;
    const base = Math.min(maxMs, minMs * 2 ** attempt);
    const delay = Math.round(base / 2 + Math.random() * (base / 2));
    attempt++;
    timer = setTimeout(() => {
      timer = null;
      connect().catch((err: unknown) => {
        log.warn('bus.reconnect_failed', { attempt, error: err instanceof Error ? err.message : String(err) });
        scheduleReconnect();
      });
    }, delay);
  }

  async function connect(): Promise<void> {
    const c = new pg.Client({
      connectionString: target.connectionString,
      application_name: `ppw-bus ${instanceId}`,
      // A silently dead TCP connection (NAT timeout, failover) would otherwise never say so.
      keepAlive: true,
      ...(target.options ? { options: target.options } : {}),
    });
    let gone = false;
    const lost = (why: string) => {
      if (gone) return;
      gone = true;
      if (client === c) client = null;
      c.end().catch(noop);
      if (!closed) {
        log.warn('bus.connection_lost', { why });
        scheduleReconnect();
      }
    };
    c.on('error', (err) => lost(err.message));
    c.on('end', () => lost('ended'));
    c.on('notification', onNotification);
    try {
      await c.connect();
      await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (err) {
      gone = true;
      await c.end().catch(noop);
      throw err;
    }
    if (closed) {
      gone = true;
      await c.end().catch(noop);
      return;
    }
    client = c;
    if (attempt > 0) log.info('bus.reconnected', { attempts: attempt });
    attempt = 0;
    void pump();
  }

  await connect();

  return {
    instanceId,
    get connected() {
      return client !== null;
    },
    publish(event) {
      local.publish(event);
      outbox.push(encodeEvent(instanceId, event));
      if (outbox.length > maxPending) outbox.shift();
      void pump();
    },
    subscribe: (phone, listener) => local.subscribe(phone, listener),
    listenerCount: () => local.listenerCount(),
    // Another instance may have a listener for any phone: every event must be published.
    wants: () => true,
    async close() {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      const c = client;
      client = null;
      outbox = [];
      await c?.end().catch(noop);
    },
  };
}
