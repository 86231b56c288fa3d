/** Phones at the API edge: E.164, with `whatsapp:` tolerated and `%2B`/`+`/a space (a `+` decoded from a query) accepted. */
import { fromWhatsAppAddress, isE164 } from '../../shared/phone.ts';
import { RelayError } from '../errors.ts';

export function parsePhoneParam(raw: string): string {
  let value = raw.trim();
  if (/^\d/.test(value) && raw.startsWith(' ')) value = `+${value}`; // "+" arrived as a space from a query string
  const phone = value.startsWith('whatsapp:') ? fromWhatsAppAddress(value) : value;
  if (!phone || !isE164(phone)) {
    throw new RelayError('VALIDATION_FAILED', `"${raw.slice(0, 40)}" is not an E.164 phone number such as +5511987654321.`, { issues: [{ path: 'phone', message: 'must be E.164' }] });
  }
  return phone;
}

/**
 * A `{phone}` path segment. Hono has decoded it once; decoding again also accepts a double-encoded
 * `%252B`. A malformed escape (`%`, `%zz`, broken UTF-8) is kept as it is and refused as not E.164
 * (422), instead of decodeURIComponent's URIError becoming a 500.
 */
export function parsePhonePath(param: string): string {
  let value = param;
  try {
    value = decodeURIComponent(param);
  } catch {
    // not a valid escape: parsePhoneParam refuses the text as it came
  }
  return parsePhoneParam(value);
}
