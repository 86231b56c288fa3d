/**
 * Twilio's webhooks. The hot path: signature check over the raw form, one durable write, an empty
 * answer. Slow work never happens here (Twilio gives up after 15 s and retries).
 */
import { Hono } from 'hono';
import type { Deps } from '../deps.ts';
import { createTwilioVerifier } from '../middleware/twilio-signature.ts';
import { applyStatusCallback } from '../services/apply-status.ts';
import { receiveInbound } from '../services/receive-inbound.ts';
import { FallbackForm, formObject, InboundForm, StatusForm } from '../twilio/webhook-forms.ts';
import { parseWith } from './parse-body.ts';

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

export function twilioRoutes(deps: Deps): Hono {
  const app = new Hono();
  const verify = createTwilioVerifier(deps);
  const twiml = () => new Response(EMPTY_TWIML, { status: 200, headers: { 'content-type': 'text/xml; charset=utf-8' } });

  app.post('/inbound', async (c) => {
    const raw = formObject(await verify(c));
    await receiveInbound(deps, parseWith(InboundForm, raw), raw);
    return twiml();
  });

  app.post('/status', async (c) => {
    const raw = formObject(await verify(c));
    const outcome = await applyStatusCallback(deps, parseWith(StatusForm, raw));
    deps.log.debug('webhook.status', { sid: raw.MessageSid, status: raw.MessageStatus, outcome });
    return c.body(null, 204);
  });

  // Twilio calls the fallback URL when the primary failed: record why, and still keep the message.
  app.post('/fallback', async (c) => {
    const raw = formObject(await verify(c));
    const form = parseWith(FallbackForm, raw);
    await deps.store.recordFallback({ messageSid: form.MessageSid, errorCode: form.ErrorCode ?? null, errorUrl: form.ErrorUrl ?? null, at: deps.clock().toISOString() });
    deps.log.warn('webhook.fallback', { sid: form.MessageSid, errorCode: form.ErrorCode, errorUrl: form.ErrorUrl });
    await receiveInbound(deps, form, raw);
    return twiml();
  });

  return app;
}
