/**
 * Twilio webhook signatures (`X-Twilio-Signature`), checked on every inbound and status webhook.
 *
 * Why not just call `twilio.validateRequest`: it takes one token and a plain object, so repeated field
 * names need pre-grouping, it throws on an unparsable URL, and it rebuilds the whole field string for
 * each of its URL candidates. This module keeps the SDK's exact acceptance rules (the test file
 * cross-checks ~300 random cases against it) but signs the field part once, accepts several tokens
 * (Auth Token rotation), never throws, and only builds the URL variants when the URL as given fails.
 *
 * Algorithm (reference §1.1, node `src/webhooks/webhooks.ts`): data = url + for each field name sorted
 * by UTF-16 code unit, name+value (repeated names: distinct values, sorted, once each);
 * signature = base64(HMAC-SHA1(authToken, utf8(data))).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { parse as legacyParse, stringify as legacyStringify } from 'node:querystring';

/** Posted fields in arrival order; a repeated name keeps all its values in order. */
export type FormFields = Map<string, string[]>;

/**
 * Parses an application/x-www-form-urlencoded body with the WHATWG rules: `+` is a space, a malformed
 * percent-escape (`%zz`, a lone `%`) is kept literally, invalid UTF-8 becomes U+FFFD, empty pieces
 * between `&` are skipped and a piece without `=` is a name with an empty value.
 *
 * Tolerating rather than rejecting is deliberate: it is what URLSearchParams (and so Hono, undici and
 * browsers) do, and the signature is what decides whether the request is trusted. A body mangled
 * on the way simply fails the signature check.
 */
export function parseForm(body: string): FormFields {
  const fields: FormFields = new Map();
  // As URLSearchParams does (USVString): a lone surrogate becomes U+FFFD. A body decoded from bytes
  // never has one, so this is a scan that finds nothing.
  const str = body as string & { isWellFormed(): boolean; toWellFormed(): string }; // ES2024, in Node ≥ 20
  const raw = str.isWellFormed() ? body : str.toWellFormed();
  let start = 0;
  while (start <= raw.length) {
    let end = raw.indexOf('&', start);
    if (end === -1) end = raw.length;
    if (end > start) {
      const eq = raw.indexOf('=', start);
      const split = eq === -1 || eq > end ? end : eq;
      const name = decodeFormComponent(raw.slice(start, split));
      const value = split === end ? '' : decodeFormComponent(raw.slice(split + 1, end));
      const values = fields.get(name);
      if (values) values.push(value);
      else fields.set(name, [value]);
    }
    start = end + 1;
  }
  return fields;
}

/**
 * One name or value: `+` is a space, then percent-decoding. Twilio's fields are mostly plain ASCII,
 * so the common cases skip work; decodeURIComponent is exact for well-formed UTF-8 escapes and
 * throws on everything else (`%zz`, a lone `%`, invalid UTF-8), which goes to URLSearchParams for
 * the WHATWG result (literal escapes, U+FFFD).
 */
function decodeFormComponent(s: string): string {
  const plus = s.indexOf('+') !== -1;
  if (s.indexOf('%') === -1) return plus ? s.replaceAll('+', ' ') : s;
  const spaced = plus ? s.replaceAll('+', ' ') : s;
  try {
    return decodeURIComponent(spaced);
  } catch {
    // Behind `x=`, everything (a value's own `=` included) is one value; `&` was split off already.
    return new URLSearchParams('x=' + s).get('x') ?? '';
  }
}

/** Builds a FormFields map from a plain record (handy for callers and tests). */
export function formFieldsFrom(params: Record<string, string | readonly string[]>): FormFields {
  const fields: FormFields = new Map();
  for (const [name, value] of Object.entries(params)) {
    fields.set(name, typeof value === 'string' ? [value] : [...value]);
  }
  return fields;
}

/**
 * The part of the signed string that follows the URL. It is independent of the URL, so the
 * validator builds it once and reuses it for every URL form and token.
 */
function fieldsPayload(fields: FormFields): string {
  // Default sort compares UTF-16 code units, exactly like the SDK's `Object.keys(params).sort()`.
  const names = [...fields.keys()].sort();
  let out = '';
  for (const name of names) {
    const values = fields.get(name) ?? [];
    if (values.length === 1) {
      out += name + values[0];
      continue;
    }
    // Repeated name: distinct values, sorted, each appended as name+value (SDK `toFormUrlEncodedParam`).
    for (const value of [...new Set(values)].sort()) out += name + value;
  }
  return out;
}

function hmac(authToken: string, url: string, payload: string): string {
  // Two update() calls hash the same bytes as the concatenation, without building the string per URL.
  return createHmac('sha1', authToken).update(url, 'utf8').update(payload, 'utf8').digest('base64');
}

/** Twilio's signature for this URL and these fields (what Twilio puts in X-Twilio-Signature). */
export function computeSignature(authToken: string, url: string, fields: FormFields): string {
  return hmac(authToken, url, fieldsPayload(fields));
}

/**
 * Constant-time comparison of the header with an expected signature. The length check leaks only the
 * length of a SHA-1 base64 digest (always 28), which is public.
 */
