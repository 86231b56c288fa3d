/**
 * `npm run relay -- backup PATH` for SQLite: an online, consistent copy while the relay keeps
 * running. A second connection copies the database with SQLite's backup API in ONE step, which
 * is one read transaction: under WAL that is a snapshot of every committed transaction at that
 * moment (WAL content included) while the relay goes on writing. The copy is written beside the
 * target under a temporary name, made a self-contained file (journal_mode=DELETE: no -wal or
 * -shm to carry along), checked with PRAGMA integrity_check, and only then renamed into place, so
 * PATH is either a whole, checked backup or absent.
 */
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';

export class BackupError extends Error {
  override name = 'BackupError';
}

export interface BackupResult {
  path: string;
  bytes: number;
}

/** SQLite's backup step takes a page count; this many means "everything in one step". */
const ALL_PAGES = 0x7fffffff;

export async function backupSqlite(source: string, destination: string, opts: { force?: boolean } = {}): Promise<BackupResult> {
  const src = resolve(source);
  const dest = resolve(destination);
  if (dest === src || dest.startsWith(`${src}-`)) throw new BackupError(`${dest} is the database itself (or one of its files): choose another path`);
  if (!existsSync(src)) throw new BackupError(`there is no database at ${src} (DATABASE_URL)`);
  if (existsSync(dest) && !opts.force) throw new BackupError(`${dest} already exists: choose a new name, or add --force to replace it`);
  mkdirSync(dirname(dest), { recursive: true });

  const partial = `${dest}.partial-${process.pid}`;
  const cleanup = () => {
    for (const f of [partial, `${partial}-journal`, `${partial}-wal`, `${partial}-shm`]) rmSync(f, { force: true });
  };
  cleanup();
  try {
    // Its own connection, as the relay's process holds its own: WAL lets both read while the relay writes.
    const db = new Database(src, { fileMustExist: true });
    try {
      db.pragma('busy_timeout = 5000');
      await db.backup(partial, { progress: () => ALL_PAGES });
    } finally {
      db.close();
    }
    const copy = new Database(partial, { fileMustExist: true });
    try {
      copy.pragma('journal_mode = DELETE');
      const integrity: unknown = copy.pragma('integrity_check', { simple: true });
      if (integrity !== 'ok') throw new BackupError(`the copy failed PRAGMA integrity_check (${String(integrity)}); nothing was written to ${dest}`);
    } finally {
      copy.close();
    }
    renameSync(partial, dest);
  } catch (err) {
    cleanup();
    throw err;
  }
  return { path: dest, bytes: statSync(dest).size };
}

/** 1234567 → "1.2 MB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
