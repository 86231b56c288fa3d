// @vitest-environment happy-dom
// @vitest-environment-options {"url":"https://acme.ariticapp.com/","settings":{"handleDisabledFileLoadingAsSuccess":true,"disableJavaScriptFileLoading":true}}
import { afterEach, describe, expect, it } from 'vitest';
import type { ContactSummary } from '../../shared/reports.ts';
import { fixturePath, fixtureUrl, parseFixture, type FixtureName } from '../../test/fixtures/pinpoint/fixtures.ts';
import { createFakeBridge, makeMessage, type FakeBridge } from '../panel/fake-bridge.ts';
import { findContactsTable } from './crm/pinpoint.ts';
import { applySummaryEvent, BADGE_TAG, badgeText, startListBadges } from './list-badges.ts';

const MARIA = '+5511987654321';
const RAHUL = '+919876543210';
const SUMMARIES: ContactSummary[] = [
  { pinpointId: '42', phone: MARIA, consent: 'opted_in', lastMessage: { direction: 'outbound', status: 'read', at: '2026-11-28T10:00:00.000Z' } },
  { pinpointId: '43', phone: RAHUL, consent: 'opted_out', lastMessage: null },
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await sleep(5);
  }
}

function loadPage(name: FixtureName): void {
  const parsed = parseFixture(name);
  document.body.replaceChildren(...Array.from(parsed.body.childNodes, (node) => document.importNode(node, true)));
  history.replaceState(null, '', fixturePath(name));
}

const controllers: AbortController[] = [];
afterEach(() => {
  while (controllers.length) controllers.pop()?.abort();
  document.body.innerHTML = '';
});

function setup(opts: { role?: 'rep' | 'manager' | 'admin'; page?: FixtureName; summaries?: ContactSummary[] } = {}) {
  loadPage(opts.page ?? 'contacts-list-m5.html');
  const fake: FakeBridge = createFakeBridge();
  fake.handlers.me = () => ({ ok: true, data: { name: 'Bia', role: opts.role ?? 'manager', simulated: false } });
  fake.handlers['contacts.summary'] = (req) => ({
    ok: true,
    data: { contacts: structuredClone((opts.summaries ?? SUMMARIES).filter((s) => req.pinpointIds.includes(s.pinpointId))) },
  });
  const controller = new AbortController();
  controllers.push(controller);
  const url = () => new URL(location.href);
  const start = () =>
    startListBadges({
      table: () => findContactsTable(document, url()),
      root: document.querySelector('.content-body')!,
      bridge: fake.bridge,
      signal: controller.signal,
      debounceMs: 5,
    });
  const badgeOf = (id: string) => {
    const cell = document.querySelector(`#leadTable a[href$="/s/contacts/view/${id}"]`)?.closest('td');
    const all = cell ? [...cell.querySelectorAll(BADGE_TAG)] : [];
    const root = all[0]?.shadowRoot;
    // What a reader gets: the hidden "WhatsApp: " label, then the badge's own text (style aside).
    const text = root ? [...root.childNodes].filter((n) => n.nodeName !== 'STYLE').map((n) => n.textContent).join('') : null;
    return { all, text: text?.replace(/^WhatsApp: /, '') ?? null, host: all[0] as HTMLElement | undefined };
  };
  return { fake, controller, start, badgeOf };
}

