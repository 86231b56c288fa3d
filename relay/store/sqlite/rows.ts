/**
 * Rows as SQLite returns them, turned back into domain records. Stored data is an edge too
 * (architecture principle 2): a hand-edited or half-migrated row fails loudly here rather than
 * as a wrong answer later. JSON columns are parsed defensively: a corrupt status_times must not
 * take a contact's whole history down, so it reads as empty and only the bad value is lost.
 */
import { ConsentSource, ConsentState, Role, type Message, type MessageStatus } from '../../../shared/api.ts';
import { withCursor } from '../cursor.ts';
import { CorruptRowError, toStatus } from '../row-checks.ts';

export { toStatus };
import type { ConsentHistoryEntry, ContactRecord, TokenRecord } from '../store.ts';

export interface TokenRow {
  id: string;
  name: string;
  role: string;
  hash: string;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface ContactRow {
  phone: string;
  profile_name: string | null;
  wa_id: string | null;
  pinpoint_id: string | null;
  last_inbound_at: string | null;
  consent_state: string;
  consent_source: string | null;
  consent_at: string | null;
  consent_by: string | null;
  consent_evidence: string | null;
  created_at: string;
  updated_at: string;
}

export interface ConsentEventRow {
  id: number;
  phone: string;
  state: string;
  source: string;
  by: string;
  evidence: string;
  at: string;
  message_sid: string | null;
}

export interface MessageRow {
  seq: number;
  id: string;
  sid: string | null;
  phone: string;
  direction: string;
  body: string | null;
  content_sid: string | null;
  variables: string | null;
  status: string;
  error_code: number | null;
  error_message: string | null;
  sent_by: string | null;
  sent_by_token_id: string | null;
  idempotency_key: string | null;
  meta: string | null;
  status_times: string | null;
  created_at: string;
  updated_at: string;
  body_purged_at: string | null;
}

/** A message row as the status callback hot path reads it (statements.ts messageStatusBySid). */
export type StatusRow = Pick<MessageRow, 'seq' | 'id' | 'sid' | 'phone' | 'status' | 'error_code' | 'error_message' | 'status_times' | 'created_at' | 'updated_at'>;

export interface StatusEventRow {
  id: number;
  sid: string;
  status: string;
  event_type: string;
  error_code: number | null;
  error_message: string | null;
  at: string;
}


/** A JSON object of string values, keeping only the entries that are strings; null when absent or unreadable. */
export function parseStringRecord(text: string | null): Record<string, string> | null {
  if (text === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

export function toToken(row: TokenRow): TokenRecord {
  const role = Role.safeParse(row.role);
  if (!role.success) throw new CorruptRowError('tokens', row.id, `role "${row.role}"`);
  return { id: row.id, name: row.name, role: role.data, createdAt: row.created_at, revokedAt: row.revoked_at, lastUsedAt: row.last_used_at };
}

export function toContact(row: ContactRow): ContactRecord {
  const state = ConsentState.safeParse(row.consent_state);
  if (!state.success) throw new CorruptRowError('contacts', row.phone, `consent_state "${row.consent_state}"`);
  const source = row.consent_source === null ? null : ConsentSource.safeParse(row.consent_source);
  if (source !== null && !source.success) throw new CorruptRowError('contacts', row.phone, `consent_source "${row.consent_source}"`);
  return {
    phone: row.phone,
    profileName: row.profile_name,
    waId: row.wa_id,
    pinpointId: row.pinpoint_id,
    lastInboundAt: row.last_inbound_at,
    consentState: state.data,
    consentSource: source === null ? null : source.data,
    consentAt: row.consent_at,
    consentBy: row.consent_by,
    consentEvidence: row.consent_evidence,
  };
}

export function toConsentEntry(row: ConsentEventRow): ConsentHistoryEntry {
  const state = ConsentState.safeParse(row.state);
  const source = ConsentSource.safeParse(row.source);
  if (!state.success || !source.success) throw new CorruptRowError('consent_events', String(row.id), `state "${row.state}" source "${row.source}"`);
  return {
    id: row.id,
    phone: row.phone,
    state: state.data,
    source: source.data,
    by: row.by,
    evidence: row.evidence,
    at: row.at,
    messageSid: row.message_sid,
  };
}


/**
 * Checked by hand rather than with the zod Message schema: this runs for every status callback on
 * the webhook hot path, and the columns' SQL types and NOT NULL constraints already fix the rest.
 */
export function toMessage(row: MessageRow): Message {
  if (row.direction !== 'inbound' && row.direction !== 'outbound') throw new CorruptRowError('messages', row.id, `direction "${row.direction}"`);
  const message: Message = {
    id: row.id,
    sid: row.sid,
    phone: row.phone,
    direction: row.direction,
    body: row.body,
    contentSid: row.content_sid,
    variables: parseStringRecord(row.variables),
    status: toStatus(row.status, row.id),
    errorCode: row.error_code,
    errorMessage: row.error_message,
    sentBy: row.sent_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    statusTimes: parseStringRecord(row.status_times) ?? {},
  };
  if (row.body_purged_at !== null) message.bodyPurgedAt = row.body_purged_at;
  return withCursor(message, row.seq);
}
