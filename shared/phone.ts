/**
 * Phone numbers as CRM fields hold them ("(11) 98765-4321", "022 2345 6789", "+91 98765 43210")
 * turned into E.164, the one key the relay stores contacts under and Twilio addresses them by.
 * Pure: the panel and the relay must agree on the same number for the same field.
 */
import { COUNTRY_DIALING, type CountryDialing } from './country-dialing.ts';

const E164_RE = /^\+[1-9]\d{7,14}$/;
const WHATSAPP_PREFIX_RE = /^\s*whatsapp:\s*/i;
/**
 * Anything longer than this is not a phone field that slipped in some formatting: refuse it before doing any
 * work, so a pasted document can't cost more than a glance.
 */
const MAX_RAW_LENGTH = 64;

const BY_ISO = new Map<string, CountryDialing>(COUNTRY_DIALING.map((c) => [c.iso, c]));
const BY_NAME = new Map<string, string>();
for (const c of COUNTRY_DIALING) {
  for (const name of c.names) BY_NAME.set(nameKey(name), c.iso);
}
/** Dial codes are prefix-free (ITU E.164), so at most one of the 1-, 2- and 3-digit prefixes of a number is a code. */
const BY_DIAL = new Map<string, CountryDialing>();
for (const c of COUNTRY_DIALING) {
  // Several territories share +1 (NANP) and a few share other codes; the first entry is the main country.
  if (!BY_DIAL.has(c.dial)) BY_DIAL.set(c.dial, c);
}

function nameKey(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .replace(/^the /, '');
}

/**
 * An ISO 3166 alpha-2 code from either a code ("br") or the English name Mautic shows ("Brazil"),
 * or a few local spellings ("Brasil", "Deutschland"). null when the country isn't one we can dial.
 */
export function countryToIso(country: string | null | undefined): string | null {
  if (typeof country !== 'string') return null;
  const trimmed = country.trim();
  if (trimmed === '' || trimmed.length > 80) return null;
  if (/^[a-z]{2}$/i.test(trimmed)) {
    const iso = trimmed.toUpperCase();
    if (BY_ISO.has(iso)) return iso;
  }
  return BY_NAME.get(nameKey(trimmed)) ?? null;
}

/**
 * Non-ASCII decimal digits that phones and spreadsheets really produce (full-width from CJK IMEs,
 * Arabic-Indic and Persian keyboards, Devanagari). Each block is ten consecutive code points from zero.
 */
const DIGIT_ZEROS = [0xff10, 0x0660, 0x06f0, 0x0966];

function asciiDigits(s: string): string {
  return s.replace(/[\uff10-\uff19\u0660-\u0669\u06f0-\u06f9\u0966-\u096f]/g, (ch) => {
    const cp = ch.charCodeAt(0);
    for (const zero of DIGIT_ZEROS) {
      if (cp >= zero && cp <= zero + 9) return String(cp - zero);
    }
    return ch;
  });
}

/**
 * Separators people type between digit groups: every kind of space (incl. NBSP and zero-width),
 * dots, hyphens and dashes (incl. the minus sign), parentheses and slashes ("030/1234567" in Germany).
 */
const SEPARATORS_RE = /[\s\u00a0\u200b-\u200d\u2060\ufeff.\-\u2010-\u2015\u2212()/]/g;

/**
 * E.164 ("+5511987654321") from a CRM phone field, or null when it can't be a reachable number.
 * `country` (ISO code or English name) is only used when the number has no international prefix.
 */
export function normalizePhone(raw: string, country?: string | null): string | null {
  if (typeof raw !== 'string' || raw.length > MAX_RAW_LENGTH * 4) return null; // cheap guard before any regex
  let s = asciiDigits(raw.replace(WHATSAPP_PREFIX_RE, '').replace(/^\s*tel:/i, ''))
    .trim()
    .replace(/^\uff0b/, '+');
  if (s.length === 0 || s.length > MAX_RAW_LENGTH) return null;

  // "+44 (0)20 7946 0958": the bracketed trunk zero is how the UK, DE, NL... write numbers for both audiences.
  // Take it out before parentheses become separators, or it would end up inside the number.
  const bracketedZero = /\(\s*0\s*\)/.test(s);
  if (bracketedZero) s = s.replace(/\(\s*0\s*\)/, '');

  const compact = s.replace(SEPARATORS_RE, '');
  if (!/^\+?\d+$/.test(compact)) return null;

  let digits: string;
  if (compact.startsWith('+') || compact.startsWith('00')) {
    digits = compact.slice(compact.startsWith('+') ? 1 : 2);
    const info = dialingFor(digits);
    // Italy (and others without a trunk prefix) keep the leading 0 in E.164, so "(0)" there is a real digit.
    if (bracketedZero && info !== undefined && !info.trunks.includes('0')) {
      digits = `${info.dial}0${digits.slice(info.dial.length)}`;
    }
  } else {
    const iso = countryToIso(country);
    const info = iso === null ? undefined : BY_ISO.get(iso);
    if (info === undefined) return null; // a national number means nothing without its country
    // A national "(0)20 7946 0958" is the trunk prefix written in brackets: put it back and let the trunk rule decide.
    digits = nationalToInternational(bracketedZero ? `0${compact}` : compact, info);
  }
  const e164 = `+${digits}`;
  return E164_RE.test(e164) ? e164 : null;
}

