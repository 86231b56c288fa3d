/**
 * The panel's only way out of the page: requests go to the background over runtime.sendMessage,
 * live events arrive on a WATCH_PORT port. Content scripts never call the relay themselves
 * (Firefox would apply the CRM page's CSP to them, and the token must stay out of the page).
 */
import { WATCH_PORT, type Request, type ResponseMap, type Result, type WatchClientMessage, type WatchServerMessage, type WatchSubject } from '../messages.ts';

export interface Bridge {
  request<T extends Request['type']>(req: Extract<Request, { type: T }>): Promise<Result<ResponseMap[T]>>;
  /** Streams live events and stream-state changes for one phone (or several, or the team) until `signal` aborts. */
  watch(subject: WatchSubject, onMessage: (m: WatchServerMessage) => void, signal: AbortSignal): void;
}

/** The slice of runtime.Port the bridge uses (so tests can hand in a fake). */
export interface PortLike {
  postMessage(message: unknown): void;
  disconnect(): void;
  onMessage: { addListener(cb: (message: unknown) => void): void; removeListener(cb: (message: unknown) => void): void };
  onDisconnect: { addListener(cb: () => void): void; removeListener(cb: () => void): void };
}

export interface RuntimeLike {
  sendMessage(message: unknown): Promise<unknown>;
  connect(info: { name: string }): PortLike;
}

/** Chrome keeps an MV3 service worker alive while port messages flow; 20 s stays well under its 30 s idle limit. */
export const PING_INTERVAL_MS = 20_000;
/** Backoff for re-opening a port the background dropped (service-worker restart, extension update). */
export const RECONNECT_DELAYS_MS = [250, 1_000, 2_000, 5_000, 10_000, 30_000] as const;

function isResult(value: unknown): value is Result<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { ok?: unknown }).ok === 'boolean';
}

function failure(code: string, message: string): Result<never> {
  return { ok: false, error: { code, message } };
}

/**
 * The native runtime: Firefox's `browser` and Chrome MV3's `chrome` both return promises from
 * sendMessage, so the panel skips webextension-polyfill (~3 KB gzipped of the content-script budget).
 */
function nativeRuntime(): RuntimeLike {
  const g = globalThis as { browser?: { runtime?: unknown }; chrome?: { runtime?: unknown } };
  return (g.browser?.runtime ?? g.chrome?.runtime) as RuntimeLike;
}

export function createExtensionBridge(runtime: RuntimeLike = nativeRuntime()): Bridge {
  return {
    async request(req) {
      try {
        const answer = await runtime.sendMessage(req);
        // The background always answers with a Result; anything else means it isn't listening (yet).
        return isResult(answer) ? (answer as Result<never>) : failure('BAD_RESPONSE', 'The extension background gave no answer.');
      } catch (err) {
        // "Extension context invalidated" / "Receiving end does not exist": the background is unreachable.
        return failure('OFFLINE', err instanceof Error ? err.message : String(err));
      }
    },

    watch(subject, onMessage, signal) {
      const watchMessage = (typeof subject === 'string' ? { type: 'watch', phone: subject } : { type: 'watch', ...subject }) as WatchClientMessage;
      let port: PortLike | null = null;
      let ping: ReturnType<typeof setInterval> | undefined;
      let retry: ReturnType<typeof setTimeout> | undefined;
      let attempt = 0;

      const onPortMessage = (message: unknown): void => {
        attempt = 0; // the background is alive again: next drop starts the backoff afresh
        if (typeof message === 'object' && message !== null && 'type' in message) onMessage(message as WatchServerMessage);
      };
      const onPortDisconnect = (): void => {
        detach();
        if (signal.aborted) return;
        onMessage({ type: 'stream', state: 'connecting' });
        const delay = RECONNECT_DELAYS_MS[Math.min(attempt, RECONNECT_DELAYS_MS.length - 1)] ?? 30_000;
        attempt += 1;
        retry = setTimeout(connect, delay);
      };
      const post = (m: WatchClientMessage): void => {
        try {
          port?.postMessage(m);
        } catch {
          // Posting on a port that just died throws; onDisconnect handles the reconnect.
        }
      };
      function detach(): void {
        clearInterval(ping);
        ping = undefined;
        if (port) {
          port.onMessage.removeListener(onPortMessage);
          port.onDisconnect.removeListener(onPortDisconnect);
        }
        port = null;
      }
      function connect(): void {
        retry = undefined;
        if (signal.aborted) return;
        try {
          port = runtime.connect({ name: WATCH_PORT });
        } catch {
          // connect() only throws when this content script's extension context is gone (extension
          // reloaded); retrying cannot succeed, and the page lifecycle will abort us soon.
          onMessage({ type: 'stream', state: 'offline' });
          return;
        }
        port.onMessage.addListener(onPortMessage);
        port.onDisconnect.addListener(onPortDisconnect);
        post(watchMessage);
        ping = setInterval(() => post({ type: 'ping' }), PING_INTERVAL_MS);
      }

      signal.addEventListener('abort', () => {
        clearTimeout(retry);
        const open = port;
        detach();
        open?.disconnect();
      }, { once: true });
      connect();
    },
  };
}
