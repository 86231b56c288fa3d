/**
 * Managers' surface over real HTTP and a real SQLite file: delivery reports (JSON and CSV), the
 * drill-down message pages and their CSV, list badges by PinPoint id, the consent audit trail and
 * the scope=all live stream. The seeded data's expected figures below are worked out BY HAND from
 * the table in `SEED` (not by the code under test), so a wrong definition shows up as a wrong number.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Message } from '../../shared/api.ts';
import { ConsentHistory, ContactSummaries, DeliveryReport, MessagePage, type ReportRow } from '../../shared/reports.ts';
import { explainTwilioError } from '../../shared/twilio-errors.ts';
import { createAccessToken } from '../../relay/auth/tokens.ts';
import { openSse } from '../helpers/sse-client.ts';
import { startTestRelay, type TestRelay } from '../helpers/relay-harness.ts';

let relay: TestRelay;
let rep: string;
let manager: string;
let admin: string;
let revokedManager: string;

const T1 = 'HX' + '1'.repeat(32);
const T2 = 'HX' + '2'.repeat(32);
const DAYS = ['2024-05-01', '2024-05-02', '2024-05-03'] as const;
const REPS = ['Ana', 'Bruno', 'Carla'] as const;

type Outcome =
  | { kind: 'delivered'; d: number }
  | { kind: 'read'; d: number; r: number }
  /** Only a read callback, never a delivered one: time to delivered is the read time. */
  | { kind: 'readOnly'; r: number }
  | { kind: 'sent' }
  | { kind: 'undelivered'; code: number }
  | { kind: 'failedCallback'; code: number }
  /** Twilio refused the send: no sid, marked failed. */
  | { kind: 'refused'; code: number };

/**
 * 3 reps × 2 templates × 3 days, one message each, created at 10:00 UTC + (2·rep + template) minutes
 * of its day. Durations in seconds after creation.
 */
const SEED: [rep: (typeof REPS)[number], template: string, day: number, outcome: Outcome][] = [
  ['Ana', T1, 0, { kind: 'read', d: 2, r: 60 }],
  ['Ana', T2, 0, { kind: 'delivered', d: 4 }],
  ['Ana', T1, 1, { kind: 'read', d: 6, r: 120 }],
  ['Ana', T2, 1, { kind: 'undelivered', code: 63016 }],
  ['Ana', T1, 2, { kind: 'delivered', d: 8 }],
  ['Ana', T2, 2, { kind: 'read', d: 10, r: 30 }],
  ['Bruno', T1, 0, { kind: 'refused', code: 21211 }],
  ['Bruno', T2, 0, { kind: 'read', d: 3, r: 90 }],
  ['Bruno', T1, 1, { kind: 'delivered', d: 5 }],
  ['Bruno', T2, 1, { kind: 'sent' }],
  ['Bruno', T1, 2, { kind: 'undelivered', code: 63016 }],
  ['Bruno', T2, 2, { kind: 'delivered', d: 7 }],
  ['Carla', T1, 0, { kind: 'delivered', d: 1 }],
  ['Carla', T2, 0, { kind: 'undelivered', code: 63016 }],
  ['Carla', T1, 1, { kind: 'read', d: 9, r: 300 }],
  ['Carla', T2, 1, { kind: 'read', d: 11, r: 45 }],
  ['Carla', T1, 2, { kind: 'failedCallback', code: 21211 }],
  ['Carla', T2, 2, { kind: 'readOnly', r: 20 }],
];

const HOSTILE = "=cmd|' /C calc'!A0";
const phoneOf = (i: number) => `+55119000000${String(i).padStart(2, '0')}`;
const idOf = (i: number) => `msg_seed_${String(i).padStart(2, '0')}`;
const createdOf = (i: number): string => {
  const [repName, template, day] = SEED[i]!;
  const minute = 2 * REPS.indexOf(repName) + (template === T1 ? 0 : 1);
  return new Date(Date.parse(`${DAYS[day]}T10:00:00.000Z`) + minute * 60_000).toISOString();
};
const plus = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000).toISOString();

