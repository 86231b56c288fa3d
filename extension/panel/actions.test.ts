// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest';
import { createFakeBridge, makeContact, NOW, PHONE } from './fake-bridge.ts';
import { createPanelState } from './state.ts';

async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

function setup(fake = createFakeBridge(makeContact({ session: { state: 'open', lastInboundAt: NOW.toISOString(), expiresAt: null } }))) {
  const state = createPanelState({ bridge: fake.bridge, now: () => NOW });
  const controller = new AbortController();
  state.actions.start(controller.signal, PHONE);
  return { state, fake, controller };
}

describe('panel actions', () => {
  it('reuses the idempotency key after an uncertain failure, and uses a fresh one after success', async () => {
    const { state, fake } = setup();
    await flush();
    fake.handlers['message.send'] = () => ({ ok: false, error: { code: 'OFFLINE', message: 'Could not establish connection.' } });
    expect(await state.actions.sendText('hello')).toBe(false);
    delete fake.handlers['message.send'];
    expect(await state.actions.sendText('hello')).toBe(true);
    expect(await state.actions.sendText('hello')).toBe(true);
    const keys = fake.requestsOf('message.send').map((r) => r.idempotencyKey);
    expect(keys[0]).toBe(keys[1]);
    expect(keys[2]).not.toBe(keys[1]);
    // The successful send is shown right away, before its message.created event arrives.
    expect(state.contact.value?.messages.map((m) => m.body)).toEqual(['hello', 'hello']);
  });

  it('uses a new key after the relay definitely refused', async () => {
    const { state, fake } = setup();
    await flush();
    fake.handlers['message.send'] = () => ({ ok: false, error: { code: 'SESSION_CLOSED', message: 'closed', status: 409 } });
    await state.actions.sendText('hi');
    await state.actions.sendText('hi');
    const [a, b] = fake.requestsOf('message.send').map((r) => r.idempotencyKey);
    expect(a).not.toBe(b);
    expect(state.errors.value.map((e) => e.code)).toEqual(['SESSION_CLOSED']);
  });

  it('ignores a contact answer that arrives after switching phones', async () => {
    const fake = createFakeBridge();
    let answer: (() => void) | null = null;
    fake.handlers['contact.get'] = (req) =>
      new Promise((resolve) => {
        const reply = () => resolve({ ok: true, data: makeContact({ phone: req.phone }) });
        if (req.phone === PHONE) answer = reply;
        else reply();
      });
    const { state } = setup(fake);
    state.actions.switchPhone('+5511912345678');
    await flush();
    (answer as (() => void) | null)?.();
    await flush();
    expect(state.contact.value?.phone).toBe('+5511912345678');
  });

  it('ticks the clock every second and stops it on abort', () => {
    vi.useFakeTimers({ now: NOW, toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'Date'] });
    try {
      const state = createPanelState({ bridge: createFakeBridge().bridge, now: () => new Date() });
      const controller = new AbortController();
      state.actions.start(controller.signal, PHONE);
      vi.advanceTimersByTime(3000);
      expect(state.clock.value.getTime()).toBe(NOW.getTime() + 3000);
      controller.abort();
      vi.advanceTimersByTime(3000);
      expect(state.clock.value.getTime()).toBe(NOW.getTime() + 3000);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