describe('contacts-list badges', () => {
  it('mounts one badge per known row, from one batched request; unknown rows stay untouched', async () => {
    const { fake, start, badgeOf } = setup();
    const before = document.querySelector('#leadTable a[href$="/view/44"]')!.closest('tr')!.innerHTML;
    await start();
    await waitFor(() => badgeOf('42').all.length === 1);
    expect(fake.requestsOf('contacts.summary')).toEqual([{ type: 'contacts.summary', pinpointIds: ['42', '43', '44', '46', '47'] }]);
    expect(badgeOf('42').text).toBe('✓ opted in · ✓✓ read');
    expect(badgeOf('43').text).toBe('⊘ opted out');
    expect(badgeOf('43').host?.dataset['consent']).toBe('opted_out');
    for (const id of ['44', '46', '47']) expect(badgeOf(id).all).toHaveLength(0);
    expect(document.querySelector('#leadTable a[href$="/view/44"]')!.closest('tr')!.innerHTML).toBe(before);
    // The badge is a shadow host after the link, not inside it (a click on it doesn't navigate).
    expect(badgeOf('42').host?.closest('a')).toBeNull();
    expect(badgeOf('42').host?.shadowRoot?.querySelector('style')).not.toBeNull();
    // One stream for the page's known phones.
    expect(fake.watching()).toEqual([[RAHUL, MARIA].sort().join(',')]);
  });

  it('is idempotent: later mutations and a leftover badge from an older script never double a badge, nor re-ask', async () => {
    const { fake, start, badgeOf } = setup();
    // A badge left by a previous copy of the content script (extension reloaded).
    const cell = document.querySelector('#leadTable a[href$="/view/42"]')!.closest('td')!;
    cell.append(document.createElement(BADGE_TAG));
    await start();
    await waitFor(() => badgeOf('42').all.length === 1 && badgeOf('42').text !== null);
    document.querySelector('.list-toolbar')!.append(document.createElement('span')); // an unrelated page change
    await sleep(30);
    expect(badgeOf('42').all).toHaveLength(1);
    expect(badgeOf('43').all).toHaveLength(1);
    expect(fake.requestsOf('contacts.summary')).toHaveLength(1);
  });

  it('new rows (pagination, search) are asked once, together; the stream follows the new phones', async () => {
    const { fake, start, badgeOf } = setup({
      summaries: [...SUMMARIES, { pinpointId: '48', phone: '+34600123456', consent: 'unknown', lastMessage: { direction: 'inbound', status: 'received', at: '2026-11-29T10:00:00.000Z' } }],
    });
    await start();
    await waitFor(() => badgeOf('42').all.length === 1);
    const tbody = document.querySelector('#leadTable tbody')!;
    const first = tbody.querySelector('tr')!;
    const row = document.createElement('tr');
    const td = document.createElement('td');
    const a = document.createElement('a');
    a.href = '/ma/s/contacts/view/48';
    a.textContent = 'Pilar';
    td.append(a);
    row.append(td);
    tbody.replaceChildren(row, first);
    await waitFor(() => badgeOf('48').all.length === 1);
    expect(fake.requestsOf('contacts.summary').map((r) => r.pinpointIds)).toEqual([['42', '43', '44', '46', '47'], ['48']]);
    expect(badgeOf('48').text).toBe('opt-in unknown · ↩ replied');
    expect(fake.watching()).toEqual([['+34600123456', RAHUL, MARIA].sort().join(',')]);
  });

  it('updates a badge when a status callback arrives, and a consent change', async () => {
    const { fake, start, badgeOf } = setup({
      summaries: [{ pinpointId: '42', phone: MARIA, consent: 'opted_in', lastMessage: { direction: 'outbound', status: 'sent', at: '2026-11-28T10:00:00.000Z' } }],
    });
    await start();
    await waitFor(() => badgeOf('42').text === '✓ opted in · ✓ sent');
    const msg = makeMessage({ id: 'm1', phone: MARIA, status: 'delivered', createdAt: '2026-11-28T10:00:00.000Z' });
    fake.event({ type: 'message.status', phone: MARIA, message: msg });
    expect(badgeOf('42').text).toBe('✓ opted in · ✓✓ delivered');
    // A late "sent" never moves it back; an older message's status changes nothing.
    fake.event({ type: 'message.status', phone: MARIA, message: { ...msg, status: 'sent' } });
    fake.event({ type: 'message.status', phone: MARIA, message: { ...msg, id: 'm0', status: 'failed', createdAt: '2026-11-01T10:00:00.000Z' } });
    expect(badgeOf('42').text).toBe('✓ opted in · ✓✓ delivered');
    fake.event({ type: 'message.status', phone: MARIA, message: { ...msg, status: 'read' } });
    expect(badgeOf('42').text).toBe('✓ opted in · ✓✓ read');
    fake.event({ type: 'consent.changed', phone: MARIA, consent: { state: 'opted_out', source: 'keyword', at: null, by: null, evidence: 'STOP' } });
    expect(badgeOf('42').text).toBe('⊘ opted out · ✓✓ read');
    // Another phone's event touches nothing.
    fake.event({ type: 'message.created', phone: RAHUL, message: makeMessage({ id: 'm9', phone: RAHUL, createdAt: '2026-11-30T10:00:00.000Z' }) });
    expect(badgeOf('42').text).toBe('⊘ opted out · ✓✓ read');
  });

  it('refetches after a reconnect (events are hints), not on the first open', async () => {
    const { fake, start, badgeOf } = setup();
    await start();
    await waitFor(() => badgeOf('42').all.length === 1);
    fake.push({ type: 'stream', state: 'open' });
    await sleep(10);
    expect(fake.requestsOf('contacts.summary')).toHaveLength(1);
    fake.push({ type: 'stream', state: 'offline', retryInMs: 1000 });
    fake.push({ type: 'stream', state: 'open' });
    await waitFor(() => fake.requestsOf('contacts.summary').length === 2);
    expect(badgeOf('42').all).toHaveLength(1);
  });

  it('does nothing for reps: no summary request, no badge, no stream', async () => {
    const { fake, start } = setup({ role: 'rep' });
    await start();
    await sleep(30);
    expect(fake.requestsOf('me')).toHaveLength(1);
    expect(fake.requestsOf('contacts.summary')).toHaveLength(0);
    expect(document.querySelectorAll(BADGE_TAG)).toHaveLength(0);
    expect(fake.watching()).toEqual([]);
  });

  it('leaving the view removes every badge and closes the stream', async () => {
    const { fake, start, controller, badgeOf } = setup();
    await start();
    await waitFor(() => badgeOf('42').all.length === 1);
    controller.abort();
    expect(document.querySelectorAll(BADGE_TAG)).toHaveLength(0);
    expect(fake.watching()).toEqual([]);
    // Nothing re-mounts afterwards.
    document.querySelector('#leadTable tbody')!.append(document.createElement('tr'));
    await sleep(30);
    expect(document.querySelectorAll(BADGE_TAG)).toHaveLength(0);
    expect(fake.requestsOf('contacts.summary')).toHaveLength(1);
  });

  it('works on the relay demo list (bare links) and on the first list fixture', async () => {
    const { fake, start, badgeOf } = setup({ page: 'contacts-list.html' });
    await start();
    await waitFor(() => badgeOf('42').all.length === 1);
    expect(fake.requestsOf('contacts.summary')[0]?.pinpointIds).toEqual(['42', '43']);
    expect(fixtureUrl('contacts-list.html').pathname).toBe(location.pathname);
  });
});

