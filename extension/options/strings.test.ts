import { describe, expect, it } from 'vitest';
import { en, es, optionsT, pt } from './strings.ts';

describe('options strings', () => {
  it('have the same keys in every language', () => {
    const keys = Object.keys(en).sort();
    expect(Object.keys(es).sort()).toEqual(keys);
    expect(Object.keys(pt).sort()).toEqual(keys);
  });

  it('use the same placeholders in every language', () => {
    const params = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(en) as Array<keyof typeof en>) {
      expect(params(es[key]), key).toEqual(params(en[key]));
      expect(params(pt[key]), key).toEqual(params(en[key]));
    }
  });

  it('keep the contract labels in English', () => {
    const t = optionsT('en');
    expect([t('relayUrl'), t('token'), t('save'), t('test')]).toEqual(['Relay URL', 'Access token', 'Save', 'Test connection']);
    expect(t('connectedAs', { name: 'Ana', role: 'rep' })).toBe('Connected as Ana (rep)');
  });
});
