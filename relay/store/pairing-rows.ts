/**
 * A pairing_codes row as either engine returns it (SQLite: ISO text; PostgreSQL: timestamptz as a
 * Date), turned into the domain record. A bad role fails loudly, as for tokens.
 */
import { PairingRole } from '../../shared/pairing.ts';
import type { PairingCodeRecord } from './store.ts';

type Time = string | Date;

export interface PairingCodeRow {
  id: string;
  role: string;
  created_by: string;
  created_at: Time;
  expires_at: Time;
  used_at: Time | null;
  used_by_token_id: string | null;
}

/** Every column but the hash, which never leaves the store. */
export const PAIRING_CODE_COLUMNS = 'id, role, created_by, created_at, expires_at, used_at, used_by_token_id';

const isoOf = (t: Time): string => (t instanceof Date ? t : new Date(t)).toISOString();

export function toPairingCode(row: PairingCodeRow): PairingCodeRecord {
  const role = PairingRole.safeParse(row.role);
  if (!role.success) throw new Error(`pairing_codes row ${row.id} is corrupt: role "${row.role}"`);
  return {
    id: row.id,
    role: role.data,
    createdBy: row.created_by,
    createdAt: isoOf(row.created_at),
    expiresAt: isoOf(row.expires_at),
    usedAt: row.used_at === null ? null : isoOf(row.used_at),
    usedByTokenId: row.used_by_token_id,
  };
}
