// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ContactState } from '../../shared/api.ts';
import type { PageContact } from '../contact.ts';
import type { PageSettings } from '../messages.ts';
import { createFakeBridge, makeContact, makeMessage, NOW, PHONE, TEMPLATE, type FakeBridge } from './fake-bridge.ts';
import type { PanelPhone } from './panel-props.ts';
import { renderPanel } from './panel.tsx';


const PAGE_CONTACT: PageContact = {
  crm: 'pinpoint',
  id: '42',
  name: 'Maria Silva',
  email: 'maria@example.com',
  phones: [{ kind: 'mobile', raw: '(11) 98765-4321' }],
  country: 'Brazil',
  optInField: null,
  fields: { City: 'São Paulo' },
};
const SETTINGS: PageSettings = {
  configured: true,
  defaultCountry: 'BR',
  optInLabel: 'WhatsApp Opt-in',
  mappings: { [TEMPLATE.sid]: { '1': 'firstName' } },
};
const PHONES: PanelPhone[] = [{ kind: 'mobile', raw: '(11) 98765-4321', e164: PHONE }];

/** Inside the window: the contact wrote an hour ago. */
const openSession = (now = NOW) => {
  const last = new Date(now.getTime() - 60 * 60 * 1000).toISOString();
  return { state: 'open' as const, lastInboundAt: last, expiresAt: new Date(Date.parse(last) + 86_400_000).toISOString() };
};

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()?.();
  vi.useRealTimers();
  document.body.innerHTML = '';
});

async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

async function mount(opts: { contact?: ContactState; fake?: FakeBridge; page?: PageContact; phones?: PanelPhone[] } = {}) {
  const fake = opts.fake ?? createFakeBridge(opts.contact ?? makeContact());
  const host = document.createElement('wa-panel');
  document.body.append(host);
  const root = host.attachShadow({ mode: 'open' });
  const controller = new AbortController();
  renderPanel(root, { contact: opts.page ?? PAGE_CONTACT, phones: opts.phones ?? PHONES, settings: SETTINGS, bridge: fake.bridge }, controller.signal);
  cleanups.push(() => controller.abort());
  await flush();
  const $ = <E extends Element = HTMLElement>(sel: string) => root.querySelector<E>(sel);
  const $$ = (sel: string) => Array.from(root.querySelectorAll<HTMLElement>(sel));
  const button = (text: string) => $$('button').find((b) => b.textContent?.trim() === text) as HTMLButtonElement | undefined;
  return { fake, root, controller, $, $$, button };
}

function type(el: HTMLInputElement | HTMLTextAreaElement, value: string): void {
  el.value = value;
  el.dispatchEvent(new Event('input', { bubbles: true }));
}

