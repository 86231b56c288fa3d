/**
 * The webhook adapter for node:http: reads the body with a size cap and answers directly. The
 * server routes POST /twilio/* here and everything else to Hono.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebhookRequest, WebhookResponse } from './webhook-handler.ts';
import { isWebhookPath } from './webhook-handler.ts';

export function createNodeWebhookListener(handle: (req: WebhookRequest) => Promise<WebhookResponse>, maxBytes: number) {
  const send = (res: ServerResponse, r: WebhookResponse) => {
    if (r.retryAfter !== undefined) res.setHeader('retry-after', String(r.retryAfter));
    if (r.contentType) res.writeHead(r.status, { 'content-type': r.contentType, 'content-length': Buffer.byteLength(r.body ?? '') });
    else res.writeHead(r.status);
    res.end(r.body ?? undefined);
  };
  const refuse = (res: ServerResponse, status: number, code: string, message: string) =>
    send(res, { status, body: JSON.stringify({ error: { code, message } }), contentType: 'application/json; charset=utf-8' });

  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (!isWebhookPath(path)) return refuse(res, 404, 'NOT_FOUND', `No webhook at ${path}`);
    const tooLarge = () => {
      res.setHeader('connection', 'close');
      refuse(res, 413, 'PAYLOAD_TOO_LARGE', `Webhook bodies are limited to ${maxBytes} bytes.`);
      req.resume();
    };
    if (Number(req.headers['content-length'] ?? '0') > maxBytes) return tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    let aborted = false;
    req.on('data', (chunk: Buffer) => {
      if (aborted) return;
      size += chunk.length;
      if (size > maxBytes) {
        aborted = true;
        tooLarge();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (aborted) return;
      const header = req.headers['x-twilio-signature'];
      handle({
        path,
        search: q < 0 ? '' : url.slice(q),
        contentType: req.headers['content-type'],
        signature: Array.isArray(header) ? header[0] : header,
        body: Buffer.concat(chunks, size).toString('utf8'),
      }).then(
        (r) => send(res, r),
        () => refuse(res, 500, 'INTERNAL', 'The webhook could not be stored; Twilio will retry.'),
      );
    });
  };
}
