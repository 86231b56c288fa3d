/**
 * One JSON log line per API request, with a request id (taken from X-Request-Id when it looks safe,
 * else made up) that is echoed back so an admin can find a rep's failing call. Query strings,
 * headers and bodies are never logged: they can carry tokens and message text.
 */
import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';

const SAFE_ID = /^[\w.-]{8,64}$/;

export function requestLog(log: Logger, metrics?: Metrics): MiddlewareHandler {
  return async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const id = incoming && SAFE_ID.test(incoming) ? incoming : randomUUID();
    const started = performance.now();
    c.header('X-Request-Id', id);
    try {
      await next();
    } finally {
      const status = c.res.status;
      const actor = (c.var as { actor?: { name: string } }).actor;
      // routePath is the pattern (/v1/contacts/:phone), so neither logs nor metric labels carry phone numbers.
      const route = c.req.routePath || 'unmatched';
      log[status >= 500 ? 'error' : 'info']('http', { id, method: c.req.method, route, status, ms: Math.round(performance.now() - started), by: actor?.name });
      metrics?.httpRequests.inc({ route: `${c.req.method} ${route}`, status: `${Math.floor(status / 100)}xx` });
    }
  };
}