async function seed(): Promise<void> {
  const store = relay.deps.store;
  for (const [i, [repName, template, , outcome]] of SEED.entries()) {
    const id = idOf(i);
    const at = createdOf(i);
    await store.createOutbound({ id, phone: phoneOf(i), body: null, contentSid: template, variables: { '1': 'Maria' }, sentBy: repName, sentByTokenId: `tok_${repName}`, createdAt: at, idempotencyKey: null });
    if (outcome.kind === 'refused') {
      await store.markSendFailed(id, outcome.code, explainTwilioError(outcome.code), plus(at, 1));
      continue;
    }
    const sid = `SM${String(i).padStart(32, '0')}`;
    await store.attachSid(id, sid, 'queued', plus(at, 0.5));
    const cb = (status: Message['status'], s: number, errorCode: number | null = null) =>
      store.applyStatus({ sid, status, eventType: '', errorCode, errorMessage: errorCode ? explainTwilioError(errorCode) : null, at: plus(at, s) });
    if (outcome.kind !== 'failedCallback') await cb('sent', 1);
    if (outcome.kind === 'delivered') await cb('delivered', outcome.d);
    if (outcome.kind === 'read') {
      await cb('delivered', outcome.d);
      await cb('read', outcome.r);
    }
    if (outcome.kind === 'readOnly') await cb('read', outcome.r);
    if (outcome.kind === 'undelivered') await cb('undelivered', 3, outcome.code);
    if (outcome.kind === 'failedCallback') await cb('failed', 2, outcome.code);
  }
  // Outside every report range below (the day after), from a rep with a hostile name and body.
  await store.createOutbound({ id: 'msg_hostile', phone: '+5511900000099', body: HOSTILE, contentSid: null, variables: null, sentBy: '@Mallory', sentByTokenId: 'tok_m', createdAt: '2024-05-04T12:00:00.000Z', idempotencyKey: null });
  // Inbound messages are never counted nor listed.
  await store.receiveInbound({ id: 'msg_in', sid: 'SM_inbound_1', phone: phoneOf(0), body: 'Thanks!', profileName: 'Maria', waId: null, at: '2024-05-01T11:00:00.000Z', meta: {} });
}

beforeAll(async () => {
  relay = await startTestRelay({ simDelayMs: 10 });
  rep = await relay.token('rep', 'Rita Rep');
  manager = await relay.token('manager', 'Mona Manager');
  admin = await relay.token('admin', 'Adam Admin');
  const revoked = await createAccessToken(relay.deps.store, 'Former Manager', 'manager');
  await relay.deps.store.revokeToken(revoked.record.id, new Date().toISOString());
  revokedManager = revoked.token;
  await seed();
});
afterAll(async () => relay?.close());

const getJson = async <T>(path: string, token = manager): Promise<{ status: number; body: T }> => {
  const res = await relay.api(path, { token });
  return { status: res.status, body: (await res.json()) as T };
};
const getCsv = async (path: string, token = manager): Promise<{ res: Response; text: string; rows: string[][] }> => {
  const res = await relay.api(path, { token, headers: { accept: 'text/csv' } });
  const text = await res.text();
  return { res, text, rows: parseCsv(text) };
};

