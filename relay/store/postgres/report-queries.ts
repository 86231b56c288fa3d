/**
 * The manager-report SQL (delivery report, drill-down pages, contact-list badges). Unlike the hot
 * path these run as unnamed statements, which PostgreSQL plans with the actual parameter values
 * each time: a report is rare and heavy, and a cached generic plan for "rep filter or not" would
 * pick one index for both cases. Definitions of the numbers: shared/reports.ts ReportRow.
 */
import { FREE_FORM } from '../../../shared/reports.ts';
import type { MessageStatus } from '../../../shared/api.ts';
import type { DeliveryReportQuery } from '../store.ts';
import { MESSAGE_COLUMNS } from './statements.ts';

/**
 * One cell of a report: a UTC day, a rep or a template. The durations and codes come as
 * comma-separated text, one entry per message of the class, '' when its value is NULL, so a list's
 * entries are its count (delivered, read, failed) and are parsed without a string per value
 * (report-fold.ts Durations.appendList), as in SQLite. As float8[] they cost PostgreSQL a float
 * conversion and the driver an array parse per value: a third of a 90-day report.
 */
export interface AggregateRow {
  key: string;
  sent: number;
  /** Per delivered (delivered or read) message: its milliseconds to delivered; null when none was delivered. */
  to_delivered: string | null;
  /** Per read message: its milliseconds to read. */
  to_read: string | null;
  /** Per failed message: its error code. */
  failure_codes: string | null;
}

const AGGREGATES = `count(*)::int AS sent,
        string_agg(COALESCE(to_delivered_ms::text, ''), ',') FILTER (WHERE status IN ('delivered', 'read')) AS to_delivered,
        string_agg(COALESCE(to_read_ms::text, ''), ',') FILTER (WHERE status = 'read') AS to_read,
        string_agg(COALESCE(error_code::text, ''), ',') FILTER (WHERE status IN ('failed', 'undelivered')) AS failure_codes`;

/**
 * $1 from, $2 to (half-open), $3 rep or null, and for the day report $4 the UTC days the range
 * touches (their starts) and $5 their names (reportDays). One statement, so every cell sees the same
 * snapshot. The counts are the lengths of the lists (AggregateRow), so no row is tested once more
 * per count.
 *
 * Each group is one range of a covering index, read index-only and aggregated on its own, in index
 * order: over the whole range at once the planner reads the table (a million wide rows) and sorts it
 * by a day expression it has no statistics for, or hashes every row by rep or template.
 * - day: per UTC day, a range of messages_out_created (created_at, seq) clipped to the day.
 * - rep / template: per rep or template, a range of messages_out_rep (sent_by, created_at, seq) or
 *   messages_out_template (content_sid, created_at, seq); the reps and templates are found by
 *   skipping through the same index (one descent per distinct value), NULL (free-form, or an unknown
 *   sender) read as a group of its own.
 */
export function reportSql(groupBy: DeliveryReportQuery['groupBy']): string {
  const inRange = `direction = 'outbound' AND created_at >= $1::timestamptz AND created_at < $2::timestamptz AND ($3::text IS NULL OR sent_by = $3)`;
  if (groupBy === 'day') {
    return `SELECT d.day AS key, c.sent, c.to_delivered, c.to_read, c.failure_codes
    FROM unnest($4::timestamptz[], $5::text[]) AS d(start, day)
    CROSS JOIN LATERAL (
      SELECT ${AGGREGATES}
      FROM messages
      WHERE direction = 'outbound' AND created_at >= GREATEST(d.start, $1::timestamptz) AND created_at < LEAST(d.start + interval '24 hours', $2::timestamptz)
        AND ($3::text IS NULL OR sent_by = $3)) c`;
  }
  // Outbound rows always carry their sender; the label is there should one not (as in SQLite).
  const [col, none] = groupBy === 'rep' ? ['sent_by', '(unknown)'] : ['content_sid', FREE_FORM];
  return `WITH RECURSIVE k(v) AS (
      (SELECT ${col} FROM messages WHERE direction = 'outbound' AND ${col} IS NOT NULL ORDER BY ${col} LIMIT 1)
      UNION ALL
      SELECT (SELECT ${col} FROM messages WHERE direction = 'outbound' AND ${col} > k.v ORDER BY ${col} LIMIT 1) FROM k WHERE k.v IS NOT NULL)
    SELECT k.v AS key, c.sent, c.to_delivered, c.to_read, c.failure_codes
    FROM k CROSS JOIN LATERAL (SELECT ${AGGREGATES} FROM messages WHERE ${col} = k.v AND ${inRange}) c
    WHERE k.v IS NOT NULL
    UNION ALL
    SELECT '${none}', ${AGGREGATES} FROM messages WHERE ${col} IS NULL AND ${inRange}`;
}

