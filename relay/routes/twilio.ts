/** Twilio's webhooks through Hono (the server also serves them directly from node:http; see server.ts). */
import { Hono } from 'hono';
import type { Deps } from '../deps.ts';
import { RelayError } from '../errors.ts';
import { createWebhookHandler, isWebhookPath } from '../twilio/webhook-handler.ts';

export function twilioRoutes(deps: Deps): Hono {
  const app = new Hono();
  const handle = createWebhookHandler(deps);
  app.post('/:kind', async (c) => {
    const url = new URL(c.req.url);
    if (!isWebhookPath(url.pathname)) throw new RelayError('NOT_FOUND', `No webhook at ${url.pathname}`);
    // Refuse an oversized body before reading it.
    if (Number(c.req.header('content-length') ?? '0') > deps.config.maxBodyBytes) {
      throw new RelayError('PAYLOAD_TOO_LARGE', `Webhook bodies are limited to ${deps.config.maxBodyBytes} bytes.`);
    }
    const res = await handle({ path: url.pathname, search: url.search, contentType: c.req.header('content-type'), signature: c.req.header('x-twilio-signature'), body: await c.req.text() });
    const headers: Record<string, string> = res.contentType ? { 'content-type': res.contentType } : {};
    if (res.retryAfter !== undefined) headers['retry-after'] = String(res.retryAfter);
    return new Response(res.body, { status: res.status, headers });
  });
  return app;
}
