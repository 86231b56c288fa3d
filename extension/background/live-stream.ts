/**
 * Live events from the relay: Server-Sent Events read with fetch + a ReadableStream reader (an MV3
 * service worker has no EventSource, and EventSource can't send the Authorization header).
 *
 * - SseConnection: one reconnecting stream. Exponential backoff with jitter (1 s → 30 s), a heartbeat
 *   watchdog (the relay sends `: ping` every 15 s), every event validated with LiveEvent.
 * - LiveStreamHub: one stream per watched phone, shared by every port (tab) watching it, closed when
 *   the last port for that phone goes away. State changes go to the ports as {type: 'stream', state}.
 *
 * Events are hints (architecture principle 9): on every transition to 'open' the panel refetches.
 */
import { LiveEvent } from '../../shared/events.ts';
import type { RelayFailure, WatchServerMessage } from '../messages.ts';
import type { FetchLike, RelayEndpoint } from './relay-client.ts';
import { SseParser } from './sse-parser.ts';

export type StreamState = 'connecting' | 'open' | 'offline';

export const BACKOFF_MIN_MS = 1_000;
export const BACKOFF_MAX_MS = 30_000;
export const HEARTBEAT_TIMEOUT_MS = 45_000;

/** attempt 0 → ~1 s, 1 → ~2 s, … capped at 30 s; ±20 % jitter so many tabs/workers don't reconnect in step. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.max(0, attempt));
  const jittered = base * (0.8 + 0.4 * random());
  return Math.round(Math.min(BACKOFF_MAX_MS, Math.max(BACKOFF_MIN_MS, jittered)));
}

export interface SseConnectionOptions {
  /** Where to connect; a failure (NOT_CONFIGURED) parks the stream 'offline' until reconnectNow(). */
  endpoint: () => Promise<{ ok: true; data: RelayEndpoint } | { ok: false; error: RelayFailure }>;
  /** Path and query, e.g. `/v1/events?phone=%2B5511…`. */
  path: string;
  onEvent: (event: LiveEvent, id: string | undefined) => void;
  onState?: (state: StreamState, info: { retryInMs?: number; error?: RelayFailure }) => void;
  /** Sent as Last-Event-ID on each (re)connect so the relay can replay what was missed. */
  lastEventId?: () => string | undefined | Promise<string | undefined>;
  fetch?: FetchLike;
  random?: () => number;
  heartbeatTimeoutMs?: number;
  log?: (message: string, detail?: unknown) => void;
}

export class SseConnection {
  private stopped = true;
  private attempt = 0;
  private abort: AbortController | null = null;
  private wake: (() => void) | null = null;
  private currentState: StreamState = 'offline';
  private lastRetryInMs: number | undefined;
  private generation = 0;

  constructor(private readonly opts: SseConnectionOptions) {}

  get state(): StreamState {
    return this.currentState;
  }

  get retryInMs(): number | undefined {
    return this.lastRetryInMs;
  }

  get running(): boolean {
    return !this.stopped;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.attempt = 0;
    const generation = ++this.generation;
    void this.loop(generation);
  }

  stop(): void {
    this.stopped = true;
    this.generation++;
    this.abort?.abort();
    this.abort = null;
    this.wake?.();
    this.wake = null;
  }

  /** Drop the current connection (or the wait before the next one) and connect again at once. */
  reconnectNow(): void {
    if (this.stopped) {
      this.start();
      return;
    }
    this.attempt = 0;
    this.abort?.abort();
    this.wake?.();
  }

  private setState(state: StreamState, info: { retryInMs?: number; error?: RelayFailure } = {}): void {
    this.lastRetryInMs = info.retryInMs;
    if (state === this.currentState && state !== 'offline') return;
    this.currentState = state;
    this.opts.onState?.(state, info);
  }