const DAY_MS = 86_400_000;

/** The UTC days [from, to) touches: each day's start (ISO) and name (YYYY-MM-DD). */
export function reportDays(from: string, to: string): { starts: string[]; days: string[] } {
  const starts: string[] = [];
  const days: string[] = [];
  const end = Date.parse(to);
  for (let t = Math.floor(Date.parse(from) / DAY_MS) * DAY_MS; t < end; t += DAY_MS) {
    const start = new Date(t).toISOString();
    starts.push(start);
    days.push(start.slice(0, 10));
  }
  return { starts, days };
}

export interface PageFilter {
  from: string | null;
  to: string | null;
  /** Strictly before this (createdAt, seq) pair: the previous page's last message. */
  before: { createdAt: string; seq: number } | null;
  rep: string | null;
  status: MessageStatus | null;
  /** undefined: any; null: free-form (no template). */
  contentSid: string | null | undefined;
  limit: number;
}

/**
 * Newest first by (created_at, seq). Only the filters given become conditions, so each shape matches
 * its index (messages_out_rep, messages_out_template, messages_out_created) as written.
 */
export function pageQuery(f: PageFilter): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const param = (v: unknown, type: string) => {
    values.push(v);
    return `$${values.length}::${type}`;
  };
  const where = [`direction = 'outbound'`];
  if (f.rep !== null) where.push(`sent_by = ${param(f.rep, 'text')}`);
  if (f.contentSid === null) where.push('content_sid IS NULL');
  else if (f.contentSid !== undefined) where.push(`content_sid = ${param(f.contentSid, 'text')}`);
  if (f.from !== null) where.push(`created_at >= ${param(f.from, 'timestamptz')}`);
  if (f.to !== null) where.push(`created_at < ${param(f.to, 'timestamptz')}`);
  if (f.before !== null) where.push(`(created_at, seq) < (${param(f.before.createdAt, 'timestamptz')}, ${param(f.before.seq, 'bigint')})`);
  if (f.status !== null) where.push(`status = ${param(f.status, 'text')}`);
  const text = `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE ${where.join(' AND ')} ORDER BY created_at DESC, seq DESC LIMIT ${param(f.limit, 'int')}`;
  return { text, values };
}

export interface ContactSummaryRow {
  pinpoint_id: string;
  phone: string;
  consent_state: string;
  direction: string | null;
  status: string | null;
  created_at: Date | null;
}

/** $1 the PinPoint ids; each contact's newest message by store order, as in SQLite. */
export const CONTACT_SUMMARY_SQL = `SELECT c.pinpoint_id, c.phone, c.consent_state, m.direction, m.status, m.created_at
  FROM contacts c
  LEFT JOIN LATERAL (SELECT direction, status, created_at FROM messages WHERE phone = c.phone ORDER BY seq DESC LIMIT 1) m ON true
  WHERE c.pinpoint_id = ANY($1::text[])
  ORDER BY length(c.pinpoint_id), c.pinpoint_id COLLATE "C", c.phone COLLATE "C"`;