describe('badge model', () => {
  const base = SUMMARIES[0]!;
  it('words every tick', () => {
    const at = '2026-11-28T10:00:00.000Z';
    const text = (status: NonNullable<ContactSummary['lastMessage']>['status'], direction: 'inbound' | 'outbound' = 'outbound') =>
      badgeText({ ...base, lastMessage: { direction, status, at } });
    expect(['queued', 'sent', 'delivered', 'read', 'undelivered'].map((s) => text(s as 'sent'))).toEqual([
      '✓ opted in · 🕓 sending',
      '✓ opted in · ✓ sent',
      '✓ opted in · ✓✓ delivered',
      '✓ opted in · ✓✓ read',
      '✓ opted in · ⚠ failed',
    ]);
    expect(text('received', 'inbound')).toBe('✓ opted in · ↩ replied');
  });

  it('a newer message replaces the last one; an inbound reply too', () => {
    const reply = makeMessage({ id: 'r', direction: 'inbound', status: 'received', createdAt: '2026-11-29T00:00:00.000Z' });
    expect(applySummaryEvent(base, { type: 'message.inbound', phone: base.phone, message: reply }).lastMessage).toEqual({
      direction: 'inbound',
      status: 'received',
      at: '2026-11-29T00:00:00.000Z',
    });
  });

  it('a deleted contact keeps its consent but has no last message', () => {
    const after = applySummaryEvent(base, { type: 'contact.deleted', phone: base.phone });
    expect(after.lastMessage).toBeNull();
    expect(after.consent).toBe(base.consent);
  });
});
