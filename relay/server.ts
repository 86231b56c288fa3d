/**
 * Builds and starts a relay from a Config: opens the store, picks the Twilio gateway (SDK or
 * simulator), builds the app and listens. Used by the CLI and by the integration tests, so tests
 * exercise exactly what admins run.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AddressInfo } from 'node:net';
import { setMaxListeners } from 'node:events';
import { createServer } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { createApp, type AppOptions } from './app.ts';
import { createBus, type Bus } from './bus.ts';
import { createPostgresBus } from './bus-postgres.ts';
import type { Config } from './config.ts';
import type { Deps } from './deps.ts';
import { createLogger, type Logger } from './log.ts';
import { createMetrics } from './metrics.ts';
import { startRetention } from './retention.ts';
import { startReconciler } from './services/reconcile-unconfirmed.ts';
import { createTemplateCache } from './services/template-cache.ts';
import { openPostgresStore } from './store/postgres/postgres-store.ts';
import { openSqliteStore } from './store/sqlite/sqlite-store.ts';
import type { Store } from './store/store.ts';
import { createSimulator } from './twilio/simulator.ts';
import { createTwilioGateway } from './twilio/twilio-gateway.ts';
import { createWebhookHandler } from './twilio/webhook-handler.ts';
import { createNodeWebhookListener } from './twilio/webhook-node.ts';

/** How long in-flight requests get to finish on shutdown (Twilio itself gives up after 15 s). */
const SHUTDOWN_GRACE_MS = 10_000;

export interface RunningRelay {
  url: string;
  deps: Deps;
  close(): Promise<void>;
}

export async function openStore(config: Config): Promise<Store> {
  if (config.database.engine === 'postgres') {
    const store = openPostgresStore(config.database.url);
    try {
      await store.migrate();
    } catch (err) {
      await store.close();
      throw err;
    }
    return store;
  }
  if (config.database.file !== ':memory:') mkdirSync(dirname(config.database.file), { recursive: true });
  const store = openSqliteStore(config.database.file);
  await store.migrate();
  return store;
}

export function buildDeps(config: Config, store: Store, opts: { log?: Logger; clock?: () => Date; bus?: Bus; shutdown?: AbortSignal } = {}): Deps {
  const clock = opts.clock ?? (() => new Date());
  const log = opts.log ?? createLogger(config.logLevel, { bodies: config.logBodies });
  const t = config.twilio;
  const simulator = t.mode === 'simulator' ? createSimulator({ authToken: t.authToken, publicUrl: config.publicUrl, sender: t.sender, delayMs: config.simDelayMs }) : undefined;
  const twilio =
    t.mode === 'live'
      ? createTwilioGateway({
          accountSid: t.accountSid,
          authToken: t.authToken,
          ...(t.from ? { from: t.from } : {}),
          ...(t.messagingServiceSid ? { messagingServiceSid: t.messagingServiceSid } : {}),
          ...(t.apiBaseUrl ? { apiBaseUrl: t.apiBaseUrl } : {}),
          timeoutMs: t.timeoutMs,
        })
      : simulator!;
  const bus = opts.bus ?? createBus();
  const metrics = createMetrics();
  metrics.gauge('bus_listeners', 'Live-event listeners in this instance.', () => bus.listenerCount());
  return {
    config,
    store,
    twilio,
    bus,
    clock,
    log,
    metrics,
    shutdown: opts.shutdown ?? new AbortController().signal,
    templates: createTemplateCache(twilio, clock),
    ...(simulator ? { simulator } : {}),
  };
}

export async function startRelay(config: Config, opts: AppOptions & { store?: Store; log?: Logger; clock?: () => Date } = {}): Promise<RunningRelay> {
  const store = opts.store ?? (await openStore(config));
  const log = opts.log ?? createLogger(config.logLevel, { bodies: config.logBodies });
  // With PostgreSQL there may be other instances: live events travel between them by LISTEN/NOTIFY.
  let bus: (Bus & { close(): Promise<void> }) | undefined;
  try {
    if (config.database.engine === 'postgres') bus = await createPostgresBus(config.database.url, { store, log });
  } catch (err) {
    if (!opts.store) await store.close();
    throw err;
  }
  const shutdown = new AbortController();
  // Every open live stream listens for shutdown: thousands are normal, not a leak.
  setMaxListeners(0, shutdown.signal);
  const deps = buildDeps(config, store, { ...opts, log, shutdown: shutdown.signal, ...(bus ? { bus } : {}) });
  startRetention(deps);
  startReconciler(deps);
  const app = createApp(deps, opts);
  const api = getRequestListener(app.fetch);
  // Twilio's webhooks skip Hono's fetch-style objects: same handler, fewer allocations per request.
  const webhooks = createNodeWebhookListener(createWebhookHandler(deps), config.maxBodyBytes);
  const server = createServer((req, res) => {
    // While shutting down, every answer closes its connection, so keep-alive clients move on.
    if (shutdown.signal.aborted) res.setHeader('connection', 'close');
    if (req.method === 'POST' && req.url?.startsWith('/twilio/')) webhooks(req, res);
    else void api(req, res);
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
    server.listen(config.port, config.host);
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${host}:${addr.port}`;
  deps.simulator?.setLocalUrl(url);
  let closing: Promise<void> | null = null;
  return {
    url,
    deps,
    close() {
      closing ??= (async () => {
        // Graceful: stop accepting, end live streams (clients reconnect elsewhere), let every request
        // already in flight — above all Twilio's webhooks, acknowledged only once committed — finish,
        // and only then close the database. Connections still busy after the grace period are cut.
        await deps.simulator?.close?.();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        shutdown.abort();
        server.closeIdleConnections();
        const grace = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
        await closed;
        clearTimeout(grace);
        await bus?.close();
        await store.close();
      })();
      return closing;
    },
  };
}
