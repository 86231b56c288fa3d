/**
 * Data care in the SQLite engine: retention, a contact's data deleted on request, and export
 * (semantics: relay/store/store.ts). Kept beside the store rather than in it; the store spreads
 * these methods into itself and shares its connection, so they see and take the same locks.
 */
import type Database from 'better-sqlite3';
import { PURGED_META_KEYS, PURGE_WINDOW, toAuditEvent } from '../data-care.ts';
import type { ContactExport, Store } from '../store.ts';
import { parseStringRecord, toConsentEntry, toContact, toMessage, type ConsentEventRow, type ContactRow, type MessageRow } from './rows.ts';

export type DataCare = Pick<Store, 'purgeBodies' | 'deleteContactData' | 'exportContact' | 'auditEvents'>;

interface AuditRow {
  id: number;
  at: string;
  actor: string;
  action: string;
  phone: string | null;
  detail: string;
}

const META_PATHS = PURGED_META_KEYS.map((k) => `'$.${k}'`).join(', ');

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export function sqliteDataCare(db: Database.Database, iso: (at: string) => string): DataCare {
  const s = {
    seqBounds: db.prepare<[], { lo: number | null; hi: number | null }>('SELECT min(seq) AS lo, max(seq) AS hi FROM messages'),
    // One window of the rowid: a range scan, whatever the table's size. Unreadable meta goes entirely.
    purgeWindow: db.prepare<{ lo: number; hi: number; before: string; at: string }>(
      `UPDATE messages SET body = NULL, variables = NULL, body_purged_at = @at,
              meta = CASE WHEN json_valid(meta) THEN json_remove(meta, ${META_PATHS}) END
        WHERE seq > @lo AND seq <= @hi AND created_at < @before AND body_purged_at IS NULL`,
    ),
    auditInsert: db.prepare<{ at: string; actor: string; action: string; phone: string | null; detail: string }>(
      'INSERT INTO audit_events (at, actor, action, phone, detail) VALUES (@at, @actor, @action, @phone, @detail)',
    ),
    auditAll: db.prepare<[], AuditRow>('SELECT id, at, actor, action, phone, detail FROM audit_events ORDER BY id'),
    auditOfPhone: db.prepare<[string], AuditRow>('SELECT id, at, actor, action, phone, detail FROM audit_events WHERE phone = ? ORDER BY id'),
    // Callbacks kept for these messages' sids (status_events' UNIQUE index starts with sid).
    statusEventsDelete: db.prepare<[string]>('DELETE FROM status_events WHERE sid IN (SELECT sid FROM messages WHERE phone = ? AND sid IS NOT NULL)'),
    messagesDelete: db.prepare<[string]>('DELETE FROM messages WHERE phone = ?'),
    // The row stays: consent_events refers to it, and its consent columns are the current consent.
    contactErase: db.prepare<{ phone: string; at: string }>(
      `UPDATE contacts SET profile_name = NULL, wa_id = NULL, pinpoint_id = NULL, last_inbound_at = NULL,
              updated_at = MAX(updated_at, @at)
        WHERE phone = @phone`,
    ),
    contactGet: db.prepare<[string], ContactRow>('SELECT * FROM contacts WHERE phone = ?'),
    consentHistory: db.prepare<[string], ConsentEventRow>('SELECT * FROM consent_events WHERE phone = ? ORDER BY id'),
    // Every column: the export is everything held, and meta is not part of the API's Message.
    messagesOfPhone: db.prepare<[string], MessageRow>('SELECT * FROM messages WHERE phone = ? ORDER BY seq'),
  };

  const deleteTx = db.transaction((phone: string, at: string, by: string): { messages: number } => {
    s.statusEventsDelete.run(phone);
    const messages = s.messagesDelete.run(phone).changes;
    s.contactErase.run({ phone, at });
    s.auditInsert.run({ at, actor: by, action: 'contact.deleted', phone, detail: JSON.stringify({ messages }) });
    return { messages };
  });

  // One read transaction: a snapshot, so the contact, its history and its messages agree.
  const exportTx = db.transaction((phone: string): ContactExport => {
    const contact = s.contactGet.get(phone);
    return {
      contact: contact === undefined ? null : toContact(contact),
      consentHistory: s.consentHistory.all(phone).map(toConsentEntry),
      messages: s.messagesOfPhone.all(phone).map((row) => ({ ...toMessage(row), meta: parseStringRecord(row.meta) ?? {} })),
      audit: s.auditOfPhone.all(phone).map(toAuditEvent),
    };
  });

  return {
    async purgeBodies(beforeRaw, atRaw) {
      const before = iso(beforeRaw);
      const at = iso(atRaw ?? new Date().toISOString());
      const { lo, hi } = s.seqBounds.get() ?? { lo: null, hi: null };
      let purged = 0;
      if (lo !== null && hi !== null) {
        for (let from = lo - 1; from < hi; from += PURGE_WINDOW) {
          // Each window is one statement (atomic) and its own commit; the webhooks get the lock in between.
          purged += s.purgeWindow.run({ lo: from, hi: from + PURGE_WINDOW, before, at }).changes;
          if (from + PURGE_WINDOW < hi) await yieldToEventLoop();
        }
      }
      if (purged > 0) s.auditInsert.run({ at, actor: 'retention', action: 'retention.purged', phone: null, detail: JSON.stringify({ messages: purged, before }) });
      return purged;
    },
    async deleteContactData(phone, at, by) {
      return deleteTx.immediate(phone, iso(at), by);
    },
    async exportContact(phone) {
      return exportTx.deferred(phone);
    },
    async auditEvents(phone) {
      return (phone === undefined ? s.auditAll.all() : s.auditOfPhone.all(phone)).map(toAuditEvent);
    },
  };
}
