/** The account, template and SDK-error pieces, and the database check on real directories. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import twilio from 'twilio';
import { afterAll, describe, expect, it } from 'vitest';
import { accountFindings } from './check-account.ts';
import { checkDatabase } from './check-database.ts';
import { templateFindings } from './check-templates.ts';
import { describeFailure, isAuthFailure, sdkFailure } from './sdk-failure.ts';

describe('accountFindings', () => {
  const acct = { sid: 'AC' + '1'.repeat(32), friendlyName: 'Acme', type: 'Full' };
  it('active is ok; suspended and closed fail', () => {
    expect(accountFindings({ ...acct, status: 'active' })[0]).toMatchObject({ level: 'ok', text: `credentials accepted: account ${acct.sid} "Acme" (active, Full)` });
    expect(accountFindings({ ...acct, status: 'suspended' })[0]).toMatchObject({ level: 'fail', text: expect.stringMatching(/is suspended/) });
    expect(accountFindings({ ...acct, status: 'closed' })[0]).toMatchObject({ level: 'fail', text: expect.stringMatching(/is closed/) });
  });
});

describe('templateFindings', () => {
  it('counts approved templates; none approved warns', () => {
    expect(templateFindings(3, 5, false)[0]).toMatchObject({ level: 'ok', text: 'Content API reachable: 3 approved WhatsApp templates' });
    expect(templateFindings(1, 1, false)[0]?.text).toBe('Content API reachable: 1 approved WhatsApp template');
    expect(templateFindings(2, 200, true)[0]?.text).toBe('Content API reachable: at least 2 approved WhatsApp templates');
    expect(templateFindings(0, 2, false)[0]).toMatchObject({ level: 'warn', text: expect.stringMatching(/no approved WhatsApp template \(2 templates in all\)/) });
    expect(templateFindings(0, 200, true)[0]?.text).toMatch(/among the first 200 templates/);
  });
});

describe('sdkFailure', () => {
  it('reads a RestException and a transport error', () => {
    const rest = new twilio.RestException({ statusCode: 401, body: { code: 20003, message: 'Authenticate', status: 401 } });
    const f = sdkFailure(rest);
    expect(f).toMatchObject({ status: 401, code: 20003 });
    expect(isAuthFailure(f)).toBe(true);
    expect(describeFailure(f)).toBe('HTTP 401, Twilio error 20003: Authenticate');
    const net = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED', isAxiosError: true });
    expect(sdkFailure(net)).toEqual({ network: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:9' });
    expect(describeFailure(sdkFailure(net))).toBe('connect ECONNREFUSED 127.0.0.1:9');
  });
});

describe('checkDatabase', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ppw-doctor-db-'));
  afterAll(() => {
    chmodSync(join(dir, 'locked'), 0o755);
    rmSync(dir, { recursive: true, force: true });
  });
  mkdirSync(join(dir, 'locked'));
  chmodSync(join(dir, 'locked'), 0o555);
  // root ignores permission bits, so the read-only case only means something for other users.
  const isRoot = process.getuid?.() === 0;

  it('an existing writable file, or one the relay can create, is ok', () => {
    writeFileSync(join(dir, 'relay.sqlite'), '');
    expect(checkDatabase({ engine: 'sqlite', file: join(dir, 'relay.sqlite') })).toMatchObject({ level: 'ok', text: expect.stringMatching(/is writable$/) });
    expect(checkDatabase({ engine: 'sqlite', file: join(dir, 'new/deeper/relay.sqlite') })).toMatchObject({ level: 'ok', text: expect.stringMatching(/will create it$/) });
    expect(checkDatabase({ engine: 'sqlite', file: 'data/relay.sqlite' }, dir).text).toContain(join(dir, 'data/relay.sqlite'));
  });

  it('a directory, or a path under a file, fails', () => {
    expect(checkDatabase({ engine: 'sqlite', file: dir }).level).toBe('fail');
    expect(checkDatabase({ engine: 'sqlite', file: join(dir, 'relay.sqlite/x.sqlite') }).level).toBe('fail');
  });

  it.skipIf(isRoot)('a read-only directory fails', () => {
    expect(checkDatabase({ engine: 'sqlite', file: join(dir, 'locked/relay.sqlite') })).toMatchObject({ level: 'fail', text: expect.stringMatching(/is not writable/) });
  });

  it('memory and PostgreSQL are warnings', () => {
    expect(checkDatabase({ engine: 'sqlite', file: ':memory:' }).level).toBe('warn');
    expect(checkDatabase({ engine: 'postgres', url: 'postgres://u:p@db/relay' }).level).toBe('warn');
  });
});