/** A strict RFC 4180 reader, written apart from the relay's writer: CRLF records, quoted fields, "" for a quote. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (ch === '"') {
        quoted = false;
        i++;
      } else {
        field += ch;
        i++;
      }
    } else if (ch === '"' && field === '') {
      quoted = true;
      i++;
    } else if (ch === ',') {
      row.push(field);
      field = '';
      i++;
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 2;
    } else if (ch === '\n' || ch === '\r' || ch === '"') {
      throw new Error(`not RFC 4180 at ${i}: ${JSON.stringify(text.slice(Math.max(0, i - 20), i + 20))}`);
    } else {
      field += ch;
      i++;
    }
  }
  if (field !== '' || row.length) throw new Error('the last record does not end with CRLF');
  return rows;
}

/** Expected row: rates as exact fractions, medians in ms, failures [code, count] in the defined order. */
function row(key: string, sent: number, delivered: number, read: number, failed: number, medD: number | null, medR: number | null, failures: [number | null, number][]): ReportRow {
  return {
    key, sent, delivered, read, failed,
    deliveryRate: sent ? delivered / sent : 0,
    readRate: delivered ? read / delivered : 0,
    medianToDeliveredMs: medD,
    medianToReadMs: medR,
    failuresByCode: failures.map(([code, count]) => ({ code, count, explanation: code === null ? 'Twilio reported no error code.' : explainTwilioError(code) })),
  };
}

// Worked out by hand from SEED (seconds → ms):
//   Ana:   delivered 2,4,6,8,10 → median 6; read 60,120,30 → 60; failed 63016.
//   Bruno: delivered 3,5,7 → 5; read 90; failed 21211 (refused), 63016; one message only sent.
//   Carla: delivered 1,9,11,20 → (9+11)/2 = 10; read 300,45,20 → 45; failed 63016, 21211.
//   all:   delivered 1,2,3,4,5,6,7,8,9,10,11,20 → (6+7)/2 = 6.5; read 20,30,45,60,90,120,300 → 60.
const TOTALS = row('total', 18, 12, 7, 5, 6500, 60_000, [[63016, 3], [21211, 2]]);
const BY_REP = [
  row('Ana', 6, 5, 3, 1, 6000, 60_000, [[63016, 1]]),
  row('Bruno', 6, 3, 1, 2, 5000, 90_000, [[21211, 1], [63016, 1]]),
  row('Carla', 6, 4, 3, 2, 10_000, 45_000, [[21211, 1], [63016, 1]]),
];
//   T1: delivered 2,6,8,5,1,9 → (5+6)/2 = 5.5; read 60,120,300 → 120; failed 21211 ×2, 63016.
//   T2: delivered 4,10,3,7,11,20 → (7+10)/2 = 8.5; read 30,90,45,20 → (30+45)/2 = 37.5; failed 63016 ×2.
const BY_TEMPLATE = [
  row(T1, 9, 6, 3, 3, 5500, 120_000, [[21211, 2], [63016, 1]]),
  row(T2, 9, 6, 4, 2, 8500, 37_500, [[63016, 2]]),
];
//   05-01: delivered 2,4,3,1 → 2.5; read 60,90 → 75. 05-02: delivered 6,5,9,11 → 7.5; read 120,300,45 → 120.
//   05-03: delivered 8,10,7,20 → 9; read 30,20 → 25.
const BY_DAY = [
  row('2024-05-01', 6, 4, 2, 2, 2500, 75_000, [[21211, 1], [63016, 1]]),
  row('2024-05-02', 6, 4, 3, 1, 7500, 120_000, [[63016, 1]]),
  row('2024-05-03', 6, 4, 2, 2, 9000, 25_000, [[21211, 1], [63016, 1]]),
];

const RANGE = 'from=2024-05-01&to=2024-05-03';
const PHONE = '+5511987650001';

