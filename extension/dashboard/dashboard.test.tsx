// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DeliveryReport, GroupBy, ReportRow } from '../../shared/reports.ts';
import { createFakeBridge, makeMessage, TEMPLATE, type FakeBridge } from '../panel/fake-bridge.ts';
import { mountDashboard } from './dashboard.tsx';

const NOW = new Date('2026-11-30T12:00:00');

function row(key: string, over: Partial<ReportRow> = {}): ReportRow {
  return { key, sent: 10, delivered: 9, read: 6, failed: 1, deliveryRate: 0.9, readRate: 6 / 9, medianToDeliveredMs: 120_000, medianToReadMs: 3_900_000, failuresByCode: [], ...over };
}

const FAILURES = [
  { code: 63016, count: 2, explanation: 'The 24-hour window was closed: send an approved template.' },
  { code: null, count: 1, explanation: 'WhatsApp did not say why.' },
  { code: 63024, count: 3, explanation: 'The number is not on WhatsApp <b>really</b>.' },
];
const TOTALS = row('total', { sent: 30, delivered: 27, read: 18, failed: 6, deliveryRate: 0.9, readRate: 2 / 3, medianToDeliveredMs: 120_000, medianToReadMs: 3_900_000, failuresByCode: FAILURES });

function report(groupBy: GroupBy, rows: ReportRow[], totals = TOTALS): DeliveryReport {
  return { from: '2026-11-01', to: '2026-11-30', groupBy, rows, totals };
}

const REPORTS: Record<GroupBy, DeliveryReport> = {
  day: report('day', [row('2026-11-03'), row('2026-11-01', { deliveryRate: 1, readRate: 0.5 }), row('2026-11-20', { deliveryRate: 0.7, readRate: 0.2 })]),
  rep: report('rep', [row('Ana Souza', { sent: 20 }), row('Bruno', { sent: 10 })]),
  template: report('template', [row('free-form', { sent: 12 }), row(TEMPLATE.sid, { sent: 18 })]),
};

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()?.();
  vi.useRealTimers();
  document.body.innerHTML = '';
});

async function flush(): Promise<void> {
  for (let i = 0; i < 30; i++) await Promise.resolve();
}

async function mount(opts: { role?: 'rep' | 'manager' | 'admin'; reports?: Partial<Record<GroupBy, DeliveryReport>>; fake?: FakeBridge } = {}) {
  const fake = opts.fake ?? createFakeBridge();
  fake.handlers.me ??= () => ({ ok: true, data: { name: 'Bia', role: opts.role ?? 'manager', simulated: false } });
  fake.handlers['reports.delivery'] ??= (req) => ({ ok: true, data: structuredClone({ ...REPORTS, ...opts.reports }[req.query.groupBy]) });
  const root = document.createElement('div');
  document.body.append(root);
  const controller = new AbortController();
  cleanups.push(() => controller.abort());
  const state = mountDashboard(root, fake.bridge, controller.signal, () => NOW);
  await flush();
  const $ = <E extends Element = HTMLElement>(sel: string) => root.querySelector<E>(sel);
  const $$ = (sel: string) => Array.from(root.querySelectorAll<HTMLElement>(sel));
  const reportRequests = () => fake.requestsOf('reports.delivery');
  return { fake, root, controller, state, $, $$, reportRequests };
}

