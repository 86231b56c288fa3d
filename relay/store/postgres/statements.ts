/**
 * Every SQL statement the PostgreSQL store runs, as named queries: `pg` prepares a named query once
 * per pooled connection and afterwards sends only its parameters, so the parse and plan are not
 * repeated on each webhook and API call (the SQLite engine's prepared statements, here). Column
 * lists are explicit, which also keeps a prepared statement valid after a migration adds a column.
 * Times go in as ISO strings cast to timestamptz; text that is sorted uses COLLATE "C" so the
 * order is SQLite's (binary), whatever the database's collation.
 */
import { PAIRING_CODE_COLUMNS } from '../pairing-rows.ts';

const MESSAGE_COLUMNS = `seq, id, sid, phone, direction, body, content_sid, variables, status, error_code, error_message,
  sent_by, status_times, created_at, updated_at, body_purged_at`;
const TOKEN_COLUMNS = 'id, name, role, created_at, revoked_at, last_used_at';
const CONTACT_COLUMNS = `phone, profile_name, wa_id, pinpoint_id, last_inbound_at, consent_state, consent_source, consent_at,
  consent_by, consent_evidence`;

export { MESSAGE_COLUMNS };

const q = (name: string, text: string) => ({ name: `ppw_${name}`, text }) as const;

