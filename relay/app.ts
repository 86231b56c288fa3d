/**
 * createApp builds the whole relay from its dependencies and does no I/O itself: the entry file
 * reads the environment, opens the database and listens; tests pass a temporary database, a
 * Twilio-compatible fake and a fixed clock.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';
import type { Deps } from './deps.ts';
import { RelayError } from './errors.ts';
import { DATABASE_RETRY_AFTER_SECONDS, databaseUnavailableError, isDatabaseUnavailable } from './store/database-unavailable.ts';
import { apiAuth, requireRole, type AppEnv } from './middleware/api-auth.ts';
import { metricsRoute } from './routes/metrics.ts';
import { rateLimit } from './middleware/rate-limit.ts';
import { requestLog } from './middleware/request-log.ts';
import { contactRoutes } from './routes/contacts.ts';
import { dataCareRoutes } from './routes/data-care.ts';
import { demoRoutes } from './demo/demo-routes.ts';
import { eventRoutes } from './routes/events.ts';
import { messageRoutes } from './routes/messages.ts';
import { pairRoutes, pairingCodeRoutes } from './routes/pairing.ts';
import { reportRoutes } from './routes/reports.ts';
import { simulatorRoutes } from './routes/simulator.ts';
import { templateRoutes } from './routes/templates.ts';
import { twilioRoutes } from './routes/twilio.ts';

/** The extension reaches the relay from its own origin; the bearer token is what guards the API. */
const EXTENSION_ORIGIN = /^(chrome-extension|moz-extension):\/\/[a-z0-9-]{1,64}$/i;

export interface AppOptions {
  /** Serve the PinPoint-like demo contact page (npm start, simulator mode). */
  demo?: boolean;
  keepAliveMs?: number;
}

export function createApp(deps: Deps, opts: AppOptions = {}): Hono {
  const app = new Hono();

  app.onError((err, c) => {
    if (err instanceof RelayError) return c.json(err.toJSON(), err.status as 400);
    if (isDatabaseUnavailable(err)) {
      // Locked or unreachable for a moment: the request changed nothing and can simply be repeated.
      deps.log.warn('database_unavailable', { path: c.req.path, error: err instanceof Error ? err.message : String(err) });
      c.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
      return c.json(databaseUnavailableError().toJSON(), 503);
    }
    deps.log.error('unhandled', { path: c.req.path, error: err instanceof Error ? err.message : String(err) });
    return c.json({ error: { code: 'INTERNAL', message: 'The relay failed unexpectedly. Nothing was sent; try again.' } }, 500);
  });
  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: `No route for ${c.req.method} ${c.req.path}` } }, 404));

  // Twilio's paths first and lean: no CORS or header work on the hot path.
  app.route('/twilio', twilioRoutes(deps));

  app.use('*', requestLog(deps.log, deps.metrics));
  app.use('*', secureHeaders({ crossOriginResourcePolicy: 'cross-origin', contentSecurityPolicy: opts.demo ? undefined : { defaultSrc: ["'none'"] } }));
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.get('/favicon.ico', (c) => c.body(null, 204));
  app.route('/metrics', metricsRoute(deps));
  app.get('/readyz', async (c) => {
    try {
      await deps.store.ping();
      return c.json({ ok: true, database: deps.store.engine, twilio: deps.twilio.simulated ? 'simulator' : 'live' });
    } catch {
      return c.json({ ok: false, database: 'unreachable' }, 503);
    }
  });

  const v1 = new Hono<AppEnv>();
  if (deps.twilio.simulated) {
    // Every answer says it plainly: nothing in simulator mode reaches WhatsApp.
    v1.use('*', async (c, next) => {
      await next();
      c.header('X-Relay-Mode', 'simulator (messages are simulated; nothing is sent to WhatsApp)');
    });
  }
  v1.use('*', cors({ origin: (origin) => (EXTENSION_ORIGIN.test(origin) ? origin : null), allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'Last-Event-ID'], allowMethods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'], exposeHeaders: ['Content-Disposition'], maxAge: 600 }));
  v1.use('*', bodyLimit({ maxSize: deps.config.maxBodyBytes, onError: () => { throw new RelayError('PAYLOAD_TOO_LARGE', `Request bodies are limited to ${deps.config.maxBodyBytes} bytes.`); } }));
  // The one /v1 call without a token (a rep trades a pairing code for one): after CORS, before auth.
  v1.route('/pair', pairRoutes(deps));
  v1.use('*', apiAuth(deps));
  v1.use('*', rateLimit({ ...deps.config.rateLimit, onLimited: () => deps.metrics.rateLimited.inc({}) }));
  v1.get('/me', (c) => {
    const actor = c.get('actor');
    return c.json({ name: actor.name, role: actor.role, simulated: deps.twilio.simulated });
  });
  v1.use('/contacts/*', requireRole('rep'));
  v1.route('/contacts', contactRoutes(deps));
  v1.route('/contacts', dataCareRoutes(deps));
  v1.route('/templates', templateRoutes(deps));
  v1.route('/messages', messageRoutes(deps));
  v1.route('/reports', reportRoutes(deps));
  v1.route('/pairing-codes', pairingCodeRoutes(deps));
  v1.route('/events', eventRoutes(deps, { keepAliveMs: opts.keepAliveMs }));
  if (deps.simulator) v1.route('/simulator', simulatorRoutes(deps, deps.simulator));
  app.route('/v1', v1);

  if (opts.demo) app.route('/demo', demoRoutes(deps));
  return app;
}
