/**
 * The managers' surface of the HTTP contract (reports, drill-down, list badges, consent audit) as
 * zod schemas, shared by the relay and the extension's dashboard. Pure: no I/O.
 */
import { z } from 'zod';
import { ConsentSource, ConsentState, Message, MessageStatus } from './api.ts';

export const GROUP_BYS = ['rep', 'template', 'day'] as const;
/** The key of messages sent without a template, in groupBy=template reports and MessageQuery.contentSid. */
export const FREE_FORM = 'free-form';
export const GroupBy = z.enum(GROUP_BYS);
export type GroupBy = z.infer<typeof GroupBy>;

/** ISO date (2026-11-30) or date-time; `to` is exclusive when a date-time, inclusive of the whole day when a date. */
const DateParam = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z)?$/, 'must be a date such as 2026-11-30 or an ISO time ending in Z')
  // The regex lets 2026-02-30 and 25:00 through, and Date would roll them over silently.
  .refine((s) => instantOf(s) !== null, 'is not a real date or time');

/**
 * The instant a date parameter stands for (ISO with milliseconds, UTC), or null when it is not a real
 * calendar date or time. `end` = the parameter is the end of a range: a bare date then means the end
 * of that whole day (the next midnight), a date-time is itself.
 */
export function instantOf(param: string, end = false): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?Z)?$/.exec(param);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s, Number((m[7] ?? '0').padEnd(3, '0'))));
  // Reject what Date silently rolls over (Feb 30, 25:00, minute 61).
  const back = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()];
  if (back.some((v, i) => v !== [y, mo, d, h, mi, s][i])) return null;
  if (end && m[4] === undefined) date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString();
}

/**
 * The half-open range [from, to) of instants a query covers, or an error sentence when `from` is after
 * `to`. Both parameters must already have passed DateParam.
 */
export function rangeOf(q: { from?: string | undefined; to?: string | undefined }): { from: string | null; to: string | null } | { error: string } {
  const from = q.from === undefined ? null : instantOf(q.from);
  const to = q.to === undefined ? null : instantOf(q.to, true);
  if ((q.from !== undefined && from === null) || (q.to !== undefined && to === null)) return { error: 'from and to must be real dates' };
  if (from !== null && to !== null && from > to) return { error: `from (${q.from}) is after to (${q.to})` };
  return { from, to };
}

export const ReportQuery = z.object({
  from: DateParam,
  to: DateParam,
  groupBy: GroupBy.default('day'),
  /** Only this rep's messages (the sending token's name). */
  rep: z.string().min(1).max(100).optional(),
});
export type ReportQuery = z.infer<typeof ReportQuery>;

export const FailureCount = z.object({
  code: z.number().int().nullable(),
  count: z.number().int(),
  /** The sentence a rep reads (shared/twilio-errors.ts). */
  explanation: z.string(),
});
export type FailureCount = z.infer<typeof FailureCount>;

/**
 * One group of outbound messages created in the range [from, to) (createdAt = when the relay
 * accepted the send, before Twilio was called). Groups with no message are left out.
 * - sent: messages the relay sent or tried to send (every outbound message, refused sends included).
 * - delivered: status now delivered or read. read: status now read. failed: status now failed or
 *   undelivered. (Statuses only move forward and a failure can't follow delivery, so "now" is also
 *   "ever reached"; canceled, and messages still queued or sent, count in sent only.)
 * - deliveryRate = delivered / sent; readRate = read / delivered (0 when the divisor is 0). Unrounded.
 * - medianToDeliveredMs: over the `delivered` messages, of (the first delivered OR read callback,
 *   whichever came first) − createdAt. medianToReadMs: over the `read` messages, of (first read
 *   callback − createdAt). Milliseconds. Median = the middle value of the sorted durations; for an even
 *   count, the mean of the two middle values (so it can end in .5). null when no message counts.
 * - failuresByCode: the `failed` messages by Twilio error code (null = no code), most frequent first,
 *   ties by code ascending, null last.
 * The totals row is the same over all groups together (its medians are over all durations, not a
 * median of medians).
 */
export const ReportRow = z.object({
  key: z.string(),
  sent: z.number().int(),
  delivered: z.number().int(),
  read: z.number().int(),
  failed: z.number().int(),
  deliveryRate: z.number(),
  readRate: z.number(),
  medianToDeliveredMs: z.number().nullable(),
  medianToReadMs: z.number().nullable(),
  failuresByCode: z.array(FailureCount),
});
export type ReportRow = z.infer<typeof ReportRow>;

export const DeliveryReport = z.object({
  from: z.string(),
  to: z.string(),
  groupBy: GroupBy,
  rows: z.array(ReportRow),
  totals: ReportRow,
});
export type DeliveryReport = z.infer<typeof DeliveryReport>;

/**
 * Drill-down over outbound messages, newest first (createdAt, then store order). `contentSid=free-form`
 * means messages sent without a template (the template report's "free-form" row). `status` is the exact
 * current status. `cursor` is the opaque nextCursor of the previous page.
 */
export const MessageQuery = z.object({
  rep: z.string().min(1).max(100).optional(),
  status: MessageStatus.optional(),
  contentSid: z.string().max(40).optional(),
  from: DateParam.optional(),
  to: DateParam.optional(),
  cursor: z.string().max(40).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export type MessageQuery = z.infer<typeof MessageQuery>;

export const MessagePage = z.object({ messages: z.array(Message), nextCursor: z.string().nullable() });
export type MessagePage = z.infer<typeof MessagePage>;

/** A row badge on the PinPoint contacts list. */
export const ContactSummary = z.object({
  pinpointId: z.string(),
  phone: z.string(),
  consent: ConsentState,
  lastMessage: z.object({ direction: z.enum(['inbound', 'outbound']), status: MessageStatus, at: z.string() }).nullable(),
});
export type ContactSummary = z.infer<typeof ContactSummary>;
export const ContactSummaries = z.object({ contacts: z.array(ContactSummary) });
export type ContactSummaries = z.infer<typeof ContactSummaries>;

export const ConsentHistoryEntry = z.object({
  state: ConsentState,
  source: ConsentSource,
  by: z.string(),
  evidence: z.string(),
  at: z.string(),
  messageSid: z.string().nullable(),
});
export const ConsentHistory = z.object({ phone: z.string(), history: z.array(ConsentHistoryEntry) });
export type ConsentHistory = z.infer<typeof ConsentHistory>;

/** Rates as shown: one decimal of a percent. */
export function formatRate(rate: number): string {
  return `${(Math.round(rate * 1000) / 10).toFixed(1)}%`;
}
