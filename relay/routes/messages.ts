import { Hono } from 'hono';
import { SendTemplateInput, SendTextInput, type Message } from '../../shared/api.ts';
import { MessageQuery } from '../../shared/reports.ts';
import { csvLine, csvResponse, wantsCsv } from '../csv.ts';
import type { Deps } from '../deps.ts';
import { RelayError } from '../errors.ts';
import { requireRole, type AppEnv } from '../middleware/api-auth.ts';
import { sendMessage } from '../services/send-message.ts';
import { decodePageCursor } from '../store/cursor.ts';
import { statusColumns } from '../store/status-fold.ts';
import type { MessagePageQuery } from '../store/store.ts';
import { parseJsonBody, parseWith } from './parse-body.ts';
import { queryRange } from './query-range.ts';
import { z } from 'zod';

const KEY = /^[\w:.-]{1,128}$/;
const AnyObject = z.record(z.string(), z.unknown());
/** Rows per store call when streaming a CSV export: each call is one short read, never a long transaction. */
const CSV_PAGE = 500;

export const MESSAGES_CSV_HEADER = [
  'createdAt', 'sentBy', 'id', 'sid', 'phone', 'direction', 'contentSid', 'variables', 'body', 'status', 'errorCode', 'errorMessage',
  'sentAt', 'deliveredAt', 'readAt', 'failedAt', 'updatedAt',
] as const;

/** Who sent what, when, and what became of it: one line per message. */
export function messageCsvLine(m: Message): string {
  const t = statusColumns(m.createdAt, m.statusTimes);
  return csvLine([
    m.createdAt, m.sentBy, m.id, m.sid, m.phone, m.direction, m.contentSid, m.variables === null ? null : JSON.stringify(m.variables), m.body,
    m.status, m.errorCode, m.errorMessage, t.sentAt, t.deliveredAt, t.readAt, t.failedAt, m.updatedAt,
  ]);
}

export function messageRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  // Managers' drill-down: outbound messages newest first, one page as JSON or every match as CSV.
  app.get('/', requireRole('manager'), async (c) => {
    const q = parseWith(MessageQuery, c.req.query());
    const range = queryRange(q);
    if (q.cursor !== undefined && decodePageCursor(q.cursor) === null) {
      throw new RelayError('VALIDATION_FAILED', 'cursor: use the nextCursor of a previous page.', { issues: [{ path: 'cursor', message: 'not a cursor from this relay' }] });
    }
    const query: MessagePageQuery = { rep: q.rep, status: q.status, contentSid: q.contentSid, from: range.from, to: range.to, cursor: q.cursor ?? null, limit: q.limit };
    if (!wantsCsv(c)) return c.json(await deps.store.listMessagesPage(query));

    const encoder = new TextEncoder();
    let cursor = query.cursor ?? null;
    let started = false;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (!started) {
          started = true;
          controller.enqueue(encoder.encode(csvLine(MESSAGES_CSV_HEADER)));
          return;
        }
        try {
          const page = await deps.store.listMessagesPage({ ...query, cursor, limit: CSV_PAGE });
          if (page.messages.length) controller.enqueue(encoder.encode(page.messages.map(messageCsvLine).join('')));
          if (page.nextCursor === null) controller.close();
          else cursor = page.nextCursor;
        } catch (err) {
          deps.log.error('messages.csv_failed', { error: err instanceof Error ? err.message : String(err) });
          controller.error(err);
        }
      },
    });
    const span = [q.from, q.to].filter(Boolean).join('-') || 'all';
    return csvResponse(c, `messages-${span}.csv`, body);
  });

  app.post('/', async (c) => {
    const raw = await parseJsonBody(c, AnyObject);
    // Pick the schema by intent so errors name the real problem instead of "no union member matched".
    const input = 'contentSid' in raw ? parseWith(SendTemplateInput, raw) : parseWith(SendTextInput, raw);
    const key = c.req.header('idempotency-key') ?? null;
    if (key !== null && !KEY.test(key)) throw new RelayError('VALIDATION_FAILED', 'Idempotency-Key must be 1–128 letters, digits, ":", ".", "_" or "-".');
    const { message, created, unconfirmed } = await sendMessage(deps, c.get('actor'), input, key);
    // 202: taken, but Twilio has not confirmed it yet (see UNCONFIRMED_NOTICE); the body is still the message.
    if (unconfirmed) {
      c.header('x-relay-notice', 'unconfirmed');
      return c.json({ ...message, notice: unconfirmed }, 202);
    }
    return c.json(message, created ? 201 : 200);
  });

  return app;
}