describe('team dashboard', () => {
  it('asks for the last 30 days per day, rep and template, and shows the headline figures', async () => {
    const { $$, reportRequests, fake } = await mount();
    expect(reportRequests().map((r) => r.query)).toEqual([
      { from: '2026-11-01', to: '2026-11-30', groupBy: 'day' },
      { from: '2026-11-01', to: '2026-11-30', groupBy: 'rep' },
      { from: '2026-11-01', to: '2026-11-30', groupBy: 'template' },
    ]);
    const figures = Object.fromEntries($$('[data-figure]').map((el) => [el.dataset['figure'], el.querySelector('dd')?.textContent]));
    expect(figures).toEqual({
      sent: '30',
      delivered: '27',
      read: '18',
      failed: '6',
      deliveryRate: '90.0%',
      readRate: '66.7%',
      medianToDelivered: '2 min',
      medianToRead: '1 h 5 min',
    });
    // The team stream is followed.
    expect(fake.watching()).toEqual(['scope=all']);
  });

  it('draws one point per day with messages for each rate, with a table of the same figures', async () => {
    const { $ } = await mount();
    const chart = $('[data-testid=rate-chart]')!;
    expect(chart.getAttribute('role')).toBe('img');
    expect(chart.getAttribute('aria-labelledby')).toBe('per-day-title per-day-desc');
    expect(chart.querySelectorAll('circle.pt-delivery')).toHaveLength(3);
    expect(chart.querySelectorAll('circle.pt-read')).toHaveLength(3);
    expect(chart.querySelectorAll('polyline')).toHaveLength(2);
    expect(chart.querySelector('desc')?.textContent).toBe('3 days with messages between 2026-11-01 and 2026-11-30. The same figures are in the table below.');
    // Points sit in day order along the whole range: 1 Nov at the left edge, 20 Nov two thirds in.
    const xs = Array.from(chart.querySelectorAll('circle.pt-delivery'), (c) => Number(c.getAttribute('cx')));
    expect(xs[0]).toBe(44);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    expect(chart.querySelector('circle.pt-delivery title')?.textContent).toBe('2026-11-01: Delivery rate 100.0% (10 sent)');
    const table = $('[data-testid=table-day]')!;
    const rows = Array.from(table.querySelectorAll('tbody tr'), (tr) => Array.from(tr.children, (c) => c.textContent));
    expect(rows).toEqual([
      ['2026-11-01', '10', '9', '6', '1', '100.0%', '50.0%', '2 min', '1 h 5 min'],
      ['2026-11-03', '10', '9', '6', '1', '90.0%', '66.7%', '2 min', '1 h 5 min'],
      ['2026-11-20', '10', '9', '6', '1', '70.0%', '20.0%', '2 min', '1 h 5 min'],
    ]);
  });

  it('per rep and per template: bars and tables, templates by name and free-form text in words', async () => {
    const { $ } = await mount();
    const reps = $('[data-testid=bars-rep]')!;
    expect(reps.querySelectorAll('g.bar')).toHaveLength(2);
    expect(Array.from(reps.querySelectorAll('g.bar'), (g) => g.getAttribute('data-key'))).toEqual(['Ana Souza', 'Bruno']);
    // The biggest sender fills the track; the others are proportional.
    const sentWidth = (key: string) => Number(reps.querySelector(`g.bar[data-key="${key}"] .bar-sent`)?.getAttribute('width'));
    expect(sentWidth('Bruno') / sentWidth('Ana Souza')).toBeCloseTo(0.5);
    expect(reps.querySelector('g.bar title')?.textContent).toBe('Ana Souza: 20 sent, 9 delivered, 6 read');
    const repRows = Array.from($('[data-testid=table-rep]')!.querySelectorAll('tbody th'), (th) => th.textContent);
    expect(repRows).toEqual(['Ana Souza', 'Bruno']);
    const templateRows = Array.from($('[data-testid=table-template]')!.querySelectorAll('tbody th'), (th) => th.textContent);
    expect(templateRows).toEqual([TEMPLATE.name, 'Free-form text']);
  });

  it('lists failures by code, most frequent first, with the explanation as text', async () => {
    const { $ } = await mount();
    const items = Array.from($('[data-testid=failures]')!.querySelectorAll('li'));
    expect(items.map((li) => li.dataset['code'])).toEqual(['63024', '63016', '']);
    expect(items[0]?.textContent).toBe('Error 63024 · failed: 3The number is not on WhatsApp <b>really</b>.');
    expect(items[0]?.querySelector('b')).toBeNull();
    expect(items[2]?.textContent).toContain('No error code');
  });

  it('an empty range says so', async () => {
    const none = row('total', { sent: 0, delivered: 0, read: 0, failed: 0, deliveryRate: 0, readRate: 0, medianToDeliveredMs: null, medianToReadMs: null });
    const { $, root } = await mount({ reports: { day: report('day', [], none), rep: report('rep', [], none), template: report('template', [], none) } });
    expect($('[data-testid=dashboard-empty]')?.textContent).toContain('No messages in this range');
    expect($('[data-testid=dashboard-report]')).toBeNull();
    expect(root.querySelector('svg')).toBeNull();
  });

  it('a rep sees the refusal and nothing is asked of the reports or the team stream', async () => {
    const { $, reportRequests, fake } = await mount({ role: 'rep' });
    expect($('[data-testid=dashboard-refused]')?.textContent).toContain('This dashboard is for managers');
    expect(reportRequests()).toHaveLength(0);
    expect(fake.watching()).toEqual([]);
  });

  it('a relay FORBIDDEN (role changed meanwhile) is the same refusal', async () => {
    const fake = createFakeBridge();
    fake.handlers['reports.delivery'] = () => ({ ok: false, error: { code: 'FORBIDDEN', message: 'Managers only.', status: 403 } });
    const { $ } = await mount({ fake });
    expect($('[data-testid=dashboard-refused]')).not.toBeNull();
  });

  it('offline: explains, offers Try again, and recovers', async () => {
    const fake = createFakeBridge();
    let down = true;
    fake.handlers['reports.delivery'] = (req) =>
      down ? { ok: false, error: { code: 'OFFLINE', message: 'unreachable' } } : { ok: true, data: structuredClone(REPORTS[req.query.groupBy]) };
    const { $, $$ } = await mount({ fake });
    const error = $('[data-testid=dashboard-error]')!;
    expect(error.dataset['code']).toBe('OFFLINE');
    expect(error.textContent).toContain('Can’t reach the relay');
    fake.push({ type: 'stream', state: 'offline', retryInMs: 2000 });
    await flush();
    expect($('[data-testid=live-status]')?.textContent).toContain('Offline: live updates are paused');
    down = false;
    ($$('button').find((b) => b.textContent === 'Try again') as HTMLButtonElement).click();
    await flush();
    expect($('[data-testid=dashboard-error]')).toBeNull();
    expect($('[data-testid=dashboard-report]')).not.toBeNull();
  });

  it('not configured: says what to do and opens the options', async () => {
    const fake = createFakeBridge();
    fake.handlers.me = () => ({ ok: false, error: { code: 'NOT_CONFIGURED', message: 'Set the Relay URL.' } });
    const { $, $$, reportRequests } = await mount({ fake });
    expect($('[data-testid=dashboard-error]')?.textContent).toContain('The extension isn’t set up yet');
    expect(reportRequests()).toHaveLength(0);
    ($$('button').find((b) => b.textContent === 'Open options') as HTMLButtonElement).click();
    await flush();
    expect(fake.requestsOf('options.open')).toHaveLength(1);
  });

  it('refetches ~1 s after a live status event; a burst is one refetch; other events are ignored', async () => {
    vi.useFakeTimers();
    const { fake, reportRequests } = await mount();
    expect(reportRequests()).toHaveLength(3);
    fake.push({ type: 'stream', state: 'open' });
    await flush();
    expect(reportRequests()).toHaveLength(3); // the first open follows our own fetch
    const message = makeMessage({ id: 'm1', status: 'delivered' });
    fake.event({ type: 'message.status', phone: message.phone, message });
    fake.event({ type: 'message.created', phone: message.phone, message });
    fake.event({ type: 'consent.changed', phone: message.phone, consent: { state: 'opted_in', source: 'rep', at: null, by: null, evidence: 'x' } });
    await vi.advanceTimersByTimeAsync(999);
    expect(reportRequests()).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    await flush();
    expect(reportRequests()).toHaveLength(6);
    fake.event({ type: 'message.inbound', phone: message.phone, message: { ...message, direction: 'inbound' } });
    await vi.advanceTimersByTimeAsync(2000);
    expect(reportRequests()).toHaveLength(6);
    // A reconnect refetches: events may have been missed.
    fake.push({ type: 'stream', state: 'offline', retryInMs: 1000 });
    fake.push({ type: 'stream', state: 'open' });
    await vi.advanceTimersByTimeAsync(1000);
    await flush();
    expect(reportRequests()).toHaveLength(9);
  });

  it('filters: a rep and a range reload with the filter; an inverted range is explained and not sent', async () => {
    const { $, reportRequests } = await mount();
    const select = $<HTMLSelectElement>('#rep-filter')!;
    expect(Array.from(select.options, (o) => o.value)).toEqual(['', 'Ana Souza', 'Bruno']);
    select.value = 'Bruno';
    select.dispatchEvent(new Event('change'));
    await flush();
    expect(reportRequests().slice(-3).map((r) => r.query)).toEqual([
      { from: '2026-11-01', to: '2026-11-30', rep: 'Bruno', groupBy: 'day' },
      { from: '2026-11-01', to: '2026-11-30', rep: 'Bruno', groupBy: 'rep' },
      { from: '2026-11-01', to: '2026-11-30', rep: 'Bruno', groupBy: 'template' },
    ]);
    const from = $<HTMLInputElement>('#range-from')!;
    from.value = '2026-12-05';
    from.dispatchEvent(new Event('change'));
    await flush();
    expect(reportRequests()).toHaveLength(6);
    expect($('#range-error')?.textContent).toBe('The start date must be on or before the end date.');
    expect(from.getAttribute('aria-invalid')).toBe('true');
  });

  it('stops following the team stream when unmounted', async () => {
    const { fake, controller, root } = await mount();
    controller.abort();
    expect(fake.watching()).toEqual([]);
    expect(root.childNodes).toHaveLength(0);
  });
});