describe('renderPanel', () => {
  it('exposes the contract test ids and states', async () => {
    const contact = makeContact({
      session: openSession(new Date()),
      messages: [
        makeMessage({ id: 'm1', sid: 'SM1', status: 'delivered' }),
        makeMessage({ id: 'm2', sid: 'SM2', direction: 'inbound', status: 'received', body: 'Hi!', sentBy: null }),
      ],
    });
    const { $, $$, fake } = await mount({ contact });
    expect($('[data-testid=wa-consent]')?.dataset.state).toBe('opted_in');
    expect($('[data-testid=wa-session]')?.dataset.state).toBe('open');
    expect($('[data-testid=wa-template-picker]')).not.toBeNull();
    expect($('[data-testid=wa-composer]')).not.toBeNull();
    const messages = $$('[data-testid=wa-message]');
    expect(messages.map((m) => [m.dataset.sid, m.dataset.status])).toEqual([['SM1', 'delivered'], ['SM2', 'received']]);
    expect(fake.requestsOf('contact.get')[0]).toMatchObject({ phone: PHONE, pinpointId: '42' });
    expect(fake.watching()).toEqual([PHONE]);
    // The panel showed an inbound reply: the background's unread count can be cleared.
    expect(fake.requestsOf('replies.seen')).toEqual([{ type: 'replies.seen', phone: PHONE }]);
  });

  it('says why there is no usable number, with the raw value', async () => {
    const { $, root, fake } = await mount({ phones: [{ kind: 'phone', raw: '98765-4321', e164: null }] });
    expect(root.textContent).toContain('No usable WhatsApp number');
    expect(root.textContent).toContain('98765-4321');
    expect($('[data-testid=wa-consent]')).toBeNull();
    expect(fake.requestsOf('contact.get')).toHaveLength(0);
  });

  it('switches between two usable numbers', async () => {
    const other = '+5511912345678';
    const { $, fake } = await mount({ phones: [...PHONES, { kind: 'phone', raw: '11 91234-5678', e164: other }] });
    const select = $<HTMLSelectElement>('select')!;
    select.value = other;
    select.dispatchEvent(new Event('change', { bubbles: true }));
    await flush();
    expect(fake.requestsOf('contact.get').at(-1)).toMatchObject({ phone: other });
    expect(fake.watching()).toEqual([other]);
  });

  it('requires evidence before recording consent, then calls the bridge', async () => {
    const { $, button, fake } = await mount({ contact: makeContact({ consent: { state: 'unknown', source: null, at: null, by: null, evidence: null } }) });
    expect($('[data-testid=wa-consent]')?.dataset.state).toBe('unknown');
    button('Record opt-in')!.click();
    await flush();
    const save = $<HTMLButtonElement>('[data-testid=wa-consent-form] button[type=submit]')!;
    expect(save.disabled).toBe(true);
    expect($('[data-testid=wa-consent-form]')?.textContent).toContain('Describe the evidence');
    save.click();
    await flush();
    expect(fake.requestsOf('consent.set')).toHaveLength(0);

    type($<HTMLTextAreaElement>('[data-testid=wa-consent-form] textarea')!, 'Agreed on the phone, 12 May');
    await flush();
    expect(save.disabled).toBe(false);
    save.click();
    await flush();
    expect(fake.requestsOf('consent.set')).toEqual([
      { type: 'consent.set', phone: PHONE, input: { state: 'opted_in', evidence: 'Agreed on the phone, 12 May', pinpointId: '42' } },
    ]);
    expect($('[data-testid=wa-consent]')?.dataset.state).toBe('opted_in');
    expect($('[data-testid=wa-consent-form]')).toBeNull();
  });

  it('shows the CRM opt-in field when it disagrees with the relay', async () => {
    const { root } = await mount({
      contact: makeContact({ consent: { state: 'unknown', source: null, at: null, by: null, evidence: null } }),
      page: { ...PAGE_CONTACT, optInField: { label: 'WhatsApp Opt-in', value: 'Yes' } },
    });
    expect(root.textContent).toContain('The CRM field “WhatsApp Opt-in” says “Yes”');
  });

  it('never moves ticks backwards: delivered then a late sent stays delivered; read wins', async () => {
    const { $, fake } = await mount({ contact: makeContact({ messages: [makeMessage({ id: 'm1', sid: 'SM1', status: 'queued' })] }) });
    const msg = makeMessage({ id: 'm1', sid: 'SM1' });
    fake.event({ type: 'message.status', phone: PHONE, message: { ...msg, status: 'delivered', statusTimes: { delivered: NOW.toISOString() } } });
    fake.event({ type: 'message.status', phone: PHONE, message: { ...msg, status: 'sent' } });
    await flush();
    const el = () => $('[data-testid=wa-message]')!;
    expect(el().dataset.status).toBe('delivered');
    expect(el().querySelector('[data-tick]')?.getAttribute('aria-label')).toBe('Delivered');
    expect(el().querySelector('.meta')?.getAttribute('title')).toContain('Delivered');
    fake.event({ type: 'message.status', phone: PHONE, message: { ...msg, status: 'read' } });
    await flush();
    expect(el().dataset.status).toBe('read');
    expect(el().querySelector('.tick-read')?.textContent).toBe('✓✓');
  });

  it('every outbound message has a Details disclosure: who sent it and when each status arrived (text only)', async () => {
    const out = makeMessage({
      id: 'm1',
      sid: 'SM1',
      status: 'read',
      sentBy: '<b>Ana</b>',
      statusTimes: { read: '2025-05-12T11:03:00.000Z', queued: '2025-05-12T11:00:00.000Z', sent: '2025-05-12T11:00:02.000Z', delivered: '2025-05-12T11:00:05.000Z' },
    });
    const reply = makeMessage({ id: 'm2', sid: 'SM2', direction: 'inbound', status: 'received', sentBy: null, createdAt: '2025-05-12T11:05:00.000Z' });
    const { $$ } = await mount({ contact: makeContact({ messages: [out, reply] }) });
    const buttons = $$('[data-testid=wa-details]');
    expect(buttons).toHaveLength(1); // inbound messages have none
    const button = buttons[0] as HTMLButtonElement;
    expect(button.textContent).toBe('Details');
    expect(button.getAttribute('aria-expanded')).toBe('false');
    expect($$('[data-testid=wa-details-list]')[0]?.hidden).toBe(true);
    expect($$('[data-testid=wa-details-list] li')).toHaveLength(0);
    button.click();
    await flush();
    expect(button.getAttribute('aria-expanded')).toBe('true');
    const list = $$('[data-testid=wa-details-list]')[0]!;
    expect(button.getAttribute('aria-controls')).toBe(list.id);
    expect(list.hidden).toBe(false);
    const items = Array.from(list.querySelectorAll('li'), (li) => li.textContent ?? '');
    // Isolated, so a right-to-left override in a name flips nothing after it.
    expect(items[0]).toBe('Sent by \u2068<b>Ana</b>\u2069');
    expect(list.querySelector('b')).toBeNull();
    expect(Array.from(list.querySelectorAll('li[data-status]'), (li) => li.getAttribute('data-status'))).toEqual(['queued', 'sent', 'delivered', 'read']);
    expect(items.slice(1).map((x) => x.split(':')[0])).toEqual(['Queued', 'Sent', 'Delivered', 'Read']);
    expect(items[2]).toMatch(/:02/); // seconds are shown
    button.click();
    await flush();
    expect(button.getAttribute('aria-expanded')).toBe('false');
    expect($$('[data-testid=wa-details-list]')[0]?.hidden).toBe(true);
  });

  it('the details show when a message failed', async () => {
    const failed = makeMessage({ id: 'm3', sid: 'SM3', status: 'undelivered', statusTimes: { queued: '2025-05-12T11:00:00.000Z', undelivered: '2025-05-12T11:00:09.000Z' } });
    const { $$ } = await mount({ contact: makeContact({ messages: [failed] }) });
    ($$('[data-testid=wa-details]')[0] as HTMLButtonElement).click();
    await flush();
    const items = Array.from($$('[data-testid=wa-details-list] li[data-status]'), (li) => li.textContent ?? '');
    expect(items.map((x) => x.split(':')[0])).toEqual(['Queued', 'Undelivered']);
  });

  it('explains a failure and Retry sends once with the retry: key even when clicked twice', async () => {
    const failed = makeMessage({ id: 'm9', sid: 'SM9', status: 'failed', errorCode: 63016, errorMessage: 'The 24-hour reply window is closed. Choose an approved template.', contentSid: TEMPLATE.sid, body: null, variables: { '1': 'Maria', '2': 'Monday' } });
    const fake = createFakeBridge(makeContact({ messages: [failed] }));
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    // Hold the send in flight so the second click lands while the first is pending.
    fake.handlers['message.send'] = async () => {
      await gate;
      return { ok: true, data: makeMessage({ id: 'm10', sid: 'SM10', contentSid: TEMPLATE.sid, body: null, createdAt: NOW.toISOString() }) };
    };
    const { $, root } = await mount({ fake });
    expect($('[data-testid=wa-message-error]')?.textContent).toContain('24-hour');
    const retry = $<HTMLButtonElement>('[data-testid=wa-retry]')!;
    retry.click();
    retry.click();
    await flush();
    release();
    await flush();
    $<HTMLButtonElement>('[data-testid=wa-retry]')?.click();
    await flush();
    const sends = fake.requestsOf('message.send');
    expect(sends).toHaveLength(1);
    expect(sends[0]).toEqual({
      type: 'message.send',
      idempotencyKey: 'retry:m9',
      input: { to: PHONE, contentSid: TEMPLATE.sid, variables: { '1': 'Maria', '2': 'Monday' }, pinpointId: '42' },
    });
    expect(root.textContent).toContain('Sent again');
  });

  it('opens the window and shows the composer when the contact writes', async () => {
    const { $, fake } = await mount();
    expect($('[data-testid=wa-session]')?.dataset.state).toBe('closed');
    expect($('[data-testid=wa-composer]')).toBeNull();
    expect($('[data-testid=wa-composer-blocked]')?.textContent).toContain('24-hour reply window is closed');
    fake.event({
      type: 'message.inbound',
      phone: PHONE,
      message: makeMessage({ id: 'in1', sid: 'SMin1', direction: 'inbound', status: 'received', body: 'Hello?', sentBy: null, createdAt: new Date().toISOString() }),
    });
    await flush();
    expect($('[data-testid=wa-session]')?.dataset.state).toBe('open');
    expect($('[data-testid=wa-composer]')).not.toBeNull();
    expect(fake.requestsOf('replies.seen').length).toBeGreaterThan(0);
  });

  it('sends free text with Ctrl+Enter using a fresh idempotency key', async () => {
    const { $, fake } = await mount({ contact: makeContact({ session: openSession(new Date()) }) });
    const textarea = $<HTMLTextAreaElement>('[data-testid=wa-composer] textarea')!;
    type(textarea, 'Hi *there*');
    await flush();
    expect($('[data-testid=wa-composer] .preview strong')?.textContent).toBe('there');
    expect($('[data-testid=wa-composer]')?.textContent).toContain('10/1600');
    textarea.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', ctrlKey: true, bubbles: true }));
    await flush();
    const sends = fake.requestsOf('message.send');
    expect(sends).toHaveLength(1);
    expect(sends[0]?.input).toEqual({ to: PHONE, body: 'Hi *there*', pinpointId: '42' });
    expect(sends[0]?.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    expect($<HTMLTextAreaElement>('[data-testid=wa-composer] textarea')?.value).toBe('');
  });

  it('blocks template send and composer with a reason after a STOP-like opt-out', async () => {
    const { $, fake, root } = await mount({ contact: makeContact({ session: openSession(new Date()) }) });
    expect($('[data-testid=wa-composer]')).not.toBeNull();
    fake.event({ type: 'consent.changed', phone: PHONE, consent: { state: 'opted_out', source: 'keyword', at: NOW.toISOString(), by: null, evidence: 'STOP' } });
    await flush();
    expect($('[data-testid=wa-consent]')?.dataset.state).toBe('opted_out');
    expect($('[data-testid=wa-composer]')).toBeNull();
    expect($('[data-testid=wa-composer-blocked]')?.textContent).toContain('opted out');
    const send = $<HTMLButtonElement>('[data-testid=wa-template-send]')!;
    expect(send.disabled).toBe(true);
    expect(root.querySelector('#wa-template-reason')?.textContent).toContain('opted out');
  });

  it('prefills template variables from mappings, validates each field and previews', async () => {
    const { $, $$, fake } = await mount();
    $$('.tpl')[0]!.click();
    await flush();
    const first = $<HTMLInputElement>('#wa-var-1')!;
    expect(first.value).toBe('Maria');
    // Nothing is flagged before the rep touches the field, but Send already says why it waits,
    // and the preview shows the gap as its placeholder.
    expect($('#wa-var-2-problem')).toBeNull();
    const send = $<HTMLButtonElement>('[data-testid=wa-template-send]')!;
    expect(send.disabled).toBe(true);
    expect($('[data-testid=wa-template-preview]')?.textContent).toContain('{{2}}');
    $<HTMLInputElement>('#wa-var-2')!.dispatchEvent(new Event('blur'));
    await flush();
    expect($('#wa-var-2-problem')?.textContent).toContain('Fill in this value');
    // A text input drops pasted newlines by itself; a pasted tab gets through and must be named.
    type($<HTMLInputElement>('#wa-var-2')!, 'Mon\tday');
    await flush();
    expect($('#wa-var-2-problem')?.textContent).toContain('line breaks and tabs');
    type($<HTMLInputElement>('#wa-var-2')!, 'Mon      day');
    await flush();
    expect($('#wa-var-2-problem')?.textContent).toContain('4 spaces');
    type($<HTMLInputElement>('#wa-var-2')!, 'Monday');
    await flush();
    expect($('[data-testid=wa-template-preview]')?.textContent).toBe('Hi Maria, your appointment is on Monday.');
    expect($('[data-testid=wa-template-preview] strong')?.textContent).toBe('Monday');
    expect(send.disabled).toBe(false);
    send.click();
    await flush();
    expect(fake.requestsOf('message.send')[0]?.input).toEqual({ to: PHONE, contentSid: TEMPLATE.sid, variables: { '1': 'Maria', '2': 'Monday' }, pinpointId: '42' });
  });

  it('renders an HTML-looking inbound body as text', async () => {
    const body = '<img src=x onerror=alert(1)>';
    const { root, $ } = await mount({
      contact: makeContact({ messages: [makeMessage({ id: 'x', direction: 'inbound', status: 'received', body, sentBy: null })] }),
    });
    expect(root.querySelector('img')).toBeNull();
    expect($('[data-testid=wa-message] .body')?.textContent).toBe(body);
  });

  it('says a message\'s text was removed by retention instead of showing an empty bubble', async () => {
    const { $ } = await mount({
      contact: makeContact({ messages: [makeMessage({ id: 'old', direction: 'inbound', status: 'received', body: null, sentBy: null, bodyPurgedAt: NOW.toISOString() })] }),
    });
    expect($('[data-testid=wa-message] .body')?.textContent).toBe('Text removed by the retention policy.');
  });

  it('ticks the countdown every second without asking the relay again', async () => {
    vi.useFakeTimers({ now: NOW, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const last = new Date(NOW.getTime() - (86_400_000 - 10 * 60_000)).toISOString(); // 10 minutes left
    const { $, fake } = await mount({ contact: makeContact({ session: { state: 'open', lastInboundAt: last, expiresAt: null } }) });
    const countdown = () => $('[data-testid=wa-countdown]')?.textContent;
    expect(countdown()).toBe('10m 00s left');
    const before = fake.requests.length;
    vi.advanceTimersByTime(1000);
    await flush();
    expect(countdown()).toBe('9m 59s left');
    vi.advanceTimersByTime(10 * 60_000);
    await flush();
    expect($('[data-testid=wa-session]')?.dataset.state).toBe('closed');
    expect($('[data-testid=wa-composer]')).toBeNull();
    expect(fake.requests.length).toBe(before);
  });

  it('refetches the contact when the stream comes back open after being offline', async () => {
    const { fake, $, root } = await mount();
    fake.push({ type: 'stream', state: 'open' });
    await flush();
    const afterFirstOpen = fake.requestsOf('contact.get').length;
    fake.push({ type: 'stream', state: 'offline' });
    await flush();
    expect($('[data-testid=wa-stream]')?.dataset.state).toBe('offline');
    fake.setContact(makeContact({ messages: [makeMessage({ id: 'late', sid: 'SMlate', status: 'sent' })] }));
    fake.push({ type: 'stream', state: 'open' });
    await flush();
    expect(fake.requestsOf('contact.get').length).toBe(afterFirstOpen + 1);
    expect($('[data-testid=wa-stream]')).toBeNull();
    expect(root.querySelector('[data-sid=SMlate]')).not.toBeNull();
  });

  it('refetches when an admin deletes the contact\'s data, and the deleted messages go', async () => {
    const { fake, root } = await mount({ contact: makeContact({ messages: [makeMessage({ id: 'gone', sid: 'SMgone', status: 'read' })] }) });
    expect(root.querySelector('[data-sid=SMgone]')).not.toBeNull();
    const before = fake.requestsOf('contact.get').length;
    fake.setContact(makeContact({ messages: [] }));
    fake.event({ type: 'contact.deleted', phone: PHONE });
    await flush();
    expect(fake.requestsOf('contact.get').length).toBe(before + 1);
    expect(root.querySelector('[data-sid=SMgone]')).toBeNull();
  });

  it('a send Twilio did not confirm (202) stays pending, says so, and offers no Retry', async () => {
    const fake = createFakeBridge(makeContact({ session: openSession(new Date()) }));
    fake.handlers['message.send'] = () => ({
      ok: true,
      data: { ...makeMessage({ id: 'u1', sid: null, status: 'queued', body: 'Are you there?', createdAt: new Date().toISOString() }), notice: 'Twilio did not confirm this message in time.' },
    });
    const { $, fake: bridge } = await mount({ fake });
    const textarea = $<HTMLTextAreaElement>('[data-testid=wa-composer] textarea')!;
    type(textarea, 'Are you there?');
    await flush();
    textarea.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', ctrlKey: true, bubbles: true }));
    await flush();
    expect(bridge.requestsOf('message.send')).toHaveLength(1);
    expect($('[data-testid=wa-error]')?.dataset.code).toBe('UNCONFIRMED');
    expect($('[data-testid=wa-error]')?.textContent).toContain('Don’t send it again yet');
    const bubble = $('[data-testid=wa-message]');
    expect(bubble?.dataset.status).toBe('queued');
    expect($('[data-testid=wa-retry]')).toBeNull();
  });

  it('explains relay errors and offers the options page when not configured', async () => {
    const fake = createFakeBridge();
    fake.handlers['contact.get'] = () => ({ ok: false, error: { code: 'NOT_CONFIGURED', message: 'relay URL or token missing' } });
    const { $, root } = await mount({ fake });
    expect($('[data-testid=wa-error]')?.dataset.code).toBe('NOT_CONFIGURED');
    expect(root.textContent).toContain('Relay URL and Access token');
    $<HTMLButtonElement>('[data-testid=wa-open-options]')!.click();
    await flush();
    expect(fake.requestsOf('options.open')).toHaveLength(1);
  });

  it('shows simulator and sandbox notices with a click-to-chat link', async () => {
    const { $ } = await mount({ contact: makeContact({ simulated: true, sandbox: { number: '+14155238886', joinHint: 'join purple-cat' } }) });
    expect($('[data-testid=wa-simulated]')).not.toBeNull();
    expect($<HTMLAnchorElement>('[data-testid=wa-sandbox] a')?.getAttribute('href')).toBe('https://wa.me/14155238886?text=join%20purple-cat');
  });

  it('unmounts and stops watching on abort', async () => {
    const { root, controller, fake } = await mount();
    controller.abort();
    await flush();
    expect(root.querySelector('[data-testid=wa-consent]')).toBeNull();
    expect(root.childNodes.length).toBe(0);
    expect(fake.watching()).toEqual([]);
  });
});
