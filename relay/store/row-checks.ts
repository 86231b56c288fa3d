/**
 * Checks both engines apply to what they store and read back, so SQLite and PostgreSQL refuse the
 * same input and fail the same way on a corrupt row.
 */
import { MESSAGE_STATUSES, type MessageStatus } from '../../shared/api.ts';

export class CorruptRowError extends Error {
  constructor(table: string, key: string, detail: string) {
    super(`corrupt ${table} row ${key}: ${detail}`);
    this.name = 'CorruptRowError';
  }
}

const STATUSES: ReadonlySet<string> = new Set(MESSAGE_STATUSES);

export function toStatus(value: string, where: string): MessageStatus {
  if (!STATUSES.has(value)) throw new CorruptRowError('messages', where, `status "${value}"`);
  return value as MessageStatus;
}

/** Every stored time is ISO 8601 UTC with milliseconds, so string order is time order (MAX, <=, >). */
export function iso(at: string): string {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) throw new RangeError(`not a timestamp: ${JSON.stringify(at)}`);
  return d.toISOString();
}
