/**
 * How long a write waits for SQLite's write lock when another process holds it. better-sqlite3 waits
 * synchronously, so the whole relay (every request, live stream and Twilio call) stands still while it
 * waits. One write that waited the full busy timeout and still failed proves a long hold (a stuck tool, a
 * copy with a write lock): from then on each write tries once and fails at once (503, Twilio retries)
 * instead of freezing the process again, and the first write that gets through restores the full wait.
 */
import type Database from 'better-sqlite3';

export const BUSY_TIMEOUT_MS = 5000;

export type LockWait = (<T>(write: () => T) => T) & {
  /** True from a write that waited the full timeout and failed until one gets through. */
  readonly contended: boolean;
  /**
   * While contended: tries to take the write lock once, without waiting, and lets it go. Taking it
   * ends the contended state (the lock is free again); failing throws the busy error. So /readyz
   * says "not ready" while writes would fail, even when no write is arriving to find out.
   */
  probe(): void;
};

const isBusy = (err: unknown) => typeof (err as { code?: unknown } | null)?.code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test((err as { code: string }).code);

/** Sets the connection's busy timeout and returns the wrapper every writing transaction runs in. */
export function createLockWait(db: Database.Database, fullMs = BUSY_TIMEOUT_MS): LockWait {
  let contended = false;
  db.pragma(`busy_timeout = ${fullMs}`);
  const wait = (<T>(write: () => T): T => {
    try {
      const result = write();
      if (contended) {
        contended = false;
        db.pragma(`busy_timeout = ${fullMs}`);
      }
      return result;
    } catch (err) {
      if (!contended && isBusy(err)) {
        contended = true;
        db.pragma('busy_timeout = 0');
      }
      throw err;
    }
  }) as LockWait;
  Object.defineProperty(wait, 'contended', { get: () => contended });
  wait.probe = () => {
    if (!contended) return;
    // busy_timeout is 0 while contended: this never blocks the event loop.
    db.exec('BEGIN IMMEDIATE');
    db.exec('ROLLBACK');
    contended = false;
    db.pragma(`busy_timeout = ${fullMs}`);
  };
  return wait;
}
