import { describe, it, expect } from 'vitest';
import {
  normalizePhone, countryToIso, toWhatsAppAddress, fromWhatsAppAddress, isE164, formatPhoneForDisplay,
} from './phone.ts';
import { COUNTRY_DIALING } from './country-dialing.ts';

const E164_RE = /^\+[1-9]\d{7,14}$/;

describe('normalizePhone', () => {
  it.each([
    ['(11) 98765-4321', 'BR', '+5511987654321'],
    ['022 2345 6789', 'IN', '+912223456789'],
    ['+91 98765 43210', 'BR', '+919876543210'],
    ['+91 98765 43210', null, '+919876543210'],
    ['+91 98765 43210', 'no such country', '+919876543210'],
    ['0044 20 7946 0958', null, '+442079460958'],
    ['07700 900123', 'United Kingdom', '+447700900123'],
    ['(415) 555-2671', 'US', '+14155552671'],
  ])('spec example %j with %j → %s', (raw, country, expected) => {
    expect(normalizePhone(raw, country)).toBe(expected);
  });

  it.each([
    ['abc', 'BR'],
    ['12', 'BR'],
    ['98765-4321', null],
    ['98765-4321', undefined],
    ['', 'BR'],
    ['   ', 'BR'],
    ['+', 'BR'],
    ['00', 'BR'],
    ['+0 123 456 789', null], // country codes never start with 0
    ['+1234567', null], // too short for E.164
    ['+1234567890123456', null], // 16 digits: too long for E.164
    ['12+34567890', 'BR'], // a plus inside the number
    ['+55 11 98765-4321 ext. 12', null], // extensions don't exist on WhatsApp
  ])('%j with %j → null', (raw, country) => {
    expect(normalizePhone(raw, country)).toBeNull();
  });

  it('accepts Mautic country names case-insensitively and ISO codes in any case', () => {
    expect(normalizePhone('(11) 98765-4321', 'Brazil')).toBe('+5511987654321');
    expect(normalizePhone('(11) 98765-4321', 'brazil')).toBe('+5511987654321');
    expect(normalizePhone('(11) 98765-4321', 'br')).toBe('+5511987654321');
    expect(normalizePhone('022 2345 6789', 'India')).toBe('+912223456789');
    expect(normalizePhone('(415) 555-2671', 'United States')).toBe('+14155552671');
    expect(normalizePhone('07700 900123', 'GB')).toBe('+447700900123');
  });

  it('strips the whatsapp: prefix, NBSP, dots, dashes, slashes and unicode dashes', () => {
    expect(normalizePhone('whatsapp:+14155238886')).toBe('+14155238886');
    expect(normalizePhone('WhatsApp: +1 415 523 8886')).toBe('+14155238886');
    expect(normalizePhone('+55\u00a011\u00a098765\u20114321')).toBe('+5511987654321');
    expect(normalizePhone('415.555.2671', 'US')).toBe('+14155552671');
    expect(normalizePhone('030/1234567', 'DE')).toBe('+49301234567');
    expect(normalizePhone('tel:+442079460958')).toBe('+442079460958');
  });

  it('drops national trunk prefixes only where they exist', () => {
    expect(normalizePhone('030 1234567', 'Germany')).toBe('+49301234567');
    expect(normalizePhone('01 23 45 67 89', 'France')).toBe('+33123456789');
    expect(normalizePhone('1 (415) 555-2671', 'US')).toBe('+14155552671');
    expect(normalizePhone('8 (912) 345-67-89', 'Russia')).toBe('+79123456789');
    expect(normalizePhone('06 1 234 5678', 'Hungary')).toBe('+3612345678');
    // Italy keeps its leading 0 in international format
    expect(normalizePhone('06 1234 5678', 'Italy')).toBe('+390612345678');
    expect(normalizePhone('0412 345 678', 'Australia')).toBe('+61412345678');
  });

  it('handles the Brazilian carrier-code long-distance form', () => {
    expect(normalizePhone('0 21 11 98765-4321', 'BR')).toBe('+5511987654321');
    expect(normalizePhone('0 21 11 8765-4321', 'BR')).toBe('+551187654321');
    expect(normalizePhone('011 98765-4321', 'BR')).toBe('+5511987654321');
  });

  it('recognises a country code typed without the plus', () => {
    expect(normalizePhone('5511987654321', 'BR')).toBe('+5511987654321');
    expect(normalizePhone('91 98765 43210', 'IN')).toBe('+919876543210');
    expect(normalizePhone('14155552671', 'CA')).toBe('+14155552671');
  });

  it('handles "+44 (0)20" bracketed trunk zeros', () => {
    expect(normalizePhone('+44 (0)20 7946 0958')).toBe('+442079460958');
    expect(normalizePhone('+49 (0) 30 1234567')).toBe('+49301234567');
    expect(normalizePhone('(0)20 7946 0958', 'GB')).toBe('+442079460958');
    expect(normalizePhone('+39 (0)6 1234 5678')).toBe('+390612345678');
  });

  it('reads full-width and Arabic-Indic digits', () => {
    expect(normalizePhone('＋９１ ９８７６５ ４３２１０')).toBe('+919876543210');
    expect(normalizePhone('٠٥٠١٢٣٤٥٦٧', 'AE')).toBe('+971501234567');
  });

  it('rejects hostile input without throwing', () => {
    const hostile = [
      '<script>alert(1)</script>',
      '+55 11 <b>98765</b>-4321',
      '📞 +55 11 98765-4321',
      '+55 11 98765-4321 😀',
      '9'.repeat(1_000_000),
      '+' + '1'.repeat(100),
      ' '.repeat(100_000) + '+5511987654321',
      'null',
      'undefined',
      '+55\u202e11987654321', // right-to-left override
      '+55 11 98765-4321\n+55 11 91234-5678',
    ];
    for (const raw of hostile) expect(normalizePhone(raw, 'BR')).toBeNull();
    expect(normalizePhone(null as unknown as string, 'BR')).toBeNull();
    expect(normalizePhone(42 as unknown as string, 'BR')).toBeNull();
  });

  it('always returns E.164 or null', () => {
    const inputs = ['(11) 98765-4321', '0', '000000000000', '+1 000 000 0000', '0000 0000', '1', '+999999999999999'];
    for (const raw of inputs) {
      for (const country of ['BR', 'US', 'IN', 'GB', 'DE', 'IT', null]) {
        const out = normalizePhone(raw, country);
        if (out !== null) expect(out).toMatch(E164_RE);
      }
    }
  });

  it('is fast on huge input', () => {
    const started = Date.now();
    for (let i = 0; i < 100; i++) normalizePhone('1 '.repeat(500_000), 'BR');
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('countryToIso', () => {
  it.each([
    ['Brazil', 'BR'], ['br', 'BR'], ['BR', 'BR'], ['Brasil', 'BR'], ['  brazil  ', 'BR'],
    ['India', 'IN'], ['United States', 'US'], ['united states of america', 'US'], ['USA', 'US'],
    ['United Kingdom', 'GB'], ['UK', 'GB'], ['gb', 'GB'], ['Deutschland', 'DE'], ['México', 'MX'], ['Mexico', 'MX'],
    ["Côte d'Ivoire", 'CI'], ['cote d ivoire', 'CI'], ['Korea, Republic of', 'KR'], ['Türkiye', 'TR'],
    ['The Netherlands', 'NL'], ['Trinidad & Tobago', 'TT'],
  ])('%j → %s', (input, iso) => {
    expect(countryToIso(input)).toBe(iso);
  });

  it.each([[null], [undefined], [''], ['  '], ['XX'], ['Atlantis'], ['<img src=x>'], ['🇧🇷'], ['x'.repeat(10_000)]])(
    '%j → null', (input) => {
      expect(countryToIso(input)).toBeNull();
    },
  );
});

describe('country dialing table', () => {
  it('covers the required markets', () => {
    const isos = new Set(COUNTRY_DIALING.map((c) => c.iso));
    const required = [
      'US', 'CA', 'MX', 'BR', 'AR', 'CL', 'CO', 'PE', 'VE', 'EC', 'BO', 'PY', 'UY', 'GY', 'SR', 'GT', 'HN', 'SV', 'NI', 'CR', 'PA',
      'CU', 'DO', 'HT', 'JM', 'BZ', 'BS', 'BB', 'TT',
      'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT', 'LU', 'MT', 'NL', 'PL',
      'PT', 'RO', 'SK', 'SI', 'ES', 'SE',
      'IN', 'ID', 'PH', 'NG', 'ZA', 'AE', 'SA', 'AU', 'NZ', 'JP', 'CN', 'KR', 'SG', 'MY', 'TR', 'IL', 'EG', 'KE', 'PK', 'BD', 'GB',
    ];
    for (const iso of required) expect(isos, iso).toContain(iso);
    expect(isos.size).toBeGreaterThanOrEqual(60);
  });

  it('has well-formed, unique entries', () => {
    const seen = new Set<string>();
    for (const c of COUNTRY_DIALING) {
      expect(c.iso).toMatch(/^[A-Z]{2}$/);
      expect(c.dial).toMatch(/^[1-9]\d{0,2}$/);
      expect(c.nsn[0]).toBeLessThanOrEqual(c.nsn[1]);
      expect(seen.has(c.iso), c.iso).toBe(false);
      seen.add(c.iso);
    }
  });

  it('maps every listed name back to its country', () => {
    for (const c of COUNTRY_DIALING) {
      for (const name of c.names) expect(countryToIso(name), name).toBe(c.iso);
    }
  });
});

describe('WhatsApp addresses', () => {
  it('adds and removes the whatsapp: prefix', () => {
    expect(toWhatsAppAddress('+5511987654321')).toBe('whatsapp:+5511987654321');
    expect(toWhatsAppAddress('whatsapp:+5511987654321')).toBe('whatsapp:+5511987654321');
    expect(fromWhatsAppAddress('whatsapp:+14155238886')).toBe('+14155238886');
    expect(fromWhatsAppAddress('+14155238886')).toBe('+14155238886');
  });

  it('round-trips', () => {
    expect(fromWhatsAppAddress(toWhatsAppAddress('+447700900123'))).toBe('+447700900123');
  });

  it('refuses to build an address from a non-E.164 string', () => {
    for (const bad of ['', '5511987654321', '+55 11 98765 4321', 'whatsapp:', '<b>+1</b>']) {
      expect(() => toWhatsAppAddress(bad)).toThrow(RangeError);
    }
  });

  it.each([
    [''], ['whatsapp:'], ['whatsapp:abc'], ['sms:+14155238886'], ['whatsapp:14155238886'], ['messenger:+14155238886'],
    ['whatsapp:+1 415 523 8886'], ['<script>'], ['whatsapp:+' + '1'.repeat(10_000)],
  ])('fromWhatsAppAddress(%j) → null', (junk) => {
    expect(fromWhatsAppAddress(junk)).toBeNull();
  });
});

describe('isE164', () => {
  it('accepts E.164 only', () => {
    expect(isE164('+5511987654321')).toBe(true);
    expect(isE164('+12345678')).toBe(true);
    expect(isE164('+123456789012345')).toBe(true);
    for (const bad of ['', '+', '5511987654321', '+05511987654321', '+1234567', '+1234567890123456', ' +5511987654321',
      '+5511987654321\n', 'whatsapp:+5511987654321', '+55 11 98765 4321']) {
      expect(isE164(bad), JSON.stringify(bad)).toBe(false);
    }
    expect(isE164(undefined as unknown as string)).toBe(false);
  });
});

describe('formatPhoneForDisplay', () => {
  it.each([
    ['+5511987654321', '+55 11 98765 4321'],
    ['+551187654321', '+55 11 8765 4321'],
    ['+14155552671', '+1 415 555 2671'],
    ['+919876543210', '+91 98765 43210'],
    ['+447700900123', '+44 7700 900123'],
    ['+442079460958', '+44 20 7946 0958'],
    ['+33123456789', '+33 123 45 6789'],
  ])('%s → %s', (input, out) => {
    expect(formatPhoneForDisplay(input)).toBe(out);
  });

  it('keeps every digit in order', () => {
    for (const n of ['+49301234567', '+971501234567', '+6512345678', '+85212345678', '+3612345678']) {
      expect(formatPhoneForDisplay(n).replace(/ /g, '')).toBe(n);
    }
  });

  it('returns non-E.164 input unchanged', () => {
    expect(formatPhoneForDisplay('abc')).toBe('abc');
    expect(formatPhoneForDisplay('')).toBe('');
    expect(formatPhoneForDisplay('+999123456789')).toBe('+999123456789'); // unassigned code
  });
});