function safeEqual(header: Buffer, expected: string): boolean {
  const b = Buffer.from(expected, 'utf8');
  return header.length === b.length && timingSafeEqual(header, b);
}

// --- URL forms, mirroring the SDK's splitUrl/addPort/removePort/withLegacyQuerystring -------------

interface UrlParts { scheme: string; userInfo: string; host: string; port: string; rest: string }

/** Splits without normalising, so path and query keep the exact characters Twilio signed. */
function splitUrl(url: string): UrlParts | null {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i.exec(url);
  if (!match) return null;
  const prefix = match[0];
  const scheme = match[1] ?? '';
  const authority = match[2] ?? '';
  const userInfoEnd = authority.lastIndexOf('@');
  const hostAndPort = authority.slice(userInfoEnd + 1);
  // A colon starts the port only after the closing bracket of an IPv6 literal.
  const portStart = hostAndPort.indexOf(':', hostAndPort.lastIndexOf(']') + 1);
  return {
    scheme,
    userInfo: authority.slice(0, userInfoEnd + 1),
    host: portStart === -1 ? hostAndPort : hostAndPort.slice(0, portStart),
    port: portStart === -1 ? '' : hostAndPort.slice(portStart),
    rest: url.slice(prefix.length),
  };
}

function addPort(url: string): string {
  const p = splitUrl(url);
  if (!p || p.port) return url;
  const port = p.scheme.toLowerCase() === 'https://' ? ':443' : ':80';
  return p.scheme + p.userInfo + p.host + port + p.rest;
}

function removePort(url: string): string {
  const p = splitUrl(url);
  return p ? p.scheme + p.userInfo + p.host + p.rest : url;
}

/** Node's legacy querystring parse+stringify: some Twilio back ends signed this re-encoding (twilio-node #1059). */
function withLegacyQuerystring(url: string): string {
  const q = url.indexOf('?');
  if (q === -1 || q === url.length - 1) return url;
  return url.slice(0, q) + '?' + legacyStringify(legacyParse(url.slice(q + 1)));
}

/**
 * Every URL the SDK's validateRequest would try, in its order, without duplicates and without the URL
 * as given (the caller tried that first). An unparsable URL yields only the unnormalised forms where
 * the SDK would throw.
 */
function urlVariants(url: string): string[] {
  const seen = new Set<string>([url]);
  const out: string[] = [];
  const push = (u: string): void => {
    if (!seen.has(u)) {
      seen.add(u);
      out.push(u);
    }
  };
  push(removePort(url));
  push(addPort(url));
  let normalized: string;
  try {
    // WHATWG normalisation: lower-cases the host, drops default ports, percent-encodes `'` etc.
    normalized = new URL(url).toString();
  } catch {
    return out;
  }
  const withoutPort = removePort(normalized);
  const withPort = addPort(normalized);
  push(withoutPort);
  push(withPort);
  push(withLegacyQuerystring(withoutPort));
  push(withLegacyQuerystring(withPort));
  return out;
}

/**
 * True when `signature` was made with ANY of `authTokens` (primary first; a second entry lets an Auth
 * Token be rotated without dropping webhooks) over ANY of the URL forms the SDK accepts, plus all
 * `fields`. False on a missing or empty header, an empty token list, or an empty token.
 *
 * `url` must be the URL Twilio requested as configured: PUBLIC_URL + route path + raw query (reference
 * §1.3), never one rebuilt from Host / X-Forwarded-* headers.
 */
export function validateTwilioSignature(
  authTokens: readonly string[],
  signature: string | undefined | null,
  url: string,
  fields: FormFields,
): boolean {
  if (!signature) return false;
  const tokens = authTokens.filter((t) => t.length > 0);
  if (tokens.length === 0) return false;
  const header = Buffer.from(signature, 'utf8');
  const payload = fieldsPayload(fields);
  const matches = (candidate: string): boolean =>
    tokens.some((token) => safeEqual(header, hmac(token, candidate, payload)));

  // Hot path: a correctly configured PUBLIC_URL matches as given, so one HMAC per token.
  if (matches(url)) return true;
  for (const candidate of urlVariants(url)) {
    if (matches(candidate)) return true;
  }
  return false;
}

/**
 * The JSON-body variant (not used by Messaging; reference §1.1): Twilio puts `bodySHA256=<hex sha256 of
 * the raw body>` in the query and signs the URL alone. Valid when the URL signature matches with no
 * fields AND the body hashes to that value (node `validateRequestWithBody`).
 */
export function validateTwilioSignatureWithBody(
  authTokens: readonly string[],
  signature: string | undefined | null,
  url: string,
  rawBody: string,
): boolean {
  let expectedHash: string;
  try {
    expectedHash = new URL(url).searchParams.get('bodySHA256') ?? '';
  } catch {
    return false;
  }
  if (!validateTwilioSignature(authTokens, signature, url, new Map())) return false;
  const actual = createHash('sha256').update(rawBody, 'utf8').digest('hex');
  // The hash is not secret, but compare in constant time anyway for symmetry with the SDK.
  return safeEqual(Buffer.from(expectedHash, 'utf8'), actual);
}
