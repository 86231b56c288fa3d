import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.ts';

const SID = 'AC' + 'a'.repeat(32);

describe('parseConfig', () => {
  it('defaults to simulator mode on 127.0.0.1:8787 with SQLite in ./data', () => {
    const c = parseConfig({});
    expect(c.port).toBe(8787);
    expect(c.host).toBe('127.0.0.1');
    expect(c.publicUrl).toBe('http://127.0.0.1:8787');
    expect(c.database).toEqual({ engine: 'sqlite', file: './data/relay.sqlite' });
    expect(c.twilio.mode).toBe('simulator');
    expect(c.twilio.authToken).toMatch(/^[0-9a-f]{48}$/);
  });

  it('uses live Twilio when credentials and a sender are set', () => {
    const c = parseConfig({ TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: 'x'.repeat(32), TWILIO_WHATSAPP_FROM: '+14155238886', PUBLIC_URL: 'https://relay.example.com/' });
    expect(c.twilio).toMatchObject({ mode: 'live', from: 'whatsapp:+14155238886', sender: 'whatsapp:+14155238886' });
    expect(c.publicUrl).toBe('https://relay.example.com');
  });

  it.each([
    [{ PORT: 'eighty' }, /^PORT: /],
    [{ PORT: '70000' }, /^PORT: /],
    [{ PUBLIC_URL: 'relay.example.com' }, /^PUBLIC_URL: /],
    [{ PUBLIC_URL: 'ftp://relay.example.com' }, /^PUBLIC_URL: /],
    [{ PUBLIC_URL: 'https://my_relay.example.com' }, /^PUBLIC_URL: .*underscores/],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL: /],
    [{ TWILIO_ACCOUNT_SID: 'AC123' }, /^TWILIO_ACCOUNT_SID: /],
    [{ TWILIO_ACCOUNT_SID: SID }, /^TWILIO_AUTH_TOKEN: required/],
    [{ TWILIO_AUTH_TOKEN: 'x'.repeat(32) }, /^TWILIO_ACCOUNT_SID: required/],
    [{ TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: 'x'.repeat(32) }, /^TWILIO_WHATSAPP_FROM: /],
    [{ TWILIO_WHATSAPP_FROM: '14155238886' }, /^TWILIO_WHATSAPP_FROM: /],
    [{ TWILIO_API_BASE_URL: 'not a url' }, /^TWILIO_API_BASE_URL: /],
  ])('%j fails with one line naming the variable', (env, message) => {
    let err: unknown;
    try {
      parseConfig(env as Record<string, string>);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('\n');
  });
});

describe('BODY_RETENTION_DAYS', () => {
  it('is unset (keep bodies forever) by default or when empty, else a whole number of days from 1 to 3650', () => {
    expect(parseConfig({}).bodyRetentionDays).toBeNull();
    expect(parseConfig({ BODY_RETENTION_DAYS: '' }).bodyRetentionDays).toBeNull();
    expect(parseConfig({ BODY_RETENTION_DAYS: '30' }).bodyRetentionDays).toBe(30);
    expect(parseConfig({ BODY_RETENTION_DAYS: '3650' }).bodyRetentionDays).toBe(3650);
    for (const bad of ['0', '3651', '1.5', 'ninety', '-3']) {
      expect(() => parseConfig({ BODY_RETENTION_DAYS: bad })).toThrow(/^BODY_RETENTION_DAYS: must be a whole number of days from 1 to 3650/);
    }
  });
});
