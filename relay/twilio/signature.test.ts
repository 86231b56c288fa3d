/**
 * The webhook signature check against Twilio's own vectors (reference §1.4, node spec/validation.spec.js),
 * the SDK's round trips, WhatsApp-shaped payloads, and a seeded random cross-check with the SDK itself.
 */
import { createHash } from 'node:crypto';
import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../test/helpers/seeded-random.ts';
import {
  computeSignature,
  formFieldsFrom,
  parseForm,
  validateTwilioSignature,
  validateTwilioSignatureWithBody,
  type FormFields,
} from './signature.ts';

const TOKEN = '12345';
const U = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const P = formFieldsFrom({
  CallSid: 'CA1234567890ABCDE',
  Caller: '+14158675309',
  Digits: '1234',
  From: '+14158675309',
  To: '+18005551212',
});
const B = '{"property": "value", "boolean": true}';
const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

describe('official vectors, form-encoded (rows 1–13, 18)', () => {
  const rows: { n: number; url: string; fields: FormFields; sig: string | undefined; valid: boolean }[] = [
    { n: 1, url: U, fields: P, sig: 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', valid: true },
    { n: 2, url: U, fields: P, sig: 'WRONG_SIGNATURE', valid: false },
    { n: 3, url: 'https://mycompany.com:1234/myapp.php?foo=1&bar=2', fields: P, sig: 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', valid: true },
    { n: 4, url: 'http://mycompany.com:1234/myapp.php?foo=1&bar=2', fields: P, sig: 'Zmvh+3yNM1Phv2jhDCwEM3q5ebU=', valid: true },
    { n: 5, url: U, fields: P, sig: 'kvajT1Ptam85bY51eRf/AJRuM3w=', valid: true },
    { n: 6, url: 'http://mycompany.com/myapp.php?foo=1&bar=2', fields: P, sig: '0ZXoZLH/DfblKGATFgpif+LLRf4=', valid: true },
    { n: 7, url: 'https://user:pass@mycompany.com/myapp.php?foo=1&bar=2', fields: P, sig: 'CukzLTc1tT5dXEDIHm/tKBanW10=', valid: true },
    { n: 8, url: 'https://user@mycompany.com/myapp.php?foo=1&bar=2', fields: P, sig: '2YRLlVAflCqxaNicjMpJcSTgzSs=', valid: true },
    { n: 9, url: 'https://user:pass@mycompany.com/myapp.php?foo=1&bar=2', fields: P, sig: 'ZQFR1PTIZXF2MXB8ZnKCvnnA+rI=', valid: true },
    { n: 10, url: U + "&Body=It's+amazing", fields: P, sig: 'TfZzewPq8wqrGlMfyAud8+/IvJ0=', valid: true },
    { n: 11, url: U, fields: formFieldsFrom({ 'MessagingBinding.Address': ['+1325xxxxxxx', '+1415xxxxxxx'] }), sig: '83O6e2vORAoJHUNzJjDWN1jz+BA=', valid: true },
    { n: 12, url: U, fields: formFieldsFrom({ 'MessagingBinding.Address': ['+1415xxxxxxx', '+1325xxxxxxx'] }), sig: '83O6e2vORAoJHUNzJjDWN1jz+BA=', valid: true },
    { n: 13, url: U, fields: formFieldsFrom({ Sid: 'CA123', SidAccount: 'AC123', Digits: ['5678', '1234', '1234'] }), sig: 'IK+Dwps556ElfBT0I3Rgjkr1wJU=', valid: true },
    { n: 18, url: U, fields: P, sig: undefined, valid: false },
  ];

  for (const row of rows) {
    it(`row ${row.n}: ${row.valid ? 'valid' : 'invalid'}`, () => {
      expect(validateTwilioSignature([TOKEN], row.sig, row.url, row.fields)).toBe(row.valid);
      // Same verdict as the SDK (it takes a plain object with arrays for repeated names).
      expect(twilio.validateRequest(TOKEN, row.sig as string, row.url, toRecord(row.fields))).toBe(row.valid);
    });
  }

  it('row 1: the signed string is exactly the documented one, and a plain HMAC-SHA1 reproduces it', () => {
    expect(computeSignature(TOKEN, U, P)).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
    const signed = 'https://mycompany.com/myapp.php?foo=1&bar=2CallSidCA1234567890ABCDECaller+14158675309Digits1234From+14158675309To+18005551212';
    expect(computeSignature(TOKEN, signed, new Map())).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
  });

  it("row 10: a raw ' signs differently from %27, and both are accepted for the URL with the raw quote", () => {
    expect(computeSignature(TOKEN, U + "&Body=It's+amazing", P)).toBe('dsq4Ehbj6cs+KdTkpF5sSSplOWw=');
    expect(validateTwilioSignature([TOKEN], 'dsq4Ehbj6cs+KdTkpF5sSSplOWw=', U + "&Body=It's+amazing", P)).toBe(true);
  });

  it('row 13: repeated values are de-duplicated and sorted', () => {
    const a = formFieldsFrom({ Sid: 'CA123', SidAccount: 'AC123', Digits: ['5678', '1234', '1234'] });
    const b = formFieldsFrom({ SidAccount: 'AC123', Digits: ['1234', '5678'], Sid: 'CA123' });
    expect(computeSignature(TOKEN, U, a)).toBe(computeSignature(TOKEN, U, b));
  });

  it('an empty header, an empty token list, or only a wrong token are rejected; any matching token is accepted', () => {
    expect(validateTwilioSignature([TOKEN], '', U, P)).toBe(false);
    expect(validateTwilioSignature([TOKEN], null, U, P)).toBe(false);
    expect(validateTwilioSignature([], 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', U, P)).toBe(false);
    expect(validateTwilioSignature([''], 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', U, P)).toBe(false);
    expect(validateTwilioSignature(['54321'], 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', U, P)).toBe(false);
    expect(validateTwilioSignature(['old-token', TOKEN], 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', U, P)).toBe(true);
    expect(validateTwilioSignature([TOKEN, 'new-token'], 'kvajT1Ptam85bY51eRf/AJRuM3w=', U, P)).toBe(true);
  });

  it('an unparsable URL is rejected without throwing (the SDK throws there)', () => {
    expect(validateTwilioSignature([TOKEN], 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', 'not a url', P)).toBe(false);
    expect(() => twilio.validateRequest(TOKEN, 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', 'not a url', toRecord(P))).toThrow();
  });

  it('a changed, added or missing field fails', () => {
    const changed = new Map(P);
    changed.set('Digits', ['1235']);
    const added = new Map(P);
    added.set('Extra', ['']);
    const missing = new Map(P);
    missing.delete('Caller');
    for (const f of [changed, added, missing]) {
      expect(validateTwilioSignature([TOKEN], 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', U, f)).toBe(false);
    }
  });
});

describe('official vectors, JSON body with bodySHA256 (rows 14–17)', () => {
  const H = sha256(B);
  const H0 = sha256('{}');
  it('the documented hashes', () => {
    expect(H).toBe('0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620');
    expect(H0).toBe('44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
  });

  const rows = [
    { n: 14, url: `${U}&bodySHA256=${H}`, body: B, sig: 'a9nBmqA0ju/hNViExpshrM61xv4=', valid: true },
    { n: 15, url: `${U}&bodySHA256=${H0}`, body: '{}', sig: 'Ldidvp12m26NI7eqEvxnEpkd9Hc=', valid: true },
    { n: 16, url: `https://mycompany.com/myapp.php?bodySHA256=${H}`, body: B, sig: 'y77kIzt2vzLz71DgmJGsen2scGs=', valid: true },
    { n: 17, url: U, body: B, sig: 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', valid: false },
  ];
  for (const row of rows) {
    it(`row ${row.n}: validateTwilioSignatureWithBody says ${row.valid ? 'valid' : 'invalid'} (as the SDK)`, () => {
      expect(validateTwilioSignatureWithBody([TOKEN], row.sig, row.url, row.body)).toBe(row.valid);
      expect(twilio.validateRequestWithBody(TOKEN, row.sig, row.url, row.body)).toBe(row.valid);
    });
    it(`row ${row.n}: the form validator rejects the JSON body parsed as a form`, () => {
      // A JSON body read as x-www-form-urlencoded becomes one odd field; Messaging never signs this way.
      expect(validateTwilioSignature([TOKEN], row.sig, row.url, parseForm(row.body))).toBe(false);
    });
  }

  it('a tampered body or a missing header fails', () => {
    expect(validateTwilioSignatureWithBody([TOKEN], 'a9nBmqA0ju/hNViExpshrM61xv4=', `${U}&bodySHA256=${H}`, B + ' ')).toBe(false);
    expect(validateTwilioSignatureWithBody([TOKEN], undefined, `${U}&bodySHA256=${H}`, B)).toBe(false);
    expect(validateTwilioSignatureWithBody([TOKEN], 'a9nBmqA0ju/hNViExpshrM61xv4=', 'garbage', B)).toBe(false);
  });
});

describe('round trips (node spec/unit/webhooks/webhooks.spec.js, token s3cr3t)', () => {
  const T = 's3cr3t';
  const pairs: [string, string][] = [
    ['https://example.com/path?test=param', 'loLgTitFAoWx57yy5oEU4Hlddzw='],
    ['https://example.com:443/path?test=param', 'IdwMFypqvNxti3YgvWWmfcNL26M='],
    ["https://example.com/path?test=param'WithQuote", 'GfI7onHX/KQ2k1oVS3cUTVk4IEw='],
    ['https://example.com/path?test=param%27WithQuote', 'HkuXLxVQ7zHv9LmGpzlLuGaxhJY='],
  ];
  for (const [url, sig] of pairs) {
    it(`${url} signs to ${sig} and validates`, () => {
      expect(computeSignature(T, url, new Map())).toBe(sig);
      expect(validateTwilioSignature([T], sig, url, new Map())).toBe(true);
    });
  }
  it('each pair cross-validates (port / no port, quote / %27)', () => {
    const [a, b, c, d] = pairs as [[string, string], [string, string], [string, string], [string, string]];
    expect(validateTwilioSignature([T], b[1], a[0], new Map())).toBe(true);
    expect(validateTwilioSignature([T], a[1], b[0], new Map())).toBe(true);
    expect(validateTwilioSignature([T], d[1], c[0], new Map())).toBe(true);
    expect(validateTwilioSignature([T], c[1], d[0], new Map())).toBe(true);
  });
  it('?test=param does not validate ?test=param2', () => {
    expect(validateTwilioSignature([T], 'loLgTitFAoWx57yy5oEU4Hlddzw=', 'https://example.com/path?test=param2', new Map())).toBe(false);
  });
});

describe('WhatsApp-shaped vectors (reference §1.4; computed on 6.2.0)', () => {
  const inbound23: Record<string, string> = {
    OriginalRepliedMessageSender: 'whatsapp:+14155238886',
    ExternalUserId: 'whatsapp:ID.4566546130240823',
    SmsMessageSid: 'SM8824d91645395b17594d92659b878468',
    FrequentlyForwarded: 'false',
    NumMedia: '0',
    ProfileName: 'teknisee',
    MessageType: 'interactive',
    SmsSid: 'SM8824d91645395b17594d92659b878468',
    WaId: '6285176810035',
    SmsStatus: 'received',
    Body: 'Konfirmasi',
    Forwarded: 'false',
    ButtonText: 'Konfirmasi',
    To: 'whatsapp:+14155238886',
    ButtonPayload: '{verifyEmail:asd@asd.com}',
    NumSegments: '1',
    ReferralNumMedia: '0',
    MessageSid: 'SM8824d91645395b17594d92659b878468',
    AccountSid: 'ACefb707f7c4ce4d15bc4261fd1d5ed615',
    OriginalRepliedMessageSid: 'MM5cc44eecf7dab0d48d4529d0fa4af44d',
    From: 'whatsapp:+6285176810035',
    ApiVersion: '2010-04-01',
    ChannelMetadata: '{"type":"whatsapp","data":{"context":{"ButtonText":"Konfirmasi","Forwarded":"false","FrequentlyForwarded":"false","ProfileName":"teknisee","WaId":"6285176810035"}}}',
  };
  const inbound18 = { ...inbound23 };
  for (const k of ['OriginalRepliedMessageSender', 'ExternalUserId', 'Forwarded', 'FrequentlyForwarded', 'ChannelMetadata']) delete inbound18[k];
  const read: Record<string, string> = {
    EventType: 'READ',
    SmsSid: 'SMd5cfa9e002d043c18defc777668b08c1',
    SmsStatus: 'read',
    MessageStatus: 'read',
    ChannelToAddress: '+91848951XXXX',
    To: 'whatsapp:+918489514086',
    ChannelPrefix: 'whatsapp',
    MessageSid: 'SMd5cfa9e002d043c18defc777668b08c1',
    AccountSid: 'ACd2b8754af33c55da6e4ec1e00e429266',
    From: 'whatsapp:+14155238886',
    ApiVersion: '2010-04-01',
  };
  const cases = [
    { name: 'inbound, 23 fields', url: 'https://relay.example.com/twilio/inbound', params: inbound23, sig: 'fk5XZzX9sBKKRsJamweca61xxVo=' },
    { name: 'inbound, 18 fields', url: 'https://relay.example.com/twilio/inbound', params: inbound18, sig: 'yLRYv4AfFv5ZqovlH/a1dvvVLHs=' },
    { name: 'READ status callback', url: 'https://relay.example.com/twilio/status?tenant=acme', params: read, sig: 'kBKjQ+cEtUJiVv6BhU7T+R7T9Aw=' },
  ];
  expect(Object.keys(inbound23)).toHaveLength(23);
  expect(Object.keys(inbound18)).toHaveLength(18);

  for (const c of cases) {
    it(`${c.name}: valid as posted (through parseForm of the real body)`, () => {
      const raw = new URLSearchParams(c.params).toString();
      const fields = parseForm(raw);
      expect(computeSignature(TOKEN, c.url, fields)).toBe(c.sig);
      expect(validateTwilioSignature([TOKEN], c.sig, c.url, fields)).toBe(true);
    });
    it(`${c.name}: fails on Body case, an added field, another token, or the internal URL`, () => {
      const fields = formFieldsFrom(c.params);
      if (fields.has('Body')) {
        const f = new Map(fields);
        f.set('Body', [(c.params.Body ?? '').toLowerCase()]);
        expect(validateTwilioSignature([TOKEN], c.sig, c.url, f)).toBe(false);
      }
      const added = new Map(fields);
      added.set('StructuredMessage', ['false']);
      expect(validateTwilioSignature([TOKEN], c.sig, c.url, added)).toBe(false);
      expect(validateTwilioSignature(['12346'], c.sig, c.url, fields)).toBe(false);
      const internal = c.url.replace('https://relay.example.com', 'http://127.0.0.1:8787');
      expect(validateTwilioSignature([TOKEN], c.sig, internal, fields)).toBe(false);
    });
  }
});

describe('parseForm', () => {
  it('keeps order and repeated names, decodes + and percent-escapes', () => {
    const f = parseForm('b=2&a=1&MediaUrl=x&MediaUrl=y&Body=It%27s+a+%F0%9F%91%8D&Empty=&Bare');
    expect([...f.keys()]).toEqual(['b', 'a', 'MediaUrl', 'Body', 'Empty', 'Bare']);
    expect(f.get('MediaUrl')).toEqual(['x', 'y']);
    expect(f.get('Body')).toEqual(["It's a 👍"]);
    expect(f.get('Empty')).toEqual(['']);
    expect(f.get('Bare')).toEqual(['']);
  });
  it('tolerates malformed escapes by keeping them literally (WHATWG), consistently', () => {
    expect(parseForm('a=%zz&b=100%&c=%E0%A4%A').get('a')).toEqual(['%zz']);
    expect(parseForm('a=%zz&b=100%').get('b')).toEqual(['100%']);
    expect(parseForm('c=%E0%A4%A').get('c')).toEqual(['\uFFFD%A']);
  });
  it('does not drop a leading ? and skips empty pieces', () => {
    expect([...parseForm('?a=1').keys()]).toEqual(['?a']);
    expect([...parseForm('&&a=1&&').entries()]).toEqual([['a', ['1']]]);
    expect(parseForm('').size).toBe(0);
  });
  it('a name with an encoded = or & stays one field', () => {
    const f = parseForm('x%3Dy=1%262');
    expect(f.get('x=y')).toEqual(['1&2']);
  });
});

// ---- property-style cross-check against the SDK -------------------------------------------------


const NAME_CHARS = ['A', 'B', 'Z', 'a', 'b', 'z', '0', '9', '_', '.', '-', '[', ']', 'É', 'é', 'ß', '中', '😀'];
const VALUE_CHARS = [...NAME_CHARS, ' ', '+', '%', '&', '=', "'", '"', '/', ':', '?', '#', '\n', '\u00a0', '{', '}'];
const URLS = [
  'https://relay.example.com/twilio/inbound',
  'https://relay.example.com:443/twilio/status?tenant=acme',
  'https://relay.example.com:8443/twilio/status?a=1&b=2',
  'http://relay.example.com/twilio/inbound',
  'http://relay.example.com:80/twilio/inbound?x=y',
  'https://user:pass@relay.example.com/p/twilio/status?q=it%27s',
  "https://Relay.Example.com/twilio/status?q=it's+fine&r=a%20b",
  'https://relay.example.com/twilio/status?k=%7Bv%7D&k=2',
  'http://[::1]:8787/twilio/inbound',
];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)] as T;
}
function str(r: () => number, chars: readonly string[], min: number, max: number): string {
  const n = min + Math.floor(r() * (max - min + 1));
  let s = '';
  for (let i = 0; i < n; i++) s += pick(r, chars);
  return s;
}

function toRecord(fields: FormFields): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of fields) out[k] = v.length === 1 ? (v[0] as string) : [...v];
  return out;
}

function randomFields(r: () => number): FormFields {
  const fields: FormFields = new Map();
  const n = Math.floor(r() * 12);
  for (let i = 0; i < n; i++) {
    const name = str(r, NAME_CHARS, 1, 6);
    if (name === '__proto__') continue;
    const repeat = r() < 0.2 ? 2 + Math.floor(r() * 3) : 1;
    const values: string[] = [];
    for (let j = 0; j < repeat; j++) values.push(r() < 0.3 && values.length > 0 ? (values[0] as string) : str(r, VALUE_CHARS, 0, 8));
    fields.set(name, values);
  }
  return fields;
}

describe('random field sets cross-checked with the SDK (seeded)', () => {
  it('300 cases: same signature, same verdicts, and the form body round-trips through parseForm', () => {
    const SEED = 20240611;
    const r = seededRandom(SEED);
    let accepted = 0;
    for (let i = 0; i < 300; i++) {
      const ctx = `seed ${SEED}, case ${i}`;
      const token = str(r, ['a', 'b', 'c', '1', '2', 'F'], 8, 32);
      const url = pick(r, URLS);
      const fields = randomFields(r);
      const record = toRecord(fields);

      const mine = computeSignature(token, url, fields);
      expect(mine, ctx).toBe(twilio.getExpectedTwilioSignature(token, url, record));

      // Signed by "Twilio" over some form of the URL: the port added, removed, or normalised.
      const signedUrl = pick(r, [url, url.replace('.com/', '.com:443/'), url.replace(':443/', '/'), new URL(url).toString()]);
      const sig = r() < 0.15 ? 'x' + mine.slice(1) : twilio.getExpectedTwilioSignature(token, signedUrl, record);
      const sdk = twilio.validateRequest(token, sig, url, record);
      expect(validateTwilioSignature([token], sig, url, fields), ctx).toBe(sdk);
      expect(validateTwilioSignature(['other-token', token], sig, url, fields), ctx).toBe(sdk);
      if (sdk) accepted++;

      // What the relay actually receives is the encoded body: parse it back to the same map.
      const body = new URLSearchParams();
      for (const [k, vs] of fields) for (const v of vs) body.append(k, v);
      expect(computeSignature(token, url, parseForm(body.toString())), ctx).toBe(mine);
    }
    // The generator must exercise both outcomes, or the loop proves nothing.
    expect(accepted).toBeGreaterThan(150);
    expect(accepted).toBeLessThan(300);
  });
});