function nationalToInternational(national: string, info: CountryDialing): string {
  const [minLen, maxLen] = info.nsn;
  // "5511987654321" typed with the country code but no plus: too long to be national, right length once the
  // code is removed. Only then; a national number may legitimately start with the same digits as the code.
  if (
    national.length > maxLen &&
    national.startsWith(info.dial) &&
    national.length - info.dial.length >= minLen &&
    national.length - info.dial.length <= maxLen
  ) {
    return national;
  }
  let n = national;
  if (info.iso === 'BR' && n.startsWith('0')) {
    // Brazil dials long distance as 0 + a 2-digit carrier code + area code: "0 21 11 98765-4321".
    const rest = n.slice(1);
    n = rest.length === maxLen + 2 || rest.length === maxLen + 1 ? rest.slice(2) : rest;
  } else {
    // The trunk prefix is only dialled inside the country ("07700 900123" → +44 7700 900123). Keep the digit when
    // dropping it would leave too short a number: then it isn't a trunk prefix.
    const trunk = info.trunks.find((t) => n.startsWith(t) && n.length - t.length >= minLen);
    if (trunk !== undefined) n = n.slice(trunk.length);
  }
  return info.dial + n;
}

export function isE164(s: string): boolean {
  return typeof s === 'string' && E164_RE.test(s);
}

/**
 * Twilio's WhatsApp address for an E.164 number. Throws on anything else: sending to a malformed address
 * would only come back later as a Twilio error against the wrong contact.
 */
export function toWhatsAppAddress(e164: string): string {
  const bare = typeof e164 === 'string' ? e164.replace(WHATSAPP_PREFIX_RE, '') : e164;
  if (!isE164(bare)) throw new RangeError(`not an E.164 phone number: ${String(e164).slice(0, 40)}`);
  return `whatsapp:${bare}`;
}

/** The E.164 number inside Twilio's `From`/`To` ("whatsapp:+14155238886"); plain E.164 passes; anything else is null. */
export function fromWhatsAppAddress(address: string): string | null {
  if (typeof address !== 'string' || address.length > MAX_RAW_LENGTH) return null;
  const bare = address.replace(WHATSAPP_PREFIX_RE, '').trim();
  return isE164(bare) ? bare : null;
}

/** Returns the country whose dial code starts the digits (after the plus). */
function dialingFor(digits: string): CountryDialing | undefined {
  for (let len = 1; len <= 3; len++) {
    const hit = BY_DIAL.get(digits.slice(0, len));
    if (hit !== undefined) return hit;
  }
  return undefined;
}

/**
 * A readable form for the panel ("+55 11 98765 4321"). Not a full national numbering plan: a few big
 * markets get their usual grouping, the rest a generic one. Non-E.164 input comes back unchanged.
 */
export function formatPhoneForDisplay(e164: string): string {
  if (!isE164(e164)) return typeof e164 === 'string' ? e164 : '';
  const digits = e164.slice(1);
  const info = dialingFor(digits);
  if (info === undefined) return e164;
  const national = digits.slice(info.dial.length);
  return `+${info.dial} ${groupNational(info.dial, national).join(' ')}`;
}

function groupNational(dial: string, n: string): string[] {
  const split = (sizes: number[]): string[] => {
    const out: string[] = [];
    let at = 0;
    for (const size of sizes) {
      if (at >= n.length) break;
      out.push(n.slice(at, at + size));
      at += size;
    }
    if (at < n.length) out.push(n.slice(at));
    return out;
  };
  if (dial === '1' && n.length === 10) return split([3, 3, 4]);
  if (dial === '55' && (n.length === 10 || n.length === 11)) return split([2, n.length - 6, 4]);
  if (dial === '91' && n.length === 10) return split([5, 5]);
  if (dial === '44' && n.length === 10) return n.startsWith('2') ? split([2, 4, 4]) : split([4, 6]);
  if (n.length <= 4) return [n];
  // Generic: the last four digits together, the rest in threes — readable and never misleading.
  const head = n.slice(0, -4);
  const groups: string[] = [];
  for (let i = 0; i < head.length; i += 3) groups.push(head.slice(i, i + 3));
  const last = groups[groups.length - 1];
  if (last !== undefined && last.length === 1 && groups.length > 1) {
    // Avoid a lonely single digit: "12 345 6789" rather than "123 45 6789" would need lookahead; merge instead.
    groups.pop();
    groups[groups.length - 1] += last;
  }
  return [...groups, n.slice(-4)];
}
