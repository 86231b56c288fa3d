/** The relay's commands as an admin runs them: real processes, a real database file. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'ppw-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const relay = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'relay/index.ts', ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_URL: `file:${join(dir, 'cli.sqlite')}`, ...env },
  });

describe('relay CLI', () => {
  it('tokens create prints the token alone on the last line; list shows it; revoke ends it', () => {
    const created = relay(['tokens', 'create', '--name', 'Rita Rep', '--role', 'rep']);
    expect(created.status).toBe(0);
    const lines = created.stdout.trim().split('\n');
    expect(lines.at(-1)).toMatch(/^ppw_[A-Za-z0-9_-]{43}$/);
    const listed = relay(['tokens', 'list']);
    expect(listed.stdout).toContain('Rita Rep');
    expect(listed.stdout).not.toContain(lines.at(-1)!);
    const id = /^(tok_\S+)\trep\tactive/m.exec(listed.stdout)?.[1];
    expect(id).toBeDefined();
    expect(relay(['tokens', 'revoke', id!]).status).toBe(0);
    expect(relay(['tokens', 'list']).stdout).toMatch(new RegExp(`${id}\\trep\\trevoked`));
    expect(relay(['tokens', 'revoke', 'tok_nope']).status).toBe(1);
  });

  it('refuses a bad role or a missing name', () => {
    expect(relay(['tokens', 'create', '--name', 'X', '--role', 'boss']).status).toBe(2);
    expect(relay(['tokens', 'create', '--role', 'rep']).status).toBe(2);
  });

  it('a bad variable stops the relay at start with one line naming it', () => {
    const res = relay(['serve'], { PORT: 'eighty' });
    expect(res.status).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/^Invalid configuration: PORT: /);
  });
});
