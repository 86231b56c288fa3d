/**
 * Whether the relay will be able to write its database, without opening it: `doctor` must be cheap
 * and must not create or migrate anything. Mirrors what openStore does (mkdir -p, then SQLite with WAL,
 * which also needs to create `-wal`/`-shm` files beside the database, so the directory must be writable).
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Config } from '../config.ts';
import { fail, ok, warn, type Finding } from './finding.ts';

const writable = (path: string): boolean => {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
};

const exists = (path: string): 'file' | 'dir' | undefined => {
  try {
    return statSync(path).isDirectory() ? 'dir' : 'file';
  } catch {
    return undefined;
  }
};

export function checkDatabase(database: Config['database'], cwd = process.cwd()): Finding {
  if (database.engine === 'postgres') {
    return warn('DATABASE_URL is PostgreSQL: doctor does not connect to it', 'check it with `psql "$DATABASE_URL" -c "select 1"`');
  }
  if (database.file === ':memory:') {
    return warn('DATABASE_URL=file::memory: keeps nothing across restarts (tokens, consent and messages are lost)', 'set DATABASE_URL=file:./data/relay.sqlite');
  }
  const file = resolve(cwd, database.file);
  const dir = dirname(file);
  const kind = exists(file);
  if (kind === 'dir') return fail(`DATABASE_URL points at the directory ${file}, not a file`, 'set DATABASE_URL=file:<directory>/relay.sqlite');
  if (kind === 'file') {
    if (!writable(file)) return fail(`the SQLite database ${file} is not writable by this user`, `fix its owner or permissions (chmod u+w ${file}), or set DATABASE_URL`);
    if (!writable(dir)) return fail(`the directory ${dir} is not writable: SQLite needs to create its -wal and -shm files there`, `fix the directory's permissions, or set DATABASE_URL`);
    return ok(`SQLite database ${file} is writable`);
  }
  // The relay creates missing directories, so what matters is the nearest one that exists.
  let ancestor = dir;
  while (!exists(ancestor) && dirname(ancestor) !== ancestor) ancestor = dirname(ancestor);
  if (exists(ancestor) !== 'dir') return fail(`cannot create ${dir}: ${ancestor} is a file`, 'set DATABASE_URL=file:<writable directory>/relay.sqlite');
  if (!writable(ancestor)) return fail(`cannot create the SQLite database ${file}: ${ancestor} is not writable by this user`, 'fix its permissions, or set DATABASE_URL=file:<writable directory>/relay.sqlite');
  return ok(`SQLite database ${file} does not exist yet; the relay will create it`);
}
