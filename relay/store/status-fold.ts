/**
 * How one status event changes a message's status fields. Engine-neutral and pure, so SQLite and
 * PostgreSQL apply callbacks identically; each engine only supplies the row and the transaction.
 * The ordering rule itself (forward-only ranks, failures only before delivered, terminal statuses
 * frozen) is shared/message-status.ts, the same table the panel uses.
 */
import type { MessageStatus } from '../../shared/api.ts';
import { advanceStatus, isFailure } from '../../shared/message-status.ts';

export interface StatusFields {
  status: MessageStatus;
  errorCode: number | null;
  errorMessage: string | null;
  statusTimes: Record<string, string>;
  updatedAt: string;
}

export interface StatusEvent {
  status: MessageStatus;
  errorCode: number | null;
  errorMessage: string | null;
  /** Normalised ISO UTC, so string order is time order. */
  at: string;
}

/** Records `status` as seen at `at`, keeping the earliest time when it was already seen. */
export function noteStatusTime(times: Record<string, string>, status: MessageStatus, at: string): Record<string, string> {
  const seen = times[status];
  return seen !== undefined && seen <= at ? times : { ...times, [status]: at };
}

export function foldStatus(s: StatusFields, e: StatusEvent): { fields: StatusFields; changed: boolean } {
  const next = advanceStatus(s.status, e.status);
  const changed = next !== s.status;
  // The error belongs to the failure that actually applied: a late 'undelivered' after 'read' is
  // kept in status_events but must not paint an error on a message that was read.
  const failed = changed && isFailure(next);
  return {
    changed,
    fields: {
      status: next,
      errorCode: failed ? e.errorCode : s.errorCode,
      errorMessage: failed ? e.errorMessage : s.errorMessage,
      // Every status seen gets its time, even one that did not advance ('delivered' after 'read'):
      // reports measure time-to-delivered from it.
      statusTimes: noteStatusTime(s.statusTimes, e.status, e.at),
      // Out-of-order callbacks must not move updatedAt backwards.
      updatedAt: e.at > s.updatedAt ? e.at : s.updatedAt,
    },
  };
}

/**
 * The status times copied onto plain columns for manager reports, derived from status_times alone so
 * every engine writes the same values wherever it writes status_times. *_at are the first time each
 * status was seen (failedAt: failed or undelivered, whichever first); toDeliveredMs and toReadMs are
 * the milliseconds from creation to the first delivered-or-read callback and to the first read one.
 */
export interface StatusColumns {
  sentAt: string | null;
  deliveredAt: string | null;
  readAt: string | null;
  failedAt: string | null;
  toDeliveredMs: number | null;
  toReadMs: number | null;
}

const earliest = (a: string | undefined, b: string | undefined): string | null => (a === undefined ? (b ?? null) : b === undefined || a <= b ? a : b);

export function statusColumns(createdAt: string, times: Readonly<Record<string, string>>): StatusColumns {
  const created = Date.parse(createdAt);
  const since = (at: string | null): number | null => {
    if (at === null) return null;
    const ms = Date.parse(at) - created;
    return Number.isFinite(ms) ? ms : null;
  };
  const deliveredOrRead = earliest(times.delivered, times.read);
  return {
    sentAt: times.sent ?? null,
    deliveredAt: times.delivered ?? null,
    readAt: times.read ?? null,
    failedAt: earliest(times.failed, times.undelivered),
    toDeliveredMs: since(deliveredOrRead),
    toReadMs: since(times.read ?? null),
  };
}
