import { describe, expect, it } from 'vitest';
import { normalizeRelayUrl, originToMatchPattern, parseHostLines, toOrigin } from './urls.ts';

describe('host lines', () => {
  it('turns what people type into origins', () => {
    expect(toOrigin('crm.example.com')).toBe('https://crm.example.com');
    expect(toOrigin(' https://crm.example.com/s/contacts/view/42 ')).toBe('https://crm.example.com');
    expect(toOrigin('http://10.0.0.5:8080')).toBe('http://10.0.0.5:8080');
    expect(toOrigin('ftp://crm.example.com')).toBeNull();
    expect(toOrigin('https://*.example.com')).toBeNull();
    expect(toOrigin('https://user:pw@crm.example.com')).toBeNull();
    expect(toOrigin('   ')).toBeNull();
  });

  it('parses one origin per line, deduplicated, and reports the rest', () => {
    expect(parseHostLines('crm.example.com\r\n\nhttps://crm.example.com/x\nhttp://mautic.local:8080\nnot a host\n')).toEqual({
      origins: ['https://crm.example.com', 'http://mautic.local:8080'],
      invalid: ['not a host'],
    });
  });

  it('makes port-less match patterns', () => {
    expect(originToMatchPattern('https://crm.example.com')).toBe('https://crm.example.com/*');
    expect(originToMatchPattern('http://mautic.local:8080')).toBe('http://mautic.local/*');
  });
});

describe('normalizeRelayUrl', () => {
  it('keeps http(s) URLs without a trailing slash', () => {
    expect(normalizeRelayUrl(' https://relay.example.com/ ')).toBe('https://relay.example.com');
    expect(normalizeRelayUrl('http://127.0.0.1:8787')).toBe('http://127.0.0.1:8787');
    expect(normalizeRelayUrl('https://example.com/relay/')).toBe('https://example.com/relay');
  });
  it('refuses everything else', () => {
    for (const bad of ['', 'relay.example.com', 'ftp://relay.example.com', 'https://relay.example.com/?x=1', 'https://a:b@relay.example.com']) {
      expect(normalizeRelayUrl(bad), bad).toBeNull();
    }
  });
});
