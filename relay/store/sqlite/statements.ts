/**
 * Every SQL statement the store runs, prepared once per connection: preparing parses and plans
 * the SQL, which would otherwise be repeated on each webhook and API call.
 */
import type Database from 'better-sqlite3';
import type { ContactRow, ConsentEventRow, MessageRow, StatusEventRow, StatusRow, TokenRow } from './rows.ts';
import { PAIRING_CODE_COLUMNS, type PairingCodeRow } from '../pairing-rows.ts';

const MESSAGE_COLUMNS = `seq, id, sid, phone, direction, body, content_sid, variables, status, error_code, error_message,
  sent_by, sent_by_token_id, idempotency_key, meta, status_times, created_at, updated_at, body_purged_at`;

/** The columns a status fold reads (rows.ts StatusRow). */
const STATUS_ROW_COLUMNS = 'seq, id, sid, phone, status, error_code, error_message, status_times, created_at, updated_at';

export interface StatusWrite {
  seq: number;
  status: string;
  errorCode: number | null;
  errorMessage: string | null;
  statusTimes: string;
  updatedAt: string;
  sentAt: string | null;
  deliveredAt: string | null;
  readAt: string | null;
  failedAt: string | null;
  toDeliveredMs: number | null;
  toReadMs: number | null;
}

const STATUS_SET = `status = @status, error_code = @errorCode, error_message = @errorMessage, status_times = @statusTimes,
  updated_at = @updatedAt, sent_at = @sentAt, delivered_at = @deliveredAt, read_at = @readAt, failed_at = @failedAt,
  to_delivered_ms = @toDeliveredMs, to_read_ms = @toReadMs`;

/** One report group's numbers within one index range (definitions: shared/reports.ts ReportRow). */
export interface AggregateRow {
  day: string;
  rep: string | null;
  /** null = free-form. */
  template: string | null;
  sent: number;
  /**
   * One comma-separated entry per delivered (delivered or read) message: its milliseconds to
   * delivered, '' when it has none; null when no message in the cell was delivered. The entries are
   * also the delivered count.
   */
  to_delivered: string | null;
  /** Likewise per read message: milliseconds to read; the entries are the read count. */
  to_read: string | null;
  /** Likewise per failed message: its error code, '' standing for no code; the entries are the failed count. */
  failure_codes: string | null;
}

// The counts by status class are the lengths of the lists of durations and failure codes (every
// message of the class has an entry, empty when its value is NULL), so each row is tested once per
// list instead of once more per count: on a 90-day report of a million messages the three counts
// cost a fifth of the query. The raw durations make medians and the totals' medians exact without
// sorting in SQL; group_concat keeps the group in one pass and one value for the driver.
const AGGREGATES = `count(*) AS sent,
  group_concat(coalesce(to_delivered_ms, '')) FILTER (WHERE status IN ('delivered', 'read')) AS to_delivered,
  group_concat(coalesce(to_read_ms, '')) FILTER (WHERE status = 'read') AS to_read,
  group_concat(coalesce(error_code, '')) FILTER (WHERE status IN ('failed', 'undelivered')) AS failure_codes`;

/**
 * The manager-report SQL, exported so the store test can check each plan. One statement per report,
 * reading the range of messages_out_report in index order, so grouping needs no sort and no table row
 * is read: per day; per (day, rep); or per (day, rep, template) cell for a template report (the
 * index has no template-first order). The store adds the groups up across days (and reps).
 * The range is read in three parts: the first day and the last day, where the range may start or end
 * inside the day and each row's time is compared, and the days in between, which are whole and need
 * no comparison per row (a tenth of a 90-day report). The `>= d AND <= d` pairs keep each part a
 * range of the index, which SQLite then reads in GROUP BY order; `= d` would make it sort.
 * INDEXED BY pins the index: without statistics SQLite might take messages_direction_seq
 * (direction = 'outbound') and walk every outbound message ever sent.
 */
const reportSql = (groups: string) => {
  const day = 'substr(created_at, 1, 10)';
  const part = (where: string) => `SELECT ${day} AS day, ${groups === 'day' ? 'NULL' : 'sent_by'} AS rep,
      ${groups === 'cell' ? 'content_sid' : 'NULL'} AS template, ${AGGREGATES}
    FROM messages INDEXED BY messages_out_report
    WHERE direction = 'outbound' AND ${where} AND (@rep IS NULL OR sent_by = @rep)
    GROUP BY ${day}${groups === 'day' ? '' : ', sent_by'}${groups === 'cell' ? ', content_sid' : ''}`;
  return [
    part(`${day} >= @fromDay AND ${day} <= @fromDay AND created_at >= @from AND created_at < @to`),
    part(`${day} > @fromDay AND ${day} < @toDay`),
    part(`${day} >= @toDay AND ${day} <= @toDay AND ${day} > @fromDay AND created_at < @to`),
  ].join('\n    UNION ALL\n    ');
};
export const REPORT_SQL = { day: reportSql('day'), rep: reportSql('rep'), template: reportSql('cell') } as const;

