/**
 * What both engines share for data care (retention, deletion and export of a contact's data).
 */
import type { AuditAction, AuditEvent } from './store.ts';

/**
 * The webhook extras (relay/twilio/webhook-forms.ts INBOUND_META_FIELDS) that carry what the
 * contact said or where they were: retention removes these with the body. NumMedia, MessageType,
 * MediaContentType0 and OriginalRepliedMessageSid say what kind of message it was, and stay.
 */
export const PURGED_META_KEYS = ['ButtonText', 'ButtonPayload', 'Latitude', 'Longitude', 'ReferralSourceUrl', 'ReferralCtwaClid'] as const;

/** Messages (by seq) per retention statement: bounds how long one statement holds SQLite's write lock (a few ms). */
export const PURGE_WINDOW = 5000;

const ACTIONS: ReadonlySet<string> = new Set<AuditAction>(['contact.deleted', 'retention.purged']);

/** A stored audit row back to a record; a hand-edited action fails loudly, a bad detail reads as empty. */
export function toAuditEvent(row: { id: number | string; at: string; actor: string; action: string; phone: string | null; detail: unknown }): AuditEvent {
  if (!ACTIONS.has(row.action)) throw new Error(`corrupt audit_events row ${row.id}: action "${row.action}"`);
  let detail: unknown = row.detail;
  if (typeof detail === 'string') {
    try {
      detail = JSON.parse(detail);
    } catch {
      detail = {};
    }
  }
  const out: Record<string, string | number> = {};
  if (typeof detail === 'object' && detail !== null && !Array.isArray(detail)) {
    for (const [k, v] of Object.entries(detail)) if (typeof v === 'string' || typeof v === 'number') out[k] = v;
  }
  return { id: Number(row.id), at: row.at, actor: row.actor, action: row.action as AuditAction, phone: row.phone, detail: out };
}
