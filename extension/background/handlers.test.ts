import { describe, expect, it, vi } from 'vitest';
import type { Result } from '../messages.ts';
import { allowedFromSender, createHandlers, handleMessage, isRequestLike } from './handlers.ts';
import type { RelayClient } from './relay-client.ts';
import { sampleContact, sampleMessage } from './test-server.ts';

const emptyRow = { sent: 0, delivered: 0, read: 0, failed: 0, deliveryRate: 0, readRate: 0, medianToDeliveredMs: null, medianToReadMs: null, failuresByCode: [] };
const sampleReport = { from: '2026-11-01', to: '2026-11-30', groupBy: 'day' as const, rows: [], totals: { key: 'total', ...emptyRow } };

function setup() {
  let now = 0;
  const templates = { templates: [], fetchedAt: '2025-01-01T00:00:00.000Z', simulated: true };
  const me = vi.fn(async (): Promise<Result<{ name: string; role: 'rep'; simulated: boolean }>> => ({ ok: true, data: { name: 'Ana', role: 'rep', simulated: true } }));
  const client = {
    me,
    contact: vi.fn(async () => ({ ok: true, data: sampleContact }) as const),
    setConsent: vi.fn(async () => ({ ok: true, data: sampleContact.consent }) as const),
    templates: vi.fn(async () => ({ ok: true, data: templates }) as const),
    send: vi.fn(async () => ({ ok: true, data: sampleMessage }) as const),
    contactSummaries: vi.fn(async () => ({ ok: true, data: { contacts: [] } }) as const),
    deliveryReport: vi.fn(async () => ({ ok: true, data: sampleReport }) as const),
    pair: vi.fn(async (): Promise<Result<{ token: string; name: string; role: 'rep' | 'manager' }>> => ({ ok: true, data: { token: 'ppw_new_token', name: 'Rita Rep', role: 'rep' } })),
  } satisfies Record<keyof RelayClient, unknown>;
  const savePairing = vi.fn(async (_relayUrl: string, _token: string) => undefined);
  const badge = { seen: vi.fn(async () => undefined) };
  const openOptions = vi.fn(async () => undefined);
  const handlers = createHandlers({ client: client as unknown as RelayClient, badge, openOptions, pageSettings: async () => ({ defaultCountry: 'BR', optInLabel: 'WhatsApp Opt-in', mappings: {}, configured: true }), now: () => now, templatesTtlMs: 1000, savePairing });
  return { handlers, client, badge, openOptions, savePairing, advance: (ms: number) => (now += ms) };
}