describe('roles', () => {
  const ROUTES = [
    `/v1/reports/delivery?${RANGE}`,
    `/v1/messages?${RANGE}`,
    '/v1/contacts?pinpointId=101',
    `/v1/contacts/${encodeURIComponent(PHONE)}/consent-history`,
    '/v1/events?scope=all',
  ];

  it('every managers’ route: no token 401, revoked 401, rep 403, manager and admin 200', async () => {
    for (const path of ROUTES) {
      const expectations: [string | undefined, number, string?][] = [[undefined, 401, 'UNAUTHORIZED'], [revokedManager, 401, 'UNAUTHORIZED'], [rep, 403, 'FORBIDDEN'], [manager, 200], [admin, 200]];
      for (const [token, status, code] of expectations) {
        const ctrl = new AbortController();
        const res = await relay.api(path, { ...(token ? { token } : {}), signal: ctrl.signal });
        expect(res.status, `${path} as ${token === rep ? 'rep' : token === manager ? 'manager' : token === admin ? 'admin' : token ? 'revoked' : 'nobody'}`).toBe(status);
        if (code) expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
        ctrl.abort();
        await res.body?.cancel().catch(() => {});
      }
    }
  });

  it('a rep still reads a contact and sends: GET /v1/contacts/{phone} and POST /v1/messages are not manager-only', async () => {
    expect((await relay.api(`/v1/contacts/${encodeURIComponent(PHONE)}`, { token: rep })).status).toBe(200);
    const res = await relay.api('/v1/messages', { method: 'POST', token: rep, json: { to: PHONE, body: 'hi' } });
    expect(res.status).toBe(409); // refused for the window, not for the role
  });
});

