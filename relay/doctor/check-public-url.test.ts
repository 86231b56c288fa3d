import { describe, expect, it } from 'vitest';
import { checkPublicUrl, isLoopbackHost, isPrivateHost } from './check-public-url.ts';

const levels = (url: string, mode: 'simulator' | 'live') => checkPublicUrl(url, mode).map((f) => f.level);

describe('host classification', () => {
  it('knows loopback hosts', () => {
    for (const h of ['localhost', 'app.localhost', '127.0.0.1', '127.1.2.3', '[::1]', '0.0.0.0']) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['relay.example.com', '10.0.0.1', '128.0.0.1']) expect(isLoopbackHost(h)).toBe(false);
  });
  it('knows private ranges', () => {
    for (const h of ['10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.10', '169.254.1.1', '100.64.0.1', '[fd12:3456::1]', '[fe80::1]']) expect(isPrivateHost(h)).toBe(true);
    for (const h of ['172.32.0.1', '8.8.8.8', 'relay.example.com', '[2001:db8::1]']) expect(isPrivateHost(h)).toBe(false);
  });
});

describe('checkPublicUrl', () => {
  it('a public https URL is ok and lists the URLs to give Twilio', () => {
    const [f] = checkPublicUrl('https://relay.example.com', 'live');
    expect(f?.level).toBe('ok');
    expect(f?.text).toContain('https://relay.example.com/twilio/inbound');
    expect(f?.text).toContain('https://relay.example.com/twilio/fallback');
  });

  it('localhost: fine for the simulator, a failure when live', () => {
    expect(levels('http://127.0.0.1:8787', 'simulator')).toEqual(['ok']);
    const [f] = checkPublicUrl('http://localhost:8787', 'live');
    expect(f?.level).toBe('fail');
    expect(f?.text).toMatch(/Twilio cannot reach it/);
    expect(f?.fix).toMatch(/^set PUBLIC_URL to the public https address/);
  });

  it('a private address fails live and warns in the simulator; an internal name warns', () => {
    expect(levels('https://192.168.1.20', 'live')).toEqual(['fail']);
    expect(levels('https://192.168.1.20', 'simulator')).toEqual(['warn']);
    expect(levels('https://relay.corp', 'live')).toEqual(['warn']);
    expect(levels('https://relayhost', 'live')).toEqual(['warn']);
  });

  it('plain http outside localhost warns', () => {
    const [f] = checkPublicUrl('http://relay.example.com', 'live');
    expect(f?.level).toBe('warn');
    expect(f?.text).toMatch(/plain http/);
  });

  it('a webhook URL given as PUBLIC_URL fails, with the base URL to use instead', () => {
    for (const suffix of ['/twilio/inbound', '/twilio/status', '/twilio']) {
      const findings = checkPublicUrl(`https://relay.example.com/app${suffix}`, 'live');
      expect(findings.map((f) => f.level)).toEqual(['ok', 'fail']);
      expect(findings[1]?.fix).toBe('set PUBLIC_URL=https://relay.example.com/app');
    }
  });

  it('a path prefix is noted; doubled slashes and %-escapes warn', () => {
    const prefixed = checkPublicUrl('https://example.com/relay', 'live');
    expect(prefixed.map((f) => f.level)).toEqual(['ok', 'ok']);
    expect(prefixed[1]?.text).toMatch(/\/relay\/twilio\/\*/);
    expect(levels('https://example.com/a//b', 'live')).toEqual(['ok', 'warn']);
    expect(levels('https://example.com/my%20relay', 'live')).toEqual(['ok', 'warn']);
  });
});