describe('background handlers', () => {
  it('dispatches each request type to the relay client', async () => {
    const { handlers, client, badge, openOptions } = setup();
    expect(await handleMessage(handlers, { type: 'me' })).toMatchObject({ ok: true, data: { name: 'Ana' } });
    await handleMessage(handlers, { type: 'contact.get', phone: '+5511987654321', pinpointId: '42' });
    expect(client.contact).toHaveBeenCalledWith('+5511987654321', '42');
    await handleMessage(handlers, { type: 'consent.set', phone: '+5511987654321', input: { state: 'opted_in', evidence: 'Signed form' } });
    expect(client.setConsent).toHaveBeenCalledWith('+5511987654321', { state: 'opted_in', evidence: 'Signed form' });
    const input = { to: '+5511987654321', contentSid: 'HX0123456789abcdef0123456789abcdef', variables: { '1': 'Ana' } };
    await handleMessage(handlers, { type: 'message.send', input, idempotencyKey: 'key-0000001' });
    expect(client.send).toHaveBeenCalledWith(input, 'key-0000001');
    expect(await handleMessage(handlers, { type: 'replies.seen', phone: '+5511987654321' })).toEqual({ ok: true, data: null });
    expect(badge.seen).toHaveBeenCalledWith('+5511987654321');
    expect(await handleMessage(handlers, { type: 'options.open' })).toEqual({ ok: true, data: null });
    // The page-safe settings never carry the relay URL or the token.
    const page = await handleMessage(handlers, { type: 'settings.page' });
    expect(page).toEqual({ ok: true, data: { defaultCountry: 'BR', optInLabel: 'WhatsApp Opt-in', mappings: {}, configured: true } });
    const pt = await handleMessage(handlers, { type: 'strings.panel', locale: 'pt' });
    expect(pt).toMatchObject({ ok: true, data: { errGeneric: 'Algo deu errado.' } });
    expect(await handleMessage(handlers, { type: 'strings.panel', locale: 'de' })).toMatchObject({ ok: false });
    expect(openOptions).toHaveBeenCalled();
  });

  it('caches the template list briefly unless asked to refresh', async () => {
    const { handlers, client, advance } = setup();
    await handleMessage(handlers, { type: 'templates.list' });
    await handleMessage(handlers, { type: 'templates.list' });
    expect(client.templates).toHaveBeenCalledTimes(1);
    await handleMessage(handlers, { type: 'templates.list', refresh: true });
    expect(client.templates).toHaveBeenLastCalledWith(true);
    advance(2000);
    await handleMessage(handlers, { type: 'templates.list' });
    expect(client.templates).toHaveBeenCalledTimes(3);
    handlers.clearCache();
    await handleMessage(handlers, { type: 'templates.list' });
    expect(client.templates).toHaveBeenCalledTimes(4);
  });

  it('refuses malformed requests with VALIDATION_FAILED and never calls the relay', async () => {
    const { handlers, client } = setup();
    const bad: unknown[] = [
      { type: 'contact.get', phone: '011 9876' },
      { type: 'message.send', input: { to: '+5511987654321', body: '' }, idempotencyKey: 'key-0000001' },
      { type: 'message.send', input: { to: '+5511987654321', body: 'hi' } },
      { type: 'consent.set', phone: '+5511987654321', input: { state: 'opted_in', evidence: '' } },
      { type: 'nope' },
      null,
    ];
    for (const message of bad) {
      const result = (await handleMessage(handlers, message)) as Result<unknown>;
      expect(result.ok, JSON.stringify(message)).toBe(false);
      expect(result.ok === false && result.error.code).toBe('VALIDATION_FAILED');
    }
    expect(client.contact).not.toHaveBeenCalled();
    expect(client.send).not.toHaveBeenCalled();
  });

  it('turns a thrown error into a Result', async () => {
    const { handlers, client } = setup();
    client.me.mockRejectedValueOnce(new Error('boom'));
    expect(await handleMessage(handlers, { type: 'me' })).toMatchObject({ ok: false, error: { code: 'INTERNAL', message: 'boom' } });
  });

  it('reuses the identity for a minute unless asked to refresh, and forgets it with the settings', async () => {
    const { handlers, client, advance } = setup();
    await handleMessage(handlers, { type: 'me' });
    await handleMessage(handlers, { type: 'me' });
    expect(client.me).toHaveBeenCalledTimes(1);
    await handleMessage(handlers, { type: 'me', refresh: true });
    expect(client.me).toHaveBeenCalledTimes(2);
    advance(61_000);
    await handleMessage(handlers, { type: 'me' });
    expect(client.me).toHaveBeenCalledTimes(3);
    handlers.clearCache();
    await handleMessage(handlers, { type: 'me' });
    expect(client.me).toHaveBeenCalledTimes(4);
    // A failure is never cached.
    client.me.mockResolvedValueOnce({ ok: false, error: { code: 'OFFLINE', message: 'down' } });
    handlers.clearCache();
    expect(await handleMessage(handlers, { type: 'me' })).toMatchObject({ ok: false });
    expect(await handleMessage(handlers, { type: 'me' })).toMatchObject({ ok: true });
  });

  it('asks for list summaries (unique PinPoint ids) and delivery reports', async () => {
    const { handlers, client } = setup();
    expect(await handleMessage(handlers, { type: 'contacts.summary', pinpointIds: ['42', '43', '42'] })).toEqual({ ok: true, data: { contacts: [] } });
    expect(client.contactSummaries).toHaveBeenCalledWith(['42', '43']);
    const query = { from: '2026-11-01', to: '2026-11-30', groupBy: 'rep', rep: 'Ana' };
    expect(await handleMessage(handlers, { type: 'reports.delivery', query })).toMatchObject({ ok: true, data: { groupBy: 'day' } });
    expect(client.deliveryReport).toHaveBeenCalledWith(query);
    // Validated at the edge: ids are digits, at most 200; dates are dates.
    for (const bad of [
      { type: 'contacts.summary', pinpointIds: [] },
      { type: 'contacts.summary', pinpointIds: ['42; drop'] },
      { type: 'contacts.summary', pinpointIds: Array.from({ length: 201 }, (_, i) => String(i)) },
      { type: 'reports.delivery', query: { from: 'yesterday', to: '2026-11-30', groupBy: 'day' } },
      { type: 'reports.delivery', query: { from: '2026-11-01', to: '2026-11-30', groupBy: 'week' } },
    ]) {
      expect(await handleMessage(handlers, bad), JSON.stringify(bad).slice(0, 80)).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    }
    expect(client.contactSummaries).toHaveBeenCalledTimes(1);
  });

  it('pairs: calls the relay at the given URL, saves the URL and the new token, and answers without the token', async () => {
    const { handlers, client, savePairing } = setup();
    await handleMessage(handlers, { type: 'me' });
    const result = await handleMessage(handlers, { type: 'pair', relayUrl: ' https://relay.example.com/ ', code: 'abcde-23456', name: 'Rita Rep' });
    expect(result).toEqual({ ok: true, data: { name: 'Rita Rep', role: 'rep', relayUrl: 'https://relay.example.com' } });
    expect(JSON.stringify(result)).not.toContain('ppw_new_token');
    expect(client.pair).toHaveBeenCalledWith('https://relay.example.com', 'abcde-23456', 'Rita Rep');
    expect(savePairing).toHaveBeenCalledWith('https://relay.example.com', 'ppw_new_token');
    // The old identity is forgotten at once.
    await handleMessage(handlers, { type: 'me' });
    expect(client.me).toHaveBeenCalledTimes(2);
  });

  it('pairing: a refused code is passed on and nothing is saved; a failed save says the code is spent', async () => {
    const { handlers, client, savePairing } = setup();
    client.pair.mockResolvedValueOnce({ ok: false, error: { code: 'UNAUTHORIZED', message: 'not valid', status: 401 } });
    expect(await handleMessage(handlers, { type: 'pair', relayUrl: 'https://relay.example.com', code: 'ABCDE-23456', name: 'Rita' })).toEqual({
      ok: false,
      error: { code: 'UNAUTHORIZED', message: 'not valid', status: 401 },
    });
    expect(savePairing).not.toHaveBeenCalled();
    savePairing.mockRejectedValueOnce(new Error('quota'));
    const failed = await handleMessage(handlers, { type: 'pair', relayUrl: 'https://relay.example.com', code: 'ABCDE-23456', name: 'Rita' });
    expect(failed).toMatchObject({ ok: false, error: { code: 'INTERNAL', message: expect.stringContaining('new code') } });
  });

  it('pairing requests are validated before any call', async () => {
    const { handlers, client } = setup();
    for (const bad of [
      { type: 'pair', relayUrl: 'ftp://relay', code: 'ABCDE-23456', name: 'Rita' },
      { type: 'pair', relayUrl: 'https://relay.example.com', code: 'ABC', name: 'Rita' },
      { type: 'pair', relayUrl: 'https://relay.example.com', code: 'ABCDE-23456', name: ' ' },
      { type: 'pair', relayUrl: 'https://relay.example.com', code: 'ABCDE-23456', name: 'x'.repeat(101) },
      { type: 'pair', relayUrl: 'https://relay.example.com', code: 'ABCDE-23456' },
    ]) {
      expect(await handleMessage(handlers, bad), JSON.stringify(bad).slice(0, 90)).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    }
    expect(client.pair).not.toHaveBeenCalled();
  });

  it('pairing is refused without a place to save the token', async () => {
    const { client } = setup();
    const bare = createHandlers({ client: client as unknown as RelayClient, badge: { seen: async () => undefined }, openOptions: async () => undefined, pageSettings: async () => ({ defaultCountry: '', optInLabel: '', mappings: {}, configured: false }) });
    expect(await handleMessage(bare, { type: 'pair', relayUrl: 'https://relay.example.com', code: 'ABCDE-23456', name: 'Rita' })).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(client.pair).not.toHaveBeenCalled();
  });

  it('answers pairing to extension pages only, never to a content script', () => {
    const base = 'chrome-extension://abcdefghijklmnop/';
    expect(allowedFromSender('pair', 'chrome-extension://abcdefghijklmnop/extension/options/index.html', base)).toBe(true);
    expect(allowedFromSender('pair', 'https://acme.ariticapp.com/s/contacts/view/42', base)).toBe(false);
    expect(allowedFromSender('pair', 'chrome-extension://otherextension/options.html', base)).toBe(false);
    expect(allowedFromSender('pair', undefined, base)).toBe(false);
    expect(allowedFromSender('contact.get', 'https://acme.ariticapp.com/s/contacts/view/42', base)).toBe(true);
  });

  it('recognises only protocol messages', () => {
    expect(isRequestLike({ type: 'me' })).toBe(true);
    expect(isRequestLike({ type: 'watch' })).toBe(false);
    expect(isRequestLike('me')).toBe(false);
  });
});