describe('GET /v1/reports/delivery', () => {
  it('per rep, with totals', async () => {
    const { status, body } = await getJson<DeliveryReport>(`/v1/reports/delivery?${RANGE}&groupBy=rep`);
    expect(status).toBe(200);
    expect(DeliveryReport.parse(body)).toEqual(body);
    expect(body).toEqual({ from: '2024-05-01', to: '2024-05-03', groupBy: 'rep', rows: BY_REP, totals: TOTALS });
    expect(body.totals.deliveryRate).toBeCloseTo(2 / 3, 12);
    expect(body.totals.readRate).toBeCloseTo(7 / 12, 12);
  });

  it('per template and per day (the default), same totals', async () => {
    const byTemplate = await getJson<DeliveryReport>(`/v1/reports/delivery?${RANGE}&groupBy=template`);
    expect(byTemplate.body.rows).toEqual(BY_TEMPLATE);
    expect(byTemplate.body.totals).toEqual(TOTALS);
    const byDay = await getJson<DeliveryReport>(`/v1/reports/delivery?${RANGE}`);
    expect(byDay.body.groupBy).toBe('day');
    expect(byDay.body.rows).toEqual(BY_DAY);
    expect(byDay.body.totals).toEqual(TOTALS);
  });

  it('one rep only; a date-time range; a range with nothing', async () => {
    // Carla: T1 delivered 1,9 → 5, read 300; T2 delivered 11,20 → 15.5, read 45,20 → 32.5.
    const carla = await getJson<DeliveryReport>(`/v1/reports/delivery?${RANGE}&groupBy=template&rep=Carla`);
    expect(carla.body.rows).toEqual([
      row(T1, 3, 2, 1, 1, 5000, 300_000, [[21211, 1]]),
      row(T2, 3, 2, 2, 1, 15_500, 32_500, [[63016, 1]]),
    ]);
    expect(carla.body.totals).toEqual({ ...BY_REP[2]!, key: 'total' });
    // 10:00 to 10:02 on May 2nd (exclusive): Ana's two messages only (T1 read, T2 undelivered).
    const slice = await getJson<DeliveryReport>('/v1/reports/delivery?from=2024-05-02T10:00:00Z&to=2024-05-02T10:02:00Z&groupBy=rep');
    expect(slice.body.rows).toEqual([row('Ana', 2, 1, 1, 1, 6000, 120_000, [[63016, 1]])]);
    const empty = await getJson<DeliveryReport>('/v1/reports/delivery?from=2023-01-01&to=2023-01-31&groupBy=rep');
    expect(empty.body).toEqual({ from: '2023-01-01', to: '2023-01-31', groupBy: 'rep', rows: [], totals: row('total', 0, 0, 0, 0, null, null, []) });
  });

  it('as CSV: header, one line per group, a TOTAL line, and the download name', async () => {
    const { res, rows } = await getCsv(`/v1/reports/delivery?${RANGE}&groupBy=rep`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename=delivery-2024-05-01-2024-05-03.csv');
    expect(rows).toEqual([
      ['key', 'sent', 'delivered', 'read', 'failed', 'deliveryRate', 'readRate', 'medianToDeliveredMs', 'medianToReadMs', 'failures'],
      ['Ana', '6', '5', '3', '1', '0.8333', '0.6', '6000', '60000', '63016:1'],
      ['Bruno', '6', '3', '1', '2', '0.5', '0.3333', '5000', '90000', '21211:1;63016:1'],
      ['Carla', '6', '4', '3', '2', '0.6667', '0.75', '10000', '45000', '21211:1;63016:1'],
      ['TOTAL', '18', '12', '7', '5', '0.6667', '0.5833', '6500', '60000', '63016:3;21211:2'],
    ]);
    const byDay = await getCsv(`/v1/reports/delivery?${RANGE}&groupBy=day`);
    expect(byDay.rows.map((r) => r[0])).toEqual(['key', ...DAYS, 'TOTAL']);
    const empty = await getCsv('/v1/reports/delivery?from=2023-01-01&to=2023-01-31');
    expect(empty.rows).toEqual([expect.any(Array), ['TOTAL', '0', '0', '0', '0', '0', '0', '', '', '']]);
  });

  it('refuses bad queries with 422', async () => {
    for (const q of [
      'from=2024-05-03&to=2024-05-01',
      'from=2024-05-02T10:00:00Z&to=2024-05-02T09:00:00Z',
      'from=2024-02-30&to=2024-03-01',
      'from=2024-05-01T25:00:00Z&to=2024-05-02',
      'from=yesterday&to=2024-05-01',
      'from=2024-05-01',
      'to=2024-05-01',
      `${RANGE}&groupBy=nope`,
      `${RANGE}&groupBy=week`,
      `${RANGE}&rep=`,
    ]) {
      const res = await relay.api(`/v1/reports/delivery?${q}`, { token: manager });
      expect(res.status, q).toBe(422);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('VALIDATION_FAILED');
    }
  });
});

describe('GET /v1/messages', () => {
  // Newest first: day 3 down to day 1, and within a day the later minute first.
  const NEWEST_FIRST = SEED.map((_, i) => i).sort((a, b) => (createdOf(b) < createdOf(a) ? -1 : createdOf(b) > createdOf(a) ? 1 : 0));

  it('pages 18 messages as 7 + 7 + 4, newest first, no gap and no repeat', async () => {
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `/v1/messages?${RANGE}&limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const { status, body } = await getJson<MessagePage>(q);
      expect(status).toBe(200);
      expect(MessagePage.parse(body)).toEqual(body);
      sizes.push(body.messages.length);
      seen.push(...body.messages.map((m) => m.id));
      cursor = body.nextCursor;
    } while (cursor !== null);
    expect(sizes).toEqual([7, 7, 4]);
    expect(seen).toEqual(NEWEST_FIRST.map(idOf));
    expect(new Set(seen).size).toBe(18);
  });

  it('gives each message with who sent it and when, and its status history', async () => {
    const { body } = await getJson<MessagePage>(`/v1/messages?from=2024-05-01T10:00:00Z&to=2024-05-01T10:00:01Z`);
    expect(body.messages).toHaveLength(1);
    expect(body.messages[0]).toMatchObject({
      id: idOf(0), sentBy: 'Ana', createdAt: '2024-05-01T10:00:00.000Z', status: 'read', contentSid: T1, direction: 'outbound',
      statusTimes: { sent: '2024-05-01T10:00:01.000Z', delivered: '2024-05-01T10:00:02.000Z', read: '2024-05-01T10:01:00.000Z' },
    });
  });

  it('filters by rep, status, template and time', async () => {
    const ids = async (q: string) => (await getJson<MessagePage>(`/v1/messages?${q}&limit=500`)).body.messages.map((m) => m.id);
    const idsWhere = (pred: (s: (typeof SEED)[number]) => boolean) => NEWEST_FIRST.filter((i) => pred(SEED[i]!)).map(idOf);
    expect(await ids(`${RANGE}&rep=Bruno`)).toEqual(idsWhere(([r]) => r === 'Bruno'));
    expect(await ids(`${RANGE}&status=undelivered`)).toEqual([idOf(10), idOf(3), idOf(13)]);
    expect(await ids(`${RANGE}&status=failed`)).toEqual([idOf(16), idOf(6)]);
    expect(await ids(`${RANGE}&status=read&rep=Carla`)).toEqual([idOf(17), idOf(15), idOf(14)]);
    expect(await ids(`from=2024-05-02&to=2024-05-02&contentSid=${T2}`)).toEqual([idOf(15), idOf(9), idOf(3)]);
    // May 2nd 10:00, 10:01, 10:02 (10:03 is `to`, excluded).
    expect(await ids('from=2024-05-02T10:00:00Z&to=2024-05-02T10:03:00Z')).toEqual([idOf(8), idOf(3), idOf(2)]);
    expect(await ids('from=2024-05-04&to=2024-05-04&contentSid=free-form')).toEqual(['msg_hostile']);
    expect(await ids(`${RANGE}&rep=Nobody`)).toEqual([]);
    // Inbound messages are not in the drill-down.
    expect(await ids(`${RANGE}&status=received`)).toEqual([]);
  });

  it('streams every matching message as CSV, with sender and times', async () => {
    const { res, rows } = await getCsv(`/v1/messages?${RANGE}&limit=2`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename=messages-2024-05-01-2024-05-03.csv');
    const [header, ...lines] = rows;
    expect(header).toEqual(['createdAt', 'sentBy', 'id', 'sid', 'phone', 'direction', 'contentSid', 'variables', 'body', 'status', 'errorCode', 'errorMessage', 'sentAt', 'deliveredAt', 'readAt', 'failedAt', 'updatedAt']);
    // Every match, not one page of `limit`.
    expect(lines.map((l) => l[2])).toEqual(NEWEST_FIRST.map(idOf));
    const col = (name: string) => header!.indexOf(name);
    const ana0 = lines.find((l) => l[col('id')] === idOf(0))!;
    expect([ana0[col('createdAt')], ana0[col('sentBy')], ana0[col('phone')], ana0[col('variables')], ana0[col('status')], ana0[col('deliveredAt')], ana0[col('readAt')]]).toEqual([
      '2024-05-01T10:00:00.000Z', 'Ana', `'${phoneOf(0)}`, '{"1":"Maria"}', 'read', '2024-05-01T10:00:02.000Z', '2024-05-01T10:01:00.000Z',
    ]);
    const refused = lines.find((l) => l[col('id')] === idOf(6))!;
    expect([refused[col('sid')], refused[col('status')], refused[col('errorCode')], refused[col('failedAt')]]).toEqual(['', 'failed', '21211', '2024-05-01T10:02:01.000Z']);
    // Many pages of the store behind one download (500 per call): still exact.
    const all = await getCsv('/v1/messages?from=2024-05-01&to=2024-05-04');
    expect(all.rows).toHaveLength(1 + 19);
  });

  it('escapes what a spreadsheet would run: hostile body and sender come out as text', async () => {
    const { text, rows } = await getCsv('/v1/messages?from=2024-05-04&to=2024-05-04');
    expect(rows).toHaveLength(2);
    const [header, line] = rows as [string[], string[]];
    expect(line[header.indexOf('body')]).toBe(`'${HOSTILE}`);
    expect(line[header.indexOf('sentBy')]).toBe("'@Mallory");
    // No field in the file starts with a formula character.
    for (const r of rows) for (const cell of r) expect(cell, cell).not.toMatch(/^[=+\-@\t\r]/);
    expect(text).not.toContain(`,${HOSTILE}`);
  });

  it('refuses bad queries with 422', async () => {
    for (const q of ['limit=0', 'limit=10000', 'limit=abc', 'from=2024-05-03&to=2024-05-01', 'from=2024-13-01', 'status=lost', 'cursor=not-a-cursor', 'cursor=zzzzzzzzzzz.1']) {
      const res = await relay.api(`/v1/messages?${q}`, { token: manager });
      expect(res.status, q).toBe(422);
    }
  });
});

