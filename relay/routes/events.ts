/**
 * GET /v1/events — Server-Sent Events per phone (repeatable `phone`), or `scope=mine`: replies on
 * contacts this token has messaged, replayed from Last-Event-ID so a sleeping extension misses
 * nothing, or `scope=all` (managers and admins): every event. Events are hints; clients refetch the
 * contact on every (re)connect.
 */
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { roleAtLeast } from '../auth/tokens.ts';
import type { BusEvent } from '../bus.ts';
import type { Deps } from '../deps.ts';
import { RelayError } from '../errors.ts';
import type { AppEnv } from '../middleware/api-auth.ts';
import { parsePhoneParam } from '../services/phone-param.ts';
import { messageCursor } from '../store/cursor.ts';

const KEEPALIVE_MS = 15_000;
const MAX_PHONES = 50;
const REPLAY_LIMIT = 500;

export function eventRoutes(deps: Deps, opts: { keepAliveMs?: number } = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/', (c) => {
    const actor = c.get('actor');
    const scope = c.req.query('scope');
    const phones = (c.req.queries('phone') ?? []).map((p) => parsePhoneParam(p));
    if (scope !== undefined && scope !== 'mine' && scope !== 'all') throw new RelayError('VALIDATION_FAILED', 'scope must be "mine" or "all" when given.');
    if (scope === 'all' && !roleAtLeast(actor.role, 'manager')) throw new RelayError('FORBIDDEN', `scope=all needs the manager role; your token is ${actor.role}.`);
    if (!scope && phones.length === 0) throw new RelayError('VALIDATION_FAILED', 'Give at least one phone (?phone=+E164), scope=mine or (managers) scope=all.');
    if (phones.length > MAX_PHONES) throw new RelayError('VALIDATION_FAILED', `At most ${MAX_PHONES} phones per stream.`);
    const lastEventId = c.req.header('last-event-id') ?? c.req.query('lastEventId') ?? null;

    return streamSSE(c, async (stream) => {
      const queue: BusEvent[] = [];
      let wake: (() => void) | null = null;
      const push = (e: BusEvent) => {
        queue.push(e);
        wake?.();
      };
      const unsubscribers: (() => void)[] = [];
      if (scope === 'mine') {
        unsubscribers.push(
          deps.bus.subscribe('*', (e) => {
            if (e.type !== 'message.inbound') return;
            void deps.store.hasMessaged(actor.tokenId, e.phone).then((yes) => yes && push(e));
          }),
        );
      }
      // Every event, for managers' live views; per-phone subscriptions on top would only repeat them.
      if (scope === 'all') unsubscribers.push(deps.bus.subscribe('*', push));
      else for (const phone of new Set(phones)) unsubscribers.push(deps.bus.subscribe(phone, push));
      let closed = false;
      const end = () => {
        closed = true;
        wake?.();
      };
      stream.onAbort(end);
      // On shutdown the stream ends cleanly; the client reconnects (to another instance) and refetches.
      deps.shutdown.addEventListener('abort', end, { once: true });
      deps.metrics.liveStreams.inc();
      try {
        await stream.write(': connected\n\n');
        if (scope === 'mine' && lastEventId && /^\d+$/.test(lastEventId)) {
          for (const m of await deps.store.inboundSince(actor.tokenId, lastEventId, REPLAY_LIMIT)) {
            const cursor = messageCursor(m);
            await stream.writeSSE({ event: 'message.inbound', data: JSON.stringify({ type: 'message.inbound', phone: m.phone, message: m }), ...(cursor ? { id: cursor } : {}) });
          }
        }
        while (!closed) {
          while (queue.length && !closed) {
            const event = queue.shift()!;
            // Only inbound messages carry an id: Last-Event-ID is the scope=mine replay cursor, and a status
            // event's (older) cursor would move it backwards.
            const cursor = event.type === 'message.inbound' ? messageCursor(event.message) : null;
            await stream.writeSSE({ event: event.type, data: JSON.stringify(event), ...(cursor ? { id: cursor } : {}) });
          }
          if (closed) break;
          const timer = await new Promise<boolean>((resolve) => {
            const t = setTimeout(() => resolve(true), opts.keepAliveMs ?? KEEPALIVE_MS);
            wake = () => {
              clearTimeout(t);
              resolve(false);
            };
          });
          wake = null;
          if (timer && !closed) await stream.write(': ping\n\n');
        }
      } finally {
        deps.shutdown.removeEventListener('abort', end);
        deps.metrics.liveStreams.dec();
        for (const u of unsubscribers) u();
      }
    });
  });

  return app;
}
