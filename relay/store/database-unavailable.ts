/**
 * Tells "the database can't be reached or is locked right now" apart from every other failure, so the
 * relay answers it with a 503 and a Retry-After instead of a 500: Twilio retries a webhook either way,
 * but a rep's panel (and an operator reading logs) should hear "try again shortly", not "the relay is
 * broken". The store call that threw wrote nothing (each is one transaction), so a retry is safe.
 */
import { RelayError } from '../errors.ts';

/** Seconds a client is asked to wait: a lock or a failover is usually over well within this. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

// Socket-level failures of the PostgreSQL connection (the server, or the way to it, is gone).
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// PostgreSQL SQLSTATEs meaning "not now": shutting down or starting, too many connections, out of disk or memory.
const PG_STATES = new Set(['57P01', '57P02', '57P03', '53000', '53100', '53200', '53300']);
// What node-postgres says when a connection ends under it, cannot be had in time, or a query goes unanswered.
const PG_MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect|Connection terminated due to connection timeout|Query read timeout|Client has encountered a connection error and is not queryable)/;

export function isDatabaseUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    // better-sqlite3: the write lock was not had within busy_timeout (SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT, SQLITE_LOCKED…).
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return true;
    if (NETWORK_CODES.has(code) || PG_STATES.has(code) || code.startsWith('08')) return true;
  }
  return typeof message === 'string' && PG_MESSAGES.test(message);
}

export function databaseUnavailableError(): RelayError {
  return new RelayError('DATABASE_UNAVAILABLE', 'The relay’s database is unavailable right now. Try again in a few seconds.');
}
