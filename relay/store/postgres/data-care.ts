/**
 * Data care in the PostgreSQL engine: retention, a contact's data deleted on request, and export.
 * Same semantics as SQLite's (relay/store/sqlite/data-care.ts), value for value; the store spreads
 * these methods into itself and lends them its pool and its transaction helper.
 */
import type pg from 'pg';
import type { PoolClient, QueryResultRow } from 'pg';
import { PURGED_META_KEYS, PURGE_WINDOW, toAuditEvent } from '../data-care.ts';
import type { ContactExport, Store } from '../store.ts';
import { isoOf, stringRecord, toConsentEntry, toContact, toMessage, type ConsentEventRow, type ContactRow, type MessageRow } from './rows.ts';
import { MESSAGE_COLUMNS, SQL } from './statements.ts';

export type DataCare = Pick<Store, 'purgeBodies' | 'deleteContactData' | 'exportContact' | 'auditEvents'>;

interface AuditRow {
  id: string;
  at: Date;
  actor: string;
  action: string;
  phone: string | null;
  detail: unknown;
}

const q = (name: string, text: string) => ({ name: `ppw_care_${name}`, text }) as const;
const AUDIT_COLUMNS = 'id, at, actor, action, phone, detail';
const META_KEYS = `ARRAY[${PURGED_META_KEYS.map((k) => `'${k}'`).join(', ')}]::text[]`;

export const CARE_SQL = {
  seqBounds: q('seq_bounds', 'SELECT min(seq) AS lo, max(seq) AS hi FROM messages'),
  // One window of the primary key. A jsonb meta that is not an object (hand-edited) goes entirely.
  purgeWindow: q(
    'purge_window',
    `UPDATE messages SET body = NULL, variables = NULL, body_purged_at = $4::timestamptz,
            meta = CASE WHEN jsonb_typeof(meta) = 'object' THEN meta - ${META_KEYS} END
      WHERE seq > $1 AND seq <= $2 AND created_at < $3::timestamptz AND body_purged_at IS NULL`,
  ),
  auditInsert: q('audit_insert', 'INSERT INTO audit_events (at, actor, action, phone, detail) VALUES ($1::timestamptz, $2, $3, $4, $5::jsonb)'),
  auditAll: q('audit_all', `SELECT ${AUDIT_COLUMNS} FROM audit_events ORDER BY id`),
  auditOfPhone: q('audit_of_phone', `SELECT ${AUDIT_COLUMNS} FROM audit_events WHERE phone = $1 ORDER BY id`),
  statusEventsDelete: q('status_events_delete', 'DELETE FROM status_events WHERE sid IN (SELECT sid FROM messages WHERE phone = $1 AND sid IS NOT NULL)'),
  messagesDelete: q('messages_delete', 'DELETE FROM messages WHERE phone = $1'),
  // The row stays: consent_events refers to it, and its consent columns are the current consent.
  contactErase: q(
    'contact_erase',
    `UPDATE contacts SET profile_name = NULL, wa_id = NULL, pinpoint_id = NULL, last_inbound_at = NULL,
            updated_at = GREATEST(updated_at, $2::timestamptz)
      WHERE phone = $1`,
  ),
  messagesOfPhone: q('messages_of_phone', `SELECT ${MESSAGE_COLUMNS}, meta FROM messages WHERE phone = $1 ORDER BY seq`),
} as const;

type Query = { name: string; text: string };
type Queryable = Pick<PoolClient, 'query'>;

async function all<R extends QueryResultRow>(c: Queryable, query: Query, values: unknown[] = []): Promise<R[]> {
  return (await c.query<R>({ ...query, values })).rows;
}

const toAudit = (r: AuditRow) => toAuditEvent({ ...r, at: isoOf(r.at) });

export function postgresDataCare(
  pool: pg.Pool,
  tx: <T>(fn: (c: PoolClient) => Promise<T>) => Promise<T>,
  iso: (at: string) => string,
): DataCare {
  return {
    async purgeBodies(beforeRaw, atRaw) {
      const before = iso(beforeRaw);
      const at = iso(atRaw ?? new Date().toISOString());
      const [bounds] = await all<{ lo: string | null; hi: string | null }>(pool, CARE_SQL.seqBounds);
      let purged = 0;
      if (bounds?.lo != null && bounds.hi != null) {
        const hi = Number(bounds.hi);
        // Each window is one statement (atomic) and its own commit: row locks are held briefly.
        for (let from = Number(bounds.lo) - 1; from < hi; from += PURGE_WINDOW) {
          purged += (await pool.query({ ...CARE_SQL.purgeWindow, values: [from, from + PURGE_WINDOW, before, at] })).rowCount ?? 0;
        }
      }
      if (purged > 0) await pool.query({ ...CARE_SQL.auditInsert, values: [at, 'retention', 'retention.purged', null, JSON.stringify({ messages: purged, before })] });
      return purged;
    },
    async deleteContactData(phone, atRaw, by) {
      const at = iso(atRaw);
      return tx(async (c) => {
        await c.query({ ...CARE_SQL.statusEventsDelete, values: [phone] });
        const messages = (await c.query({ ...CARE_SQL.messagesDelete, values: [phone] })).rowCount ?? 0;
        await c.query({ ...CARE_SQL.contactErase, values: [phone, at] });
        await c.query({ ...CARE_SQL.auditInsert, values: [at, by, 'contact.deleted', phone, JSON.stringify({ messages })] });
        return { messages };
      });
    },
    async exportContact(phone) {
      return tx(async (c): Promise<ContactExport> => {
        // One snapshot for every query below, so the contact, its history and its messages agree.
        await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
        const [contact] = await all<ContactRow>(c, SQL.contactGet, [phone]);
        const history = await all<ConsentEventRow>(c, SQL.consentHistory, [phone]);
        const messages = await all<MessageRow & { meta: unknown }>(c, CARE_SQL.messagesOfPhone, [phone]);
        const audit = await all<AuditRow>(c, CARE_SQL.auditOfPhone, [phone]);
        return {
          contact: contact === undefined ? null : toContact(contact),
          consentHistory: history.map(toConsentEntry),
          messages: messages.map((row) => ({ ...toMessage(row), meta: stringRecord(row.meta) ?? {} })),
          audit: audit.map(toAudit),
        };
      });
    },
    async auditEvents(phone) {
      const rows = phone === undefined ? await all<AuditRow>(pool, CARE_SQL.auditAll) : await all<AuditRow>(pool, CARE_SQL.auditOfPhone, [phone]);
      return rows.map(toAudit);
    },
  };
}