describe('GET /v1/contacts?pinpointId=… (list badges)', () => {
  it('summarises known contacts (consent and last message) and leaves unknown ids out', async () => {
    await relay.deps.store.rememberPinpointId(phoneOf(0), '101', new Date().toISOString());
    await relay.deps.store.rememberPinpointId(phoneOf(13), '102', new Date().toISOString());
    // The panel records the id as a rep opens the contact.
    expect((await relay.api(`/v1/contacts/${encodeURIComponent(PHONE)}?pinpointId=103`, { token: rep })).status).toBe(200);
    await relay.deps.store.recordConsent({ phone: PHONE, state: 'opted_in', source: 'import', by: 'import', evidence: 'CRM import', at: '2024-04-01T00:00:00.000Z', messageSid: null });

    const { status, body } = await getJson<ContactSummaries>('/v1/contacts?pinpointId=103&pinpointId=101&pinpointId=999&pinpointId=102&pinpointId=101');
    expect(status).toBe(200);
    expect(ContactSummaries.parse(body)).toEqual(body);
    expect(body.contacts).toEqual([
      // Its last message is the inbound reply at 11:00, after the read template.
      { pinpointId: '101', phone: phoneOf(0), consent: 'unknown', lastMessage: { direction: 'inbound', status: 'received', at: '2024-05-01T11:00:00.000Z' } },
      { pinpointId: '102', phone: phoneOf(13), consent: 'unknown', lastMessage: { direction: 'outbound', status: 'undelivered', at: createdOf(13) } },
      { pinpointId: '103', phone: PHONE, consent: 'opted_in', lastMessage: null },
    ]);
    expect((await getJson<ContactSummaries>('/v1/contacts?pinpointId=999')).body).toEqual({ contacts: [] });
  });

  it('takes 1 to 200 ids of digits only', async () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => `pinpointId=${i + 1}`).join('&');
    expect((await relay.api(`/v1/contacts?${many(200)}`, { token: manager })).status).toBe(200);
    for (const q of [many(201), '', 'pinpointId=', 'pinpointId=abc', 'pinpointId=12&pinpointId=1%3B2', `pinpointId=${'1'.repeat(21)}`]) {
      expect((await relay.api(`/v1/contacts?${q}`, { token: manager })).status, q.slice(0, 40)).toBe(422);
    }
  });
});

