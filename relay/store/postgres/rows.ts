/**
 * Rows as `pg` returns them, turned back into the domain records the SQLite engine returns, value
 * for value: timestamptz arrives as a Date and leaves as ISO 8601 UTC with milliseconds (the
 * stored precision, since the store only writes normalised ISO times), bigint arrives as a string,
 * jsonb arrives parsed. Stored data is an edge too (architecture principle 2): a bad enum value
 * fails loudly here; a JSON column of the wrong shape reads as empty, as in SQLite.
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
  created_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

export interface ContactRow {
  phone: string;
  profile_name: string | null;
  wa_id: string | null;
  pinpoint_id: string | null;
  last_inbound_at: Date | null;
  consent_state: string;
  consent_source: string | null;
  consent_at: Date | null;
  consent_by: string | null;
  consent_evidence: string | null;
}

export interface ConsentEventRow {
  id: string;
  phone: string;
  state: string;
  source: string;
  changed_by: string;
  evidence: string;
  at: Date;
  message_sid: string | null;
}

export interface MessageRow {
  /** bigint: `pg` returns it as a string, which is exactly the cursor's form. */
  seq: string;
  id: string;
  sid: string | null;
  phone: string;
  direction: string;
  body: string | null;
  content_sid: string | null;
  variables: unknown;
  status: string;
  error_code: number | null;
  error_message: string | null;
  sent_by: string | null;
  status_times: unknown;
  created_at: Date;
  updated_at: Date;
  body_purged_at: Date | null;
}

export interface StatusEventRow {
  status: string;
  error_code: number | null;
  error_message: string | null;
  at: Date;
}


export function isoOf(d: Date): string {
  return d.toISOString();
}

export function isoOrNull(d: Date | null): string | null {
  return d === null ? null : d.toISOString();
}

/** A JSON object of string values, keeping only the entries that are strings; null when absent or not an object. */
export function stringRecord(value: unknown): Record<string, string> | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

export function toToken(row: TokenRow): TokenRecord {
  const role = Role.safeParse(row.role);
  if (!role.success) throw new CorruptRowError('tokens', row.id, `role "${row.role}"`);
  return { id: row.id, name: row.name, role: role.data, createdAt: isoOf(row.created_at), revokedAt: isoOrNull(row.revoked_at), lastUsedAt: isoOrNull(row.last_used_at) };
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
    lastInboundAt: isoOrNull(row.last_inbound_at),
    consentState: state.data,
    consentSource: source === null ? null : source.data,
    consentAt: isoOrNull(row.consent_at),
    consentBy: row.consent_by,
    consentEvidence: row.consent_evidence,
  };
}

export function toConsentEntry(row: ConsentEventRow): ConsentHistoryEntry {
  const state = ConsentState.safeParse(row.state);
  const source = ConsentSource.safeParse(row.source);
  if (!state.success || !source.success) throw new CorruptRowError('consent_events', row.id, `state "${row.state}" source "${row.source}"`);
  return {
    id: Number(row.id),
    phone: row.phone,
    state: state.data,
    source: source.data,
    by: row.changed_by,
    evidence: row.evidence,
    at: isoOf(row.at),
    messageSid: row.message_sid,
  };
}


/** Checked by hand rather than with zod, as in SQLite: this runs on the webhook hot path. */
export function toMessage(row: MessageRow): Message {
  if (row.direction !== 'inbound' && row.direction !== 'outbound') throw new CorruptRowError('messages', row.id, `direction "${row.direction}"`);
  const message: Message = {
    id: row.id,
    sid: row.sid,
    phone: row.phone,
    direction: row.direction,
    body: row.body,
    contentSid: row.content_sid,
    variables: stringRecord(row.variables),
    status: toStatus(row.status, row.id),
    errorCode: row.error_code,
    errorMessage: row.error_message,
    sentBy: row.sent_by,
    createdAt: isoOf(row.created_at),
    updatedAt: isoOf(row.updated_at),
    statusTimes: stringRecord(row.status_times) ?? {},
  };
  if (row.body_purged_at !== null) message.bodyPurgedAt = isoOf(row.body_purged_at);
  return withCursor(message, BigInt(row.seq));
}
