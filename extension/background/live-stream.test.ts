// @vitest-environment node
import type { ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LiveEvent } from '../../shared/events.ts';
import type { WatchServerMessage } from '../messages.ts';
import { BACKOFF_MAX_MS, BACKOFF_MIN_MS, LiveStreamHub, SseConnection, backoffDelay, phoneEventsPath, type StreamState } from './live-stream.ts';
import { endpointFrom } from './relay-client.ts';
import { sampleMessage, startTestServer, type TestServer } from './test-server.ts';

let server: TestServer;
let streams: Array<{ url: string; res: ServerResponse; closed: boolean }> = [];
const connections: SseConnection[] = [];

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());
afterEach(() => {
  for (const c of connections.splice(0)) c.stop();
  for (const s of streams) s.res.destroy();
  streams = [];
});

function sseServer(opts: { greet?: boolean } = {}) {
  server.handle((req, res) => {
    if (req.headers.authorization !== 'Bearer tok') {
      res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"error":{"code":"UNAUTHORIZED","message":"no"}}');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
    const entry = { url: req.url ?? '', res, closed: false };
    res.on('close', () => (entry.closed = true));
    streams.push(entry);
    if (opts.greet !== false) res.write(': connected\n\n');
  });
}

function send(res: ServerResponse, event: LiveEvent | unknown, id?: string) {
  const type = (event as { type?: string }).type ?? 'message';
  res.write(`${id ? `id: ${id}\n` : ''}event: ${type}\ndata: ${JSON.stringify(event)}\n\n`);
}

const inbound = (id: string): LiveEvent => ({
  type: 'message.inbound',
  phone: '+5511987654321',
  message: { ...sampleMessage, id, direction: 'inbound', status: 'received' },
});

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function connection(opts: Partial<ConstructorParameters<typeof SseConnection>[0]> & { token?: string } = {}) {
  const events: Array<{ event: LiveEvent; id: string | undefined }> = [];
  const states: Array<{ state: StreamState; retryInMs?: number }> = [];
  let settings = { relayUrl: server.url, token: opts.token ?? 'tok' };
  const conn = new SseConnection({
    endpoint: async () => endpointFrom(settings),
    path: phoneEventsPath('+5511987654321'),
    onEvent: (event, id) => events.push({ event, id }),
    onState: (state, info) => states.push({ state, ...(info.retryInMs !== undefined ? { retryInMs: info.retryInMs } : {}) }),
    random: () => 0.5,
    ...opts,
  });
  connections.push(conn);
  return { conn, events, states, setSettings: (s: typeof settings) => (settings = s) };
}

describe('backoffDelay', () => {
  it('doubles from about 1 s up to 30 s, with bounded jitter', () => {
    expect(backoffDelay(0, () => 0.5)).toBe(1000);
    expect(backoffDelay(1, () => 0.5)).toBe(2000);
    expect(backoffDelay(4, () => 0.5)).toBe(16000);
    expect(backoffDelay(10, () => 0.5)).toBe(30000);
    for (let attempt = 0; attempt < 12; attempt++) {
      for (const r of [0, 0.25, 0.999]) {
        const d = backoffDelay(attempt, () => r);
        expect(d).toBeGreaterThanOrEqual(BACKOFF_MIN_MS);
        expect(d).toBeLessThanOrEqual(BACKOFF_MAX_MS);
      }
    }
    expect(backoffDelay(3, () => 0)).toBeLessThan(backoffDelay(3, () => 0.999));
  });
});