describe('GET /v1/contacts/{phone}/consent-history', () => {
  it('the audit trail, oldest first, as JSON and as CSV, hostile evidence escaped', async () => {
    const phone = '+5511987650002';
    const ana = await relay.token('rep', 'Ana');
    expect((await relay.api(`/v1/contacts/${encodeURIComponent(phone)}/consent`, { method: 'PUT', token: ana, json: { state: 'opted_in', evidence: 'Phone call, agreed to WhatsApp' } })).status).toBe(200);
    await relay.deps.store.recordConsent({ phone, state: 'opted_out', source: 'keyword', by: 'contact', evidence: 'STOP', at: new Date(Date.now() + 1000).toISOString(), messageSid: 'SM_stop' });
    expect((await relay.api(`/v1/contacts/${encodeURIComponent(phone)}/consent`, { method: 'PUT', token: ana, json: { state: 'opted_in', evidence: HOSTILE } })).status).toBe(200);
    expect((await relay.api(`/v1/contacts/${encodeURIComponent(phone)}/consent`, { method: 'PUT', token: ana, json: { state: 'opted_out', evidence: '+SUM(1,2) said "no"' } })).status).toBe(200);

    const { status, body } = await getJson<ConsentHistory>(`/v1/contacts/${encodeURIComponent(phone)}/consent-history`);
    expect(status).toBe(200);
    expect(ConsentHistory.parse(body)).toEqual(body);
    expect(body.phone).toBe(phone);
    expect(body.history.map((h) => [h.state, h.source, h.by, h.evidence, h.messageSid])).toEqual([
      ['opted_in', 'rep', 'Ana', 'Phone call, agreed to WhatsApp', null],
      ['opted_out', 'keyword', 'contact', 'STOP', 'SM_stop'],
      ['opted_in', 'rep', 'Ana', HOSTILE, null],
      ['opted_out', 'rep', 'Ana', '+SUM(1,2) said "no"', null],
    ]);
    expect(body.history.every((h) => /^\d{4}-\d\d-\d\dT.*Z$/.test(h.at))).toBe(true);

    const csv = await getCsv(`/v1/contacts/%2B5511987650002/consent-history`);
    expect(csv.res.headers.get('content-disposition')).toBe('attachment; filename=consent-history-5511987650002.csv');
    expect(csv.rows[0]).toEqual(['phone', 'id', 'at', 'state', 'source', 'by', 'evidence', 'messageSid']);
    expect(csv.rows.slice(1).map((r) => [r[0], r[2], r[3], r[4], r[5], r[6], r[7]])).toEqual(body.history.map((h) => [`'${phone}`, h.at, h.state, h.source, h.by, h.evidence.startsWith('=') || h.evidence.startsWith('+') ? `'${h.evidence}` : h.evidence, h.messageSid ?? '']));
    expect(csv.text).toContain(`"'+SUM(1,2) said ""no"""`);
    expect(csv.text).toContain(`,'${HOSTILE},`);
    const ids = csv.rows.slice(1).map((r) => Number(r[1]));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));

    const nobody = await getJson<ConsentHistory>('/v1/contacts/%2B5511987650009/consent-history');
    expect(nobody.body).toEqual({ phone: '+5511987650009', history: [] });
    expect((await relay.api('/v1/contacts/12ab/consent-history', { token: manager })).status).toBe(422);
  });
});

