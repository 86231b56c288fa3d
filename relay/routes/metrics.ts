/**
 * GET /metrics (Prometheus text). Open to scrapers on the relay's own machine (loopback), otherwise an
 * admin token is required: the figures (send outcomes, live clients) are operational, not public.
 * A request that a reverse proxy forwarded also arrives from loopback, so one carrying any forwarding
 * header counts as from another machine: behind Caddy or nginx, /metrics is not public.
 */
import { Hono } from 'hono';
import { roleAtLeast, verifyAccessToken } from '../auth/tokens.ts';
import type { Deps } from '../deps.ts';
import { RelayError } from '../errors.ts';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;
const FORWARDING_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip', 'via', 'x-forwarded-host', 'x-forwarded-proto'] as const;

type NodeEnv = { Bindings: { incoming?: { socket?: { remoteAddress?: string } } } };

export function metricsRoute(deps: Deps): Hono<NodeEnv> {
  const app = new Hono<NodeEnv>();
  app.get('/', async (c) => {
    const remote = c.env?.incoming?.socket?.remoteAddress ?? '';
    const local = LOOPBACK.test(remote) && !FORWARDING_HEADERS.some((h) => c.req.header(h) !== undefined);
    if (!local) {
      const token = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
      const record = token ? await verifyAccessToken(deps.store, token, deps.clock()) : null;
      if (!record) throw new RelayError('UNAUTHORIZED', '/metrics needs an admin token when scraped from another machine.');
      if (!roleAtLeast(record.role, 'admin')) throw new RelayError('FORBIDDEN', '/metrics needs the admin role.');
    }
    return c.text(deps.metrics.render(), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
  });
  return app;
}
