/**
 * Every SQL statement the store runs, prepared once per connection: preparing parses and plans
 * the SQL, which would otherwise be repeated on each webhook and API call.
 */
import type Database from 'better-sqlite3';
import type { ContactRow, ConsentEventRow, MessageRow, StatusEventRow, TokenRow } from './rows.ts';

const MESSAGE_COLUMNS = `seq, id, sid, phone, direction, body, content_sid, variables, status, error_code, error_message,
  sent_by, sent_by_token_id, idempotency_key, meta, status_times, created_at, updated_at`;

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
    messageSetStatus: db.prepare<{
      seq: number; sid: string | null; status: string; errorCode: number | null; errorMessage: string | null;
      statusTimes: string; updatedAt: string;
    }>(
      `UPDATE messages SET sid = @sid, status = @status, error_code = @errorCode, error_message = @errorMessage,
              status_times = @statusTimes, updated_at = @updatedAt
        WHERE seq = @seq`,
    ),
    // Same without `sid`: a column in SET makes SQLite rewrite its index entry even when the value is
    // unchanged, and status callbacks (the hot path) never change the sid.
    messageAdvance: db.prepare<{
      seq: number; status: string; errorCode: number | null; errorMessage: string | null; statusTimes: string; updatedAt: string;
    }>(
      `UPDATE messages SET status = @status, error_code = @errorCode, error_message = @errorMessage,
              status_times = @statusTimes, updated_at = @updatedAt
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
