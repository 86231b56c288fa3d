/**
 * Twilio's webhooks as one transport-free function: raw form in, status and body out. It is the hot
 * path (signature check over the raw form, one durable write, an empty answer; slow work never
 * happens here because Twilio gives up after 15 s and retries). Two thin adapters call it: the Hono
 * routes (app.request in tests) and the server's direct node:http path, which skips building
 * fetch-style Request/Response objects for the requests that arrive by the thousand.
 */
import type { Deps } from '../deps.ts';
import { RelayError } from '../errors.ts';
import { parseWith } from '../routes/parse-body.ts';
import { applyStatusCallback } from '../services/apply-status.ts';
import { receiveInbound } from '../services/receive-inbound.ts';
import { DATABASE_RETRY_AFTER_SECONDS, databaseUnavailableError, isDatabaseUnavailable } from '../store/database-unavailable.ts';
import { parseForm, validateTwilioSignature } from './signature.ts';
import { FallbackForm, formObject, InboundForm, StatusForm } from './webhook-forms.ts';

export const WEBHOOK_PATHS = ['/twilio/inbound', '/twilio/status', '/twilio/fallback'] as const;
export type WebhookPath = (typeof WEBHOOK_PATHS)[number];

export interface WebhookRequest {
  path: WebhookPath;
  /** The raw query string including `?`, or ''. It is part of the signed URL. */
  search: string;
  contentType: string | undefined;
  signature: string | undefined;
  body: string;
}

export interface WebhookResponse {
  status: number;
  body: string | null;
  contentType: string | null;
  /** Seconds, on a 503 when the database is unavailable for a moment. */
  retryAfter?: number;
}

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';
const TWIML: WebhookResponse = { status: 200, body: EMPTY_TWIML, contentType: 'text/xml; charset=utf-8' };
const NO_CONTENT: WebhookResponse = { status: 204, body: null, contentType: null };

export function isWebhookPath(path: string): path is WebhookPath {
  return (WEBHOOK_PATHS as readonly string[]).includes(path);
}

export function createWebhookHandler(deps: Deps): (req: WebhookRequest) => Promise<WebhookResponse> {
  const tokens = deps.config.twilio.webhookTokens;
  const base = deps.config.publicUrl;
  const limit = deps.config.maxBodyBytes;

  const count = (path: string, outcome: string) => deps.metrics.webhooks.inc({ path, outcome });
  const failed = (req: WebhookRequest, err: unknown): WebhookResponse => {
    // A locked or unreachable database is a 503 with Retry-After: nothing was stored, Twilio retries.
    const unavailable = !(err instanceof RelayError) && isDatabaseUnavailable(err);
    const e = err instanceof RelayError ? err : unavailable ? databaseUnavailableError() : new RelayError('INTERNAL', 'The webhook could not be stored; Twilio will retry.');
    count(req.path, e.status === 403 ? 'rejected' : e.status >= 500 ? 'error' : 'invalid');
    if (unavailable) deps.log.warn('webhook.database_unavailable', { path: req.path, error: err instanceof Error ? err.message : String(err) });
    else if (!(err instanceof RelayError)) deps.log.error('webhook.failed', { path: req.path, error: err instanceof Error ? err.message : String(err) });
    return { status: e.status, body: JSON.stringify(e.toJSON()), contentType: 'application/json; charset=utf-8', ...(unavailable ? { retryAfter: DATABASE_RETRY_AFTER_SECONDS } : {}) };
  };

  /** Checks, then starts the write; the answer is settled by the caller once the write is committed. */
  function handle(req: WebhookRequest): Promise<WebhookResponse> {
    if (!(req.contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      throw new RelayError('UNSUPPORTED_MEDIA_TYPE', 'Twilio webhooks are form-encoded (application/x-www-form-urlencoded).');
    }
    if (req.body.length > limit) throw new RelayError('PAYLOAD_TOO_LARGE', `Webhook bodies are limited to ${limit} bytes.`);
    const fields = parseForm(req.body);
    // PUBLIC_URL, never a URL rebuilt from Host or X-Forwarded-* headers, which a client controls.
    if (!validateTwilioSignature(tokens, req.signature, base + req.path + req.search, fields)) {
      deps.log.warn('webhook.signature_invalid', { path: req.path });
      deps.metrics.signatureFailures.inc({ path: req.path });
      throw new RelayError('FORBIDDEN', 'Invalid X-Twilio-Signature for this URL. Check PUBLIC_URL and TWILIO_AUTH_TOKEN.');
    }
    const raw = formObject(fields);
    switch (req.path) {
      case '/twilio/inbound':
        return receiveInbound(deps, parseWith(InboundForm, raw), raw).then((r) => {
          count(req.path, r.duplicate ? 'duplicate' : 'stored');
          return TWIML;
        });
      case '/twilio/status':
        // The hot path: one promise, settled when the group commit holding this write is durable.
        return applyStatusCallback(deps, parseWith(StatusForm, raw), req.search).then((outcome) => {
          count(req.path, outcome);
          return NO_CONTENT;
        });
      case '/twilio/fallback':
        return fallback(parseWith(FallbackForm, raw), raw);
    }
  }

  // Twilio calls the fallback URL when the primary failed: record why, and still keep the message.
  async function fallback(form: FallbackForm, raw: Record<string, string>): Promise<WebhookResponse> {
    // The message first: it is what refuses a bad From (422), and a refused webhook must store nothing.
    await receiveInbound(deps, form, raw);
    await deps.store.recordFallback({ messageSid: form.MessageSid, errorCode: form.ErrorCode ?? null, errorUrl: form.ErrorUrl ?? null, at: deps.clock().toISOString() });
    deps.log.warn('webhook.fallback', { sid: form.MessageSid, errorCode: form.ErrorCode, errorUrl: form.ErrorUrl });
    count('/twilio/fallback', 'stored');
    return TWIML;
  }

  return (req) => {
    try {
      return handle(req).then(undefined, (err: unknown) => failed(req, err));
    } catch (err) {
      return Promise.resolve(failed(req, err));
    }
  };
}