/**
 * Drill-down pages, newest first by (created_at, seq), which is exactly the order of the version 1
 * indexes on created_at (SQLite ends every index with the rowid, and seq is the rowid): the keyset is
 * "strictly before the cursor's pair", and `created_at <= @cAt` gives the range its upper end. The
 * index is picked by filter (rep, template, or neither); the other filters are checked on the rows.
 * @sidFilter 0 = any content_sid, 1 = content_sid IS @contentSid (NULL = free-form).
 */
const PAGE_FILTERS = `direction = 'outbound' AND created_at >= @from AND created_at < @to AND created_at <= @cAt
      AND (created_at < @cAt OR seq < @cSeq)
      AND (@rep IS NULL OR sent_by = @rep) AND (@status IS NULL OR status = @status)
      AND (@sidFilter = 0 OR content_sid IS @contentSid)`;
export const PAGE_SQL = {
  any: `SELECT ${MESSAGE_COLUMNS} FROM messages INDEXED BY messages_created WHERE ${PAGE_FILTERS}
    ORDER BY created_at DESC, seq DESC LIMIT @limit`,
  byRep: `SELECT ${MESSAGE_COLUMNS} FROM messages INDEXED BY messages_sent_by_created WHERE sent_by = @rep AND ${PAGE_FILTERS}
    ORDER BY created_at DESC, seq DESC LIMIT @limit`,
  byTemplate: `SELECT ${MESSAGE_COLUMNS} FROM messages INDEXED BY messages_content_created WHERE content_sid IS @contentSid AND ${PAGE_FILTERS}
    ORDER BY created_at DESC, seq DESC LIMIT @limit`,
} as const;

export interface ReportParams {
  fromDay: string;
  toDay: string;
  from: string;
  to: string;
  rep: string | null;
}

export interface PageParams {
  from: string;
  to: string;
  cAt: string;
  cSeq: number;
  rep: string | null;
  status: string | null;
  sidFilter: 0 | 1;
  contentSid: string | null;
  limit: number;
}

export interface ContactSummaryRow {
  pinpoint_id: string;
  phone: string;
  consent_state: string;
  direction: string | null;
  status: string | null;
  created_at: string | null;
}

export const CONTACT_SUMMARY_SQL = `SELECT c.pinpoint_id, c.phone, c.consent_state, m.direction, m.status, m.created_at
  FROM contacts c
  LEFT JOIN messages m ON m.seq = (SELECT seq FROM messages WHERE phone = c.phone ORDER BY seq DESC LIMIT 1)
  WHERE c.pinpoint_id IN (SELECT value FROM json_each(?))
  ORDER BY length(c.pinpoint_id), c.pinpoint_id, c.phone`;

