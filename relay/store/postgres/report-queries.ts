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

/** One group's numbers, with the raw durations and failure codes, so medians (and the totals' medians) are exact. */
export interface AggregateRow {
  key: string;
  sent: number;
  delivered: number;
  read: number;
  failed: number;
  /** float8[] so `pg` hands back numbers (bigint arrays would be strings); null when empty. */
  to_delivered: number[] | null;
  to_read: number[] | null;
  /** The error code of each failed message, null for none reported. */
  failure_codes: (number | null)[] | null;
}

const GROUP_KEY: Record<DeliveryReportQuery['groupBy'], string> = {
  // Outbound rows always carry their sender; the label is there should one not (as in SQLite).
  rep: `COALESCE(sent_by, '(unknown)')`,
  template: `COALESCE(content_sid, '${FREE_FORM}')`,
  day: `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
};

/** $1 from, $2 to (half-open), $3 rep or null. One statement, so every group sees the same snapshot. */
export function reportSql(groupBy: DeliveryReportQuery['groupBy']): string {
  return `SELECT ${GROUP_KEY[groupBy]} AS key,
      count(*)::int AS sent,
      (count(*) FILTER (WHERE status IN ('delivered', 'read')))::int AS delivered,
      (count(*) FILTER (WHERE status = 'read'))::int AS read,
      (count(*) FILTER (WHERE status IN ('failed', 'undelivered')))::int AS failed,
      array_agg(to_delivered_ms::float8) FILTER (WHERE status IN ('delivered', 'read') AND to_delivered_ms IS NOT NULL) AS to_delivered,
      array_agg(to_read_ms::float8) FILTER (WHERE status = 'read' AND to_read_ms IS NOT NULL) AS to_read,
      array_agg(error_code) FILTER (WHERE status IN ('failed', 'undelivered')) AS failure_codes
    FROM messages
    WHERE direction = 'outbound' AND created_at >= $1::timestamptz AND created_at < $2::timestamptz
      AND ($3::text IS NULL OR sent_by = $3)
    GROUP BY 1`;
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