  private async loop(generation: number): Promise<void> {
    const live = () => !this.stopped && generation === this.generation;
    while (live()) {
      this.setState('connecting');
      const endpoint = await this.opts.endpoint();
      if (!live()) return;
      if (!endpoint.ok) {
        // Nothing to retry until the settings change (reconnectNow) — park.
        this.setState('offline', { error: endpoint.error });
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      const outcome = await this.connectOnce(endpoint.data, live);
      if (!live()) return;
      if (outcome === 'auth') this.attempt = Math.max(this.attempt, 5); // wrong token/URL: don't hammer
      const delay = backoffDelay(this.attempt++, this.opts.random);
      this.setState('offline', { retryInMs: delay });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  /** One connection, until it ends or fails. */
  private async connectOnce(endpoint: RelayEndpoint, live: () => boolean): Promise<'ended' | 'failed' | 'auth'> {
    const controller = new AbortController();
    this.abort = controller;
    const doFetch: FetchLike = this.opts.fetch ?? ((input, init) => fetch(input, init));
    const headers: Record<string, string> = { Accept: 'text/event-stream', Authorization: `Bearer ${endpoint.token}` };
    const lastId = await this.opts.lastEventId?.();
    if (lastId) headers['Last-Event-ID'] = lastId;

    let watchdog: ReturnType<typeof setTimeout> | undefined;
    const heartbeat = this.opts.heartbeatTimeoutMs ?? HEARTBEAT_TIMEOUT_MS;
    const feed = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => controller.abort(new DOMException('no data from the relay', 'TimeoutError')), heartbeat);
    };

    try {
      feed(); // also bounds the wait for response headers
      const res = await doFetch(endpoint.baseUrl + this.opts.path, {
        headers,
        signal: controller.signal,
        cache: 'no-store',
        credentials: 'omit',
      });
      if (!res.ok || !res.body) {
        await res.body?.cancel().catch(() => undefined);
        this.opts.log?.(`live stream refused: HTTP ${res.status}`);
        return res.status === 401 || res.status === 403 || res.status === 404 ? 'auth' : 'failed';
      }
      const parser = new SseParser({
        onMessage: (msg) => {
          let json: unknown;
          try {
            json = JSON.parse(msg.data);
          } catch {
            this.opts.log?.('live event is not JSON', msg.data);
            return;
          }
          const parsed = LiveEvent.safeParse(json);
          if (!parsed.success) {
            this.opts.log?.('live event not understood', parsed.error.issues);
            return;
          }
          this.opts.onEvent(parsed.data, msg.id);
        },
      });
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done || !live()) break;
          feed();
          if (this.currentState !== 'open') {
            // The relay's first bytes (": connected") arrive once it is subscribed: from here no event is lost.
            this.attempt = 0;
            this.setState('open');
          }
          parser.push(value);
        }
      } finally {
        reader.cancel().catch(() => undefined);
        parser.end();
      }
      return 'ended';
    } catch (err) {
      if (live()) this.opts.log?.('live stream failed', err);
      return 'failed';
    } finally {
      clearTimeout(watchdog);
      if (this.abort === controller) this.abort = null;
      controller.abort();
    }
  }
}

/** What the hub needs of a runtime.Port. */
export interface WatchPortLike {
  postMessage(message: WatchServerMessage): void;
}

interface PhoneStream {
  connection: SseConnection;
  ports: Set<WatchPortLike>;
}

export interface LiveStreamHubOptions {
  createConnection: (phone: string, callbacks: Pick<SseConnectionOptions, 'onEvent' | 'onState'>) => SseConnection;
}

export class LiveStreamHub {
  private readonly streams = new Map<string, PhoneStream>();
  private readonly portPhone = new Map<WatchPortLike, string>();

  constructor(private readonly opts: LiveStreamHubOptions) {}

  /** Phones with an open (or opening) stream — for tests and diagnostics. */
  get phones(): string[] {
    return [...this.streams.keys()];
  }

  watch(port: WatchPortLike, phone: string): void {
    if (this.portPhone.get(port) === phone) return;
    this.unwatch(port);
    this.portPhone.set(port, phone);
    let stream = this.streams.get(phone);
    if (!stream) {
      const ports = new Set<WatchPortLike>();
      const connection = this.opts.createConnection(phone, {
        onEvent: (event) => broadcast(ports, { type: 'event', event }),
        onState: (state, info) =>
          broadcast(ports, { type: 'stream', state, ...(info.retryInMs !== undefined ? { retryInMs: info.retryInMs } : {}) }),
      });
      stream = { connection, ports };
      this.streams.set(phone, stream);
      stream.ports.add(port);
      connection.start();
    } else {
      stream.ports.add(port);
      // A late joiner learns where the shared stream stands (and refetches if it is already open).
      const { state, retryInMs } = stream.connection;
      send(port, { type: 'stream', state, ...(retryInMs !== undefined && state === 'offline' ? { retryInMs } : {}) });
    }
  }

  unwatch(port: WatchPortLike): void {
    const phone = this.portPhone.get(port);
    if (phone === undefined) return;
    this.portPhone.delete(port);
    const stream = this.streams.get(phone);
    if (!stream) return;
    stream.ports.delete(port);
    if (stream.ports.size === 0) {
      stream.connection.stop();
      this.streams.delete(phone);
    }
  }

  /** After a settings change: every stream reconnects with the new URL/token. */
  reconnectAll(): void {
    for (const { connection } of this.streams.values()) connection.reconnectNow();
  }

  closeAll(): void {
    for (const { connection } of this.streams.values()) connection.stop();
    this.streams.clear();
    this.portPhone.clear();
  }
}

function send(port: WatchPortLike, message: WatchServerMessage): void {
  try {
    port.postMessage(message);
  } catch {
    // The port is gone; its onDisconnect will unwatch it.
  }
}

function broadcast(ports: Set<WatchPortLike>, message: WatchServerMessage): void {
  for (const port of ports) send(port, message);
}

export function phoneEventsPath(phone: string): string {
  return `/v1/events?phone=${encodeURIComponent(phone)}`;
}

export const MINE_EVENTS_PATH = '/v1/events?scope=mine';