describe('SseConnection', () => {
  it('connects with the token, opens on the first bytes and delivers only valid events', async () => {
    sseServer();
    const { conn, events, states } = connection();
    conn.start();
    await until(() => streams.length === 1 && conn.state === 'open');
    expect(states.map((s) => s.state)).toEqual(['connecting', 'open']);
    const req = server.requests.at(-1)!;
    expect(req.url).toBe('/v1/events?phone=%2B5511987654321');
    expect(req.headers.accept).toBe('text/event-stream');
    expect(req.headers['last-event-id']).toBeUndefined();

    const res = streams[0]!.res;
    send(res, { type: 'message.inbound', phone: '+1', message: { nope: true } }, '1'); // invalid: dropped
    res.write('event: message.inbound\ndata: {not json\n\n'); // not JSON: dropped
    res.write(': ping\n\n');
    send(res, inbound('m2'), '2');
    await until(() => events.length === 1);
    expect(events[0]).toMatchObject({ id: '2', event: { type: 'message.inbound', message: { id: 'm2' } } });
  });

  it('reconnects with backoff after the stream ends and sends Last-Event-ID', async () => {
    sseServer();
    let lastId: string | undefined = 'cursor-9';
    const { conn, states } = connection({ lastEventId: () => lastId });
    conn.start();
    await until(() => conn.state === 'open');
    expect(server.requests.at(-1)!.headers['last-event-id']).toBe('cursor-9');
    lastId = 'cursor-10';
    const started = Date.now();
    streams[0]!.res.end();
    await until(() => states.some((s) => s.state === 'offline'));
    expect(states.find((s) => s.state === 'offline')?.retryInMs).toBe(1000);
    await until(() => streams.length === 2 && conn.state === 'open');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(server.requests.at(-1)!.headers['last-event-id']).toBe('cursor-10');
    expect(states.map((s) => s.state)).toEqual(['connecting', 'open', 'offline', 'connecting', 'open']);
  });

  it('backs off harder when the relay refuses the token, and reconnectNow retries at once', async () => {
    sseServer();
    const { conn, states, setSettings } = connection({ token: 'wrong' });
    conn.start();
    await until(() => states.some((s) => s.state === 'offline'));
    expect(states.find((s) => s.state === 'offline')?.retryInMs).toBe(30000);
    setSettings({ relayUrl: server.url, token: 'tok' });
    conn.reconnectNow();
    await until(() => conn.state === 'open');
  });

  it('parks offline when not configured until reconnectNow', async () => {
    sseServer();
    const { conn, states, setSettings } = connection({ token: '' });
    conn.start();
    await until(() => conn.state === 'offline');
    expect(states.at(-1)).toEqual({ state: 'offline' });
    await new Promise((r) => setTimeout(r, 100));
    expect(streams.length).toBe(0);
    setSettings({ relayUrl: server.url, token: 'tok' });
    conn.reconnectNow();
    await until(() => conn.state === 'open');
  });

  it('drops a silent connection after the heartbeat timeout', async () => {
    sseServer();
    const { conn, states } = connection({ heartbeatTimeoutMs: 150 });
    conn.start();
    await until(() => conn.state === 'open');
    await until(() => states.some((s) => s.state === 'offline'));
    await until(() => streams[0]!.closed);
  });

  it('stop() closes the request', async () => {
    sseServer();
    const { conn } = connection();
    conn.start();
    await until(() => conn.state === 'open');
    conn.stop();
    await until(() => streams[0]!.closed);
    expect(conn.running).toBe(false);
  });
});

describe('LiveStreamHub', () => {
  function port() {
    const messages: WatchServerMessage[] = [];
    return { messages, postMessage: (m: WatchServerMessage) => void messages.push(m) };
  }

  it('shares one stream per phone across ports and closes it with the last port', async () => {
    sseServer();
    const hub = new LiveStreamHub({
      createConnection: (phone, callbacks) => {
        const c = new SseConnection({ endpoint: async () => endpointFrom({ relayUrl: server.url, token: 'tok' }), path: phoneEventsPath(phone), ...callbacks });
        connections.push(c);
        return c;
      },
    });
    const a = port();
    const b = port();
    const c = port();
    hub.watch(a, '+5511987654321');
    await until(() => a.messages.some((m) => m.type === 'stream' && m.state === 'open'));
    hub.watch(b, '+5511987654321');
    expect(b.messages).toEqual([{ type: 'stream', state: 'open' }]);
    hub.watch(c, '+14155550100');
    await until(() => streams.length === 2);
    expect(hub.phones.sort()).toEqual(['+14155550100', '+5511987654321']);

    const first = streams.find((s) => s.url.includes('5511987654321'))!;
    send(first.res, inbound('m1'), '1');
    await until(() => a.messages.some((m) => m.type === 'event') && b.messages.some((m) => m.type === 'event'));
    expect(c.messages.some((m) => m.type === 'event')).toBe(false);

    hub.unwatch(a);
    await new Promise((r) => setTimeout(r, 50));
    expect(first.closed).toBe(false);
    hub.unwatch(b);
    await until(() => first.closed);
    expect(hub.phones).toEqual(['+14155550100']);

    // A port that switches phone leaves its old stream.
    hub.watch(c, '+5511987654321');
    const second = streams.find((s) => s.url.includes('14155550100'))!;
    await until(() => second.closed);
    hub.closeAll();
    expect(hub.phones).toEqual([]);
  });
});
