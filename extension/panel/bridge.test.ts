// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WATCH_PORT, type WatchServerMessage } from '../messages.ts';
import { createExtensionBridge, PING_INTERVAL_MS, type PortLike, type RuntimeLike } from './bridge.ts';


class FakePort implements PortLike {
  posted: unknown[] = [];
  disconnected = false;
  private messageListeners = new Set<(m: unknown) => void>();
  private disconnectListeners = new Set<() => void>();
  onMessage = {
    addListener: (cb: (m: unknown) => void) => void this.messageListeners.add(cb),
    removeListener: (cb: (m: unknown) => void) => void this.messageListeners.delete(cb),
  };
  onDisconnect = {
    addListener: (cb: () => void) => void this.disconnectListeners.add(cb),
    removeListener: (cb: () => void) => void this.disconnectListeners.delete(cb),
  };
  postMessage(m: unknown) {
    if (this.disconnected) throw new Error('Attempting to use a disconnected port object');
    this.posted.push(m);
  }
  disconnect() {
    this.disconnected = true;
  }
  /** The background side sends. */
  send(m: unknown) {
    for (const cb of this.messageListeners) cb(m);
  }
  /** The background side goes away (service worker restart). */
  drop() {
    this.disconnected = true;
    for (const cb of [...this.disconnectListeners]) cb();
  }
}

function fakeRuntime(answer: (m: unknown) => Promise<unknown> = async () => ({ ok: true, data: null })) {
  const ports: FakePort[] = [];
  const runtime: RuntimeLike & { names: string[] } = {
    names: [],
    sendMessage: vi.fn(answer),
    connect(info) {
      runtime.names.push(info.name);
      const port = new FakePort();
      ports.push(port);
      return port;
    },
  };
  return { runtime, ports };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('createExtensionBridge', () => {
  it('passes requests to the background and returns its Result', async () => {
    const { runtime } = fakeRuntime(async () => ({ ok: true, data: { name: 'Ana', role: 'rep', simulated: true } }));
    const bridge = createExtensionBridge(runtime);
    await expect(bridge.request({ type: 'me' })).resolves.toEqual({ ok: true, data: { name: 'Ana', role: 'rep', simulated: true } });
    expect(runtime.sendMessage).toHaveBeenCalledWith({ type: 'me' });
  });

  it('turns an unreachable background into an OFFLINE failure and a non-answer into BAD_RESPONSE', async () => {
    const failing = createExtensionBridge(fakeRuntime(async () => { throw new Error('Extension context invalidated.'); }).runtime);
    await expect(failing.request({ type: 'me' })).resolves.toEqual({ ok: false, error: { code: 'OFFLINE', message: 'Extension context invalidated.' } });
    const silent = createExtensionBridge(fakeRuntime(async () => undefined).runtime);
    const res = await silent.request({ type: 'me' });
    expect(res.ok === false && res.error.code).toBe('BAD_RESPONSE');
  });

  it('watches a phone, pings every 20 s, reconnects when the background drops the port, and stops on abort', () => {
    const { runtime, ports } = fakeRuntime();
    const bridge = createExtensionBridge(runtime);
    const seen: WatchServerMessage[] = [];
    const controller = new AbortController();
    bridge.watch('+5511987654321', (m) => seen.push(m), controller.signal);

    expect(runtime.names).toEqual([WATCH_PORT]);
    const first = ports[0]!;
    expect(first.posted).toEqual([{ type: 'watch', phone: '+5511987654321' }]);
    vi.advanceTimersByTime(PING_INTERVAL_MS * 2);
    expect(first.posted.slice(1)).toEqual([{ type: 'ping' }, { type: 'ping' }]);

    first.send({ type: 'stream', state: 'open' });
    expect(seen).toEqual([{ type: 'stream', state: 'open' }]);

    first.drop();
    expect(seen.at(-1)).toEqual({ type: 'stream', state: 'connecting' });
    vi.advanceTimersByTime(PING_INTERVAL_MS); // no pings on a dead port (it would throw)
    expect(ports).toHaveLength(2);
    const second = ports[1]!;
    expect(second.posted[0]).toEqual({ type: 'watch', phone: '+5511987654321' });

    controller.abort();
    expect(second.disconnected).toBe(true);
    const count = second.posted.length;
    vi.advanceTimersByTime(PING_INTERVAL_MS * 3);
    expect(second.posted).toHaveLength(count);
    expect(ports).toHaveLength(2);
  });

  it('reports offline and stops when the extension context is gone', () => {
    const runtime: RuntimeLike = {
      sendMessage: async () => null,
      connect: () => { throw new Error('Extension context invalidated.'); },
    };
    const seen: WatchServerMessage[] = [];
    createExtensionBridge(runtime).watch('+5511987654321', (m) => seen.push(m), new AbortController().signal);
    expect(seen).toEqual([{ type: 'stream', state: 'offline' }]);
  });
  it('watches several phones, or the whole team, with the same port mechanism', () => {
    const { runtime, ports } = fakeRuntime();
    const bridge = createExtensionBridge(runtime);
    const controller = new AbortController();
    bridge.watch({ phones: ['+5511987654321', '+919876543210'] }, () => undefined, controller.signal);
    bridge.watch({ scope: 'all' }, () => undefined, controller.signal);
    expect(ports[0]?.posted[0]).toEqual({ type: 'watch', phones: ['+5511987654321', '+919876543210'] });
    expect(ports[1]?.posted[0]).toEqual({ type: 'watch', scope: 'all' });
    controller.abort();
    expect(ports.every((p) => p.disconnected)).toBe(true);
  });
});
