import { describe, expect, it } from 'vitest';
import { formatPairingCode, normalizePairingCode, PAIRING_ALPHABET, PairInput } from '../../shared/pairing.ts';
import { peerKey } from '../routes/pairing.ts';
import { generatePairingCode, hashPairingCode } from './pairing.ts';

describe('pairing codes', () => {
  it('are ten characters of the unambiguous alphabet, about 49.5 bits, and do not repeat', () => {
    expect(PAIRING_ALPHABET).toHaveLength(31);
    expect(PAIRING_ALPHABET).not.toMatch(/[01ILO]/);
    expect(10 * Math.log2(PAIRING_ALPHABET.length)).toBeGreaterThan(49);
    const codes = Array.from({ length: 2000 }, generatePairingCode);
    for (const c of codes) expect(c).toMatch(new RegExp(`^[${PAIRING_ALPHABET}]{10}$`));
    expect(new Set(codes).size).toBe(codes.length);
    // Every character of the alphabet turns up (a biased or truncated draw would miss some).
    expect(new Set(codes.join('')).size).toBe(PAIRING_ALPHABET.length);
  });

  it('are shown as XXXXX-XXXXX and read back forgiving case, spaces and dashes, never guessing look-alikes', () => {
    expect(formatPairingCode('ABCDE23456')).toBe('ABCDE-23456');
    for (const typed of ['ABCDE-23456', 'abcde23456', ' abcde 23456 ', 'AB-CDE-234-56']) expect(normalizePairingCode(typed)).toBe('ABCDE23456');
    for (const typed of ['', 'ABCDE-2345', 'ABCDE-234567', 'ABCDE-2345O', 'ABCDE-23451', 'ABCDE_23456']) expect(normalizePairingCode(typed)).toBeNull();
  });

  it('hash the canonical form (sha256 hex)', () => {
    expect(hashPairingCode('ABCDE23456')).toMatch(/^[0-9a-f]{64}$/);
    expect(hashPairingCode('ABCDE23456')).not.toBe(hashPairingCode('ABCDE23457'));
  });

  it('PairInput trims the name and canonicalises the code', () => {
    expect(PairInput.parse({ code: 'abcde-23456', name: ' Rita ' })).toEqual({ code: 'ABCDE23456', name: 'Rita' });
    expect(PairInput.safeParse({ code: 'abcde-23456', name: '' }).success).toBe(false);
  });
});

describe('peerKey (the attempt limit’s key)', () => {
  it('keys IPv4 by address, IPv4-mapped IPv6 as IPv4, and IPv6 by its /64', () => {
    expect(peerKey('127.0.0.1')).toBe('127.0.0.1');
    expect(peerKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(peerKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(peerKey('2001:db8:1:2::99')).toBe('2001:db8:1:2::/64');
    expect(peerKey('2001:0db8:0001:0002:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(peerKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(peerKey('::1')).toBe('0:0:0:0::/64');
    expect(peerKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(peerKey(undefined)).toBe('unknown');
  });
});