describe('GET /v1/events?scope=all', () => {
  it('gives a manager every status event, on any contact; refuses a rep; scope must be known', async () => {
    expect((await relay.api('/v1/events?scope=all', { token: rep })).status).toBe(403);
    expect((await relay.api('/v1/events?scope=everything', { token: manager })).status).toBe(422);

    const stream = await openSse(`${relay.url}/v1/events?scope=all`, { authorization: `Bearer ${manager}` });
    expect(stream.status).toBe(200);
    const phone = '+5511987650003';
    const sender = await relay.token('rep', 'Live Rep');
    await relay.api(`/v1/contacts/${encodeURIComponent(phone)}/consent`, { method: 'PUT', token: sender, json: { state: 'opted_in', evidence: 'Web form' } });
    const sent = await relay.api('/v1/messages', { method: 'POST', token: sender, json: { to: phone, contentSid: 'HXb5b62575e6e4ff6129ad7c8efe1f983e', variables: { '1': '12/1', '2': '3pm' } } });
    expect(sent.status).toBe(201);
    const { id } = (await sent.json()) as { id: string };
    // The simulator's callbacks come back through the signed webhook; the first that moves the message is enough.
    const status = await stream.waitFor((e) => e.event === 'message.status' && (e.data as { message: { id: string; status: string } }).message.id === id && (e.data as { message: { status: string } }).message.status !== 'queued', 10_000);
    expect(status.data).toMatchObject({ type: 'message.status', phone, message: { id, sentBy: 'Live Rep' } });
    expect(stream.events.some((e) => e.event === 'consent.changed')).toBe(true);
    stream.close();
    await relay.deps.simulator?.idle();
  });
});