export const SQL = {
  ping: q('ping', 'SELECT 1 AS ok'),

  tokenInsert: q(
    'token_insert',
    `INSERT INTO tokens (id, name, role, hash, created_at) VALUES ($1, $2, $3, $4, $5::timestamptz) RETURNING ${TOKEN_COLUMNS}`,
  ),
  tokenLiveByHash: q('token_live_by_hash', `SELECT ${TOKEN_COLUMNS} FROM tokens WHERE hash = $1 AND revoked_at IS NULL`),
  // The staleness test is in the WHERE so two concurrent requests can't both stamp, and a request
  // with a slightly older clock can't move last_used_at backwards.
  tokenTouch: q(
    'token_touch',
    `UPDATE tokens SET last_used_at = $2::timestamptz
      WHERE id = $1 AND revoked_at IS NULL AND (last_used_at IS NULL OR last_used_at <= $3::timestamptz)`,
  ),
  tokenList: q('token_list', `SELECT ${TOKEN_COLUMNS} FROM tokens ORDER BY created_at, id COLLATE "C"`),
  tokenRevoke: q('token_revoke', 'UPDATE tokens SET revoked_at = $2::timestamptz WHERE id = $1 AND revoked_at IS NULL'),

  pairingInsert: q(
    'pairing_insert',
    `INSERT INTO pairing_codes (id, hash, role, created_by, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5::timestamptz, $6::timestamptz) RETURNING ${PAIRING_CODE_COLUMNS}`,
  ),
  // FOR UPDATE: a second redeemer of the same code waits for the first to commit, then re-checks the
  // WHERE against the committed row (used_at now set) and finds nothing.
  pairingUsableByHashForUpdate: q(
    'pairing_usable_by_hash_for_update',
    `SELECT ${PAIRING_CODE_COLUMNS} FROM pairing_codes
      WHERE hash = $1 AND used_at IS NULL AND expires_at > $2::timestamptz FOR UPDATE`,
  ),
  pairingMarkUsed: q(
    'pairing_mark_used',
    `UPDATE pairing_codes SET used_at = $2::timestamptz, used_by_token_id = $3 WHERE id = $1 AND used_at IS NULL
      RETURNING ${PAIRING_CODE_COLUMNS}`,
  ),

  contactGet: q('contact_get', `SELECT ${CONTACT_COLUMNS} FROM contacts WHERE phone = $1`),
  contactEnsure: q(
    'contact_ensure',
    'INSERT INTO contacts (phone, created_at, updated_at) VALUES ($1, $2::timestamptz, $2::timestamptz) ON CONFLICT (phone) DO NOTHING',
  ),
  // Called on every contact view: the WHERE skips the write when nothing changed.
  contactPinpoint: q(
    'contact_pinpoint',
    `INSERT INTO contacts AS c (phone, pinpoint_id, created_at, updated_at) VALUES ($1, $2, $3::timestamptz, $3::timestamptz)
     ON CONFLICT (phone) DO UPDATE SET pinpoint_id = excluded.pinpoint_id, updated_at = excluded.updated_at
      WHERE c.pinpoint_id IS DISTINCT FROM excluded.pinpoint_id`,
  ),
  // The newest consent wins by its own time, not by arrival: a backfilled import of old consent must
  // not overturn a contact's later STOP. Under concurrency PostgreSQL re-checks the WHERE against the
  // row a concurrent transaction committed, so the rule holds without an explicit lock.
  contactConsent: q(
    'contact_consent',
    `UPDATE contacts SET consent_state = $2, consent_source = $3, consent_by = $4, consent_evidence = $5, consent_at = $6::timestamptz,
            updated_at = GREATEST(updated_at, $6::timestamptz)
      WHERE phone = $1 AND (consent_at IS NULL OR consent_at <= $6::timestamptz)
      RETURNING ${CONTACT_COLUMNS}`,
  ),
  // A late-delivered older message must not move last_inbound_at back (the 24-hour window) nor
  // replace a newer profile name; a missing name or WaId never erases a known one.
  contactInbound: q(
    'contact_inbound',
    `INSERT INTO contacts AS c (phone, profile_name, wa_id, last_inbound_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4::timestamptz, $4::timestamptz, $4::timestamptz)
     ON CONFLICT (phone) DO UPDATE SET
       profile_name = CASE WHEN excluded.profile_name IS NULL THEN c.profile_name
         WHEN c.profile_name IS NULL OR c.last_inbound_at IS NULL OR excluded.last_inbound_at >= c.last_inbound_at THEN excluded.profile_name
         ELSE c.profile_name END,
       wa_id = CASE WHEN excluded.wa_id IS NULL THEN c.wa_id
         WHEN c.wa_id IS NULL OR c.last_inbound_at IS NULL OR excluded.last_inbound_at >= c.last_inbound_at THEN excluded.wa_id
         ELSE c.wa_id END,
       last_inbound_at = GREATEST(c.last_inbound_at, excluded.last_inbound_at),
       updated_at = GREATEST(c.updated_at, excluded.updated_at)`,
  ),
  consentInsert: q(
    'consent_insert',
    `INSERT INTO consent_events (phone, state, source, changed_by, evidence, at, message_sid)
     VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7)`,
  ),
  consentHistory: q(
    'consent_history',
    'SELECT id, phone, state, source, changed_by, evidence, at, message_sid FROM consent_events WHERE phone = $1 ORDER BY id',
  ),

  messageById: q('message_by_id', `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = $1`),
  messageByIdForUpdate: q('message_by_id_for_update', `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = $1 FOR UPDATE`),
  messageBySid: q('message_by_sid', `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE sid = $1`),
  messagesUnconfirmed: q(
    'messages_unconfirmed',
    `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE sid IS NULL AND direction = 'outbound' AND status = 'queued' AND created_at < $1 ORDER BY created_at, seq LIMIT $2`,
  ),
  messageBySidForUpdate: q('message_by_sid_for_update', `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE sid = $1 FOR UPDATE`),
  messageByKey: q('message_by_key', `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE sent_by_token_id = $1 AND idempotency_key = $2`),
  messagesLast: q(
    'messages_last',
    `SELECT * FROM (SELECT ${MESSAGE_COLUMNS} FROM messages WHERE phone = $1 ORDER BY seq DESC LIMIT $2) m ORDER BY seq`,
  ),
  // The conflict target makes a reused idempotency key a no-op (a concurrent insert with the same key
  // waits for the first to commit, then does nothing); any other conflict (a reused id) still throws.
  messageInsertOutbound: q(
    'message_insert_outbound',
    `INSERT INTO messages (id, phone, direction, body, content_sid, variables, status, sent_by, sent_by_token_id,
                           idempotency_key, status_times, created_at, updated_at)
     VALUES ($1, $2, 'outbound', $3, $4, $5::jsonb, 'queued', $6, $7, $8, $9::jsonb, $10::timestamptz, $10::timestamptz)
     ON CONFLICT (sent_by_token_id, idempotency_key) DO NOTHING
     RETURNING ${MESSAGE_COLUMNS}`,
  ),
  messageInsertInbound: q(
    'message_insert_inbound',
    `INSERT INTO messages (id, sid, phone, direction, body, status, meta, status_times, created_at, updated_at)
     VALUES ($1, $2, $3, 'inbound', $4, 'received', $5::jsonb, $6::jsonb, $7::timestamptz, $7::timestamptz)
     ON CONFLICT (sid) DO NOTHING
     RETURNING ${MESSAGE_COLUMNS}`,
  ),
  // status_times and the report columns derived from it (status-fold.ts statusColumns) are always written together.
  messageSetStatus: q(
    'message_set_status',
    `UPDATE messages SET sid = $2, status = $3, error_code = $4, error_message = $5, status_times = $6::jsonb, updated_at = $7::timestamptz,
            sent_at = $8::timestamptz, delivered_at = $9::timestamptz, read_at = $10::timestamptz, failed_at = $11::timestamptz,
            to_delivered_ms = $12::bigint, to_read_ms = $13::bigint
      WHERE seq = $1
      RETURNING ${MESSAGE_COLUMNS}`,
  ),
  // Phones first (messages_token_phone), then inbound rows after the cursor (messages_direction_seq).
  inboundSince: q(
    'inbound_since',
    `SELECT ${MESSAGE_COLUMNS} FROM messages
      WHERE direction = 'inbound' AND seq > $1
        AND phone IN (SELECT phone FROM messages WHERE sent_by_token_id = $2)
      ORDER BY seq LIMIT $3`,
  ),
  // Only outbound rows carry a token id, so the (sent_by_token_id, phone) index answers alone.
  hasMessaged: q('has_messaged', 'SELECT 1 AS ok FROM messages WHERE sent_by_token_id = $1 AND phone = $2 LIMIT 1'),

  statusEventInsert: q(
    'status_event_insert',
    `INSERT INTO status_events (sid, status, event_type, error_code, error_message, at)
     VALUES ($1, $2, $3, $4, $5, $6::timestamptz)
     ON CONFLICT (sid, status, event_type) DO NOTHING`,
  ),
  statusEventsForSid: q('status_events_for_sid', 'SELECT status, error_code, error_message, at FROM status_events WHERE sid = $1 ORDER BY id'),
  fallbackInsert: q(
    'fallback_insert',
    'INSERT INTO fallback_events (message_sid, error_code, error_url, at) VALUES ($1, $2, $3, $4::timestamptz)',
  ),

  /**
   * Advisory locks (first key LOCK_* from migrations.ts / postgres-store.ts), held to the end of the
   * transaction. hashtext collisions only make two unrelated callers wait for each other.
   */
  lockKey: q('lock_key', 'SELECT pg_advisory_xact_lock($1::int, hashtext($2::text))'),
  /** Per schema (current_schema() is the store's own once migrated), so relays in other schemas never wait. */
  lockSchema: q('lock_schema', 'SELECT pg_advisory_xact_lock($1::int, hashtext(current_schema()))'),
} as const;