export function prepareStatements(db: Database.Database) {
  const s = {
    ping: db.prepare<[], { ok: number }>('SELECT 1 AS ok'),

    tokenInsert: db.prepare<[string, string, string, string, string]>(
      'INSERT INTO tokens (id, name, role, hash, created_at) VALUES (?, ?, ?, ?, ?)',
    ),
    tokenById: db.prepare<[string], TokenRow>('SELECT * FROM tokens WHERE id = ?'),
    tokenLiveByHash: db.prepare<[string], TokenRow>('SELECT * FROM tokens WHERE hash = ? AND revoked_at IS NULL'),
    // The staleness test is in the WHERE so two concurrent requests can't both stamp, and a
    // request with a slightly older clock can't move last_used_at backwards.
    tokenTouch: db.prepare<{ id: string; now: string; staleBefore: string }>(
      `UPDATE tokens SET last_used_at = @now
        WHERE id = @id AND revoked_at IS NULL AND (last_used_at IS NULL OR last_used_at <= @staleBefore)`,
    ),
    tokenList: db.prepare<[], TokenRow>('SELECT * FROM tokens ORDER BY created_at, id'),
    tokenRevoke: db.prepare<[string, string]>('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),

    pairingInsert: db.prepare<{ id: string; hash: string; role: string; createdBy: string; createdAt: string; expiresAt: string }>(
      `INSERT INTO pairing_codes (id, hash, role, created_by, created_at, expires_at)
       VALUES (@id, @hash, @role, @createdBy, @createdAt, @expiresAt)`,
    ),
    pairingById: db.prepare<[string], PairingCodeRow>(`SELECT ${PAIRING_CODE_COLUMNS} FROM pairing_codes WHERE id = ?`),
    // Usable = unused and not expired; the redeeming transaction is IMMEDIATE, so nothing changes between this and the UPDATE.
    pairingUsableByHash: db.prepare<{ hash: string; now: string }, PairingCodeRow>(
      `SELECT ${PAIRING_CODE_COLUMNS} FROM pairing_codes WHERE hash = @hash AND used_at IS NULL AND expires_at > @now`,
    ),
    pairingMarkUsed: db.prepare<{ id: string; now: string; tokenId: string }>(
      'UPDATE pairing_codes SET used_at = @now, used_by_token_id = @tokenId WHERE id = @id AND used_at IS NULL',
    ),

    contactGet: db.prepare<[string], ContactRow>('SELECT * FROM contacts WHERE phone = ?'),
    contactEnsure: db.prepare<[string, string, string]>(
      'INSERT INTO contacts (phone, created_at, updated_at) VALUES (?, ?, ?) ON CONFLICT (phone) DO NOTHING',
    ),
    // Called on every contact view: the WHERE skips the write when nothing changed.
    contactPinpoint: db.prepare<{ phone: string; pinpointId: string; at: string }>(
      `INSERT INTO contacts (phone, pinpoint_id, created_at, updated_at) VALUES (@phone, @pinpointId, @at, @at)
       ON CONFLICT (phone) DO UPDATE SET pinpoint_id = excluded.pinpoint_id, updated_at = excluded.updated_at
        WHERE pinpoint_id IS NOT excluded.pinpoint_id`,
    ),
    // The newest consent wins by its own time, not by arrival: a backfilled import of old consent
    // must not overturn a contact's later STOP. History keeps every change either way.
    contactConsent: db.prepare<{ phone: string; state: string; source: string; by: string; evidence: string; at: string }>(
      `UPDATE contacts SET consent_state = @state, consent_source = @source, consent_at = @at, consent_by = @by,
              consent_evidence = @evidence, updated_at = MAX(updated_at, @at)
        WHERE phone = @phone AND (consent_at IS NULL OR consent_at <= @at)`,
    ),
    // A late-delivered older message must not move last_inbound_at back (the 24-hour window) nor
    // replace a newer profile name; a missing name or WaId never erases a known one.
    contactInbound: db.prepare<{ phone: string; profileName: string | null; waId: string | null; at: string }>(
      `INSERT INTO contacts (phone, profile_name, wa_id, last_inbound_at, created_at, updated_at)
       VALUES (@phone, @profileName, @waId, @at, @at, @at)
       ON CONFLICT (phone) DO UPDATE SET
         profile_name = CASE WHEN excluded.profile_name IS NULL THEN profile_name
           WHEN profile_name IS NULL OR last_inbound_at IS NULL OR excluded.last_inbound_at >= last_inbound_at THEN excluded.profile_name
           ELSE profile_name END,
         wa_id = CASE WHEN excluded.wa_id IS NULL THEN wa_id
           WHEN wa_id IS NULL OR last_inbound_at IS NULL OR excluded.last_inbound_at >= last_inbound_at THEN excluded.wa_id
           ELSE wa_id END,
         last_inbound_at = CASE WHEN last_inbound_at IS NULL OR excluded.last_inbound_at > last_inbound_at
           THEN excluded.last_inbound_at ELSE last_inbound_at END,
         updated_at = MAX(updated_at, excluded.updated_at)`,
    ),
    consentInsert: db.prepare<[string, string, string, string, string, string, string | null]>(
      'INSERT INTO consent_events (phone, state, source, by, evidence, at, message_sid) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    consentHistory: db.prepare<[string], ConsentEventRow>('SELECT * FROM consent_events WHERE phone = ? ORDER BY id'),

    messageById: db.prepare<[string], MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = ?`),
    messageBySid: db.prepare<[string], MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE sid = ?`),
    // The status callback hot path reads only what a status fold needs: the wide columns (body,
    // variables, meta) cost about a third of the lookup and are read later only if a listener wants them.
    messageStatusBySid: db.prepare<[string], StatusRow>(`SELECT ${STATUS_ROW_COLUMNS} FROM messages WHERE sid = ?`),
    messageBySeq: db.prepare<[number], MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE seq = ?`),
    // Served by the UNIQUE index on sid (NULLs included), so it reads only the sid-less rows.
    messagesUnconfirmed: db.prepare<[string, number], MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE sid IS NULL AND direction = 'outbound' AND status = 'queued' AND created_at < ? ORDER BY created_at, seq LIMIT ?`,
    ),
    messageByKey: db.prepare<[string, string], MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE sent_by_token_id = ? AND idempotency_key = ?`,
    ),
    messagesLast: db.prepare<[string, number], MessageRow>(
      `SELECT * FROM (SELECT ${MESSAGE_COLUMNS} FROM messages WHERE phone = ? ORDER BY seq DESC LIMIT ?) ORDER BY seq`,
    ),
    // The conflict target makes a reused idempotency key a no-op; any other conflict (a reused id) still throws.
    messageInsertOutbound: db.prepare<{
      id: string; phone: string; body: string | null; contentSid: string | null; variables: string | null;
      sentBy: string; tokenId: string; key: string | null; statusTimes: string; at: string;
    }>(
      `INSERT INTO messages (id, phone, direction, body, content_sid, variables, status, sent_by, sent_by_token_id,
                             idempotency_key, status_times, created_at, updated_at)
       VALUES (@id, @phone, 'outbound', @body, @contentSid, @variables, 'queued', @sentBy, @tokenId,
               @key, @statusTimes, @at, @at)
       ON CONFLICT (sent_by_token_id, idempotency_key) DO NOTHING`,
    ),
    messageInsertInbound: db.prepare<{
      id: string; sid: string; phone: string; body: string | null; meta: string; statusTimes: string; at: string;
    }>(
      `INSERT INTO messages (id, sid, phone, direction, body, status, meta, status_times, created_at, updated_at)
       VALUES (@id, @sid, @phone, 'inbound', @body, 'received', @meta, @statusTimes, @at, @at)
       ON CONFLICT (sid) DO NOTHING`,
    ),
    // status_times and the columns derived from it (status-fold.ts statusColumns) are always written together.
    messageSetStatus: db.prepare<StatusWrite & { sid: string | null }>(
      `UPDATE messages SET sid = @sid, ${STATUS_SET}
        WHERE seq = @seq`,
    ),
    // Same without `sid`: a column in SET makes SQLite rewrite its index entry even when the value is
    // unchanged, and status callbacks (the hot path) never change the sid.
    messageAdvance: db.prepare<StatusWrite>(
      `UPDATE messages SET ${STATUS_SET}
        WHERE seq = @seq`,
    ),
    // Phones first (messages_token_phone), then inbound rows after the cursor (messages_direction_seq).
    inboundSince: db.prepare<[number, string, number], MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages
        WHERE direction = 'inbound' AND seq > ?
          AND phone IN (SELECT phone FROM messages WHERE sent_by_token_id = ?)
        ORDER BY seq LIMIT ?`,
    ),
    hasMessaged: db.prepare<[string, string], { ok: number }>(
      // Only outbound rows carry a token id, so the (sent_by_token_id, phone) index answers alone.
      'SELECT 1 AS ok FROM messages WHERE sent_by_token_id = ? AND phone = ? LIMIT 1',
    ),

    reportByDay: db.prepare<ReportParams, AggregateRow>(REPORT_SQL.day),
    reportByRep: db.prepare<ReportParams, AggregateRow>(REPORT_SQL.rep),
    reportByTemplate: db.prepare<ReportParams, AggregateRow>(REPORT_SQL.template),
    pageAny: db.prepare<PageParams, MessageRow>(PAGE_SQL.any),
    pageByRep: db.prepare<PageParams, MessageRow>(PAGE_SQL.byRep),
    pageByTemplate: db.prepare<PageParams, MessageRow>(PAGE_SQL.byTemplate),
    contactSummaries: db.prepare<[string], ContactSummaryRow>(CONTACT_SUMMARY_SQL),

    statusEventInsert: db.prepare<{
      sid: string; status: string; eventType: string; errorCode: number | null; errorMessage: string | null; at: string;
    }>(
      `INSERT INTO status_events (sid, status, event_type, error_code, error_message, at)
       VALUES (@sid, @status, @eventType, @errorCode, @errorMessage, @at)
       ON CONFLICT (sid, status, event_type) DO NOTHING`,
    ),
    statusEventsForSid: db.prepare<[string], StatusEventRow>('SELECT * FROM status_events WHERE sid = ? ORDER BY id'),
    fallbackInsert: db.prepare<[string | null, string | null, string | null, string]>(
      'INSERT INTO fallback_events (message_sid, error_code, error_url, at) VALUES (?, ?, ?, ?)',
    ),
  };
  return s;
}

export type Statements = ReturnType<typeof prepareStatements>;
