/**
 * Twilio webhook guard: reads the raw form (no multipart parser on the hot path), checks the size,
 * and validates X-Twilio-Signature against PUBLIC_URL + path + query — never a URL rebuilt from
 * Host or X-Forwarded-* headers, which a client controls.
 */
import type { Context } from 'hono';
import type { Deps } from '../deps.ts';
import { RelayError } from '../errors.ts';
import { parseForm, validateTwilioSignature, type FormFields } from '../twilio/signature.ts';

export function createTwilioVerifier(deps: Deps) {
  const tokens = [deps.config.twilio.authToken];
  const base = deps.config.publicUrl;
  const limit = deps.config.maxBodyBytes;

  return async function verify(c: Context): Promise<FormFields> {
    const type = c.req.header('content-type') ?? '';
    if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      throw new RelayError('UNSUPPORTED_MEDIA_TYPE', 'Twilio webhooks are form-encoded (application/x-www-form-urlencoded).');
    }
    const declared = Number(c.req.header('content-length') ?? '0');
    if (declared > limit) throw new RelayError('PAYLOAD_TOO_LARGE', `Webhook bodies are limited to ${limit} bytes.`);
    const raw = await c.req.text();
    if (raw.length > limit) throw new RelayError('PAYLOAD_TOO_LARGE', `Webhook bodies are limited to ${limit} bytes.`);
    const fields = parseForm(raw);
    const url = new URL(c.req.url);
    const signedUrl = base + url.pathname + url.search;
    if (!validateTwilioSignature(tokens, c.req.header('x-twilio-signature'), signedUrl, fields)) {
      deps.log.warn('webhook.signature_invalid', { path: url.pathname });
      throw new RelayError('FORBIDDEN', 'Invalid X-Twilio-Signature for this URL. Check PUBLIC_URL and TWILIO_AUTH_TOKEN.');
    }
    return fields;
  };
}
