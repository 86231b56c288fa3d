/**
 * The embedded engine: one SQLite file through better-sqlite3. The driver is synchronous, so
 * each method does its work (and its transaction) before returning; the Promise is only there
 * because the interface is shared with PostgreSQL. No transaction ever spans an await.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { ConsentState, type Message, type MessageStatus } from '../../../shared/api.ts';
import { FREE_FORM, type ContactSummary } from '../../../shared/reports.ts';
import { decodePageCursor, encodePageCursor, parseCursor } from '../cursor.ts';
import { iso } from '../row-checks.ts';
import { accumulateCell, buildReport, type RunningGroup } from '../report-fold.ts';
import { foldStatus, noteStatusTime, statusColumns, type StatusFields } from '../status-fold.ts';
import type { ConsentChange, DeliveryReportQuery, MessagePageQuery, NewInbound, NewOutbound, StatusResult, StatusUpdate, Store } from '../store.ts';
import type { NewToken, PairingCodeRecord } from '../store.ts';
import { toPairingCode } from '../pairing-rows.ts';
import { LATEST_VERSION, checkSchema, runMigrations } from './migrations.ts';
import { parseStringRecord, toConsentEntry, toContact, toMessage, toStatus, toToken, type MessageRow, type StatusRow } from './rows.ts';
import { createGroupCommit } from './group-commit.ts';
import { createLockWait } from './lock-wait.ts';
import { sqliteDataCare } from './data-care.ts';
import { prepareStatements, type AggregateRow, type PageParams } from './statements.ts';

export { messageCursor, START_CURSOR } from '../cursor.ts';

export interface SqliteStoreOptions {
  /** Open an existing, fully migrated database without writing to it (reports, doctor). */
  readonly?: boolean;
}

/** How often findTokenByHash may write last_used_at: once a minute is enough to audit, and keeps auth read-only. */
const TOUCH_INTERVAL_MS = 60_000;


function isFile(file: string): boolean {
  return file !== ':memory:' && file !== '' && !file.startsWith('file:');
}

function fieldsOf(row: StatusRow): StatusFields {
  return {
    status: toStatus(row.status, row.id),
    errorCode: row.error_code,
    errorMessage: row.error_message,
    statusTimes: parseStringRecord(row.status_times) ?? {},
    updatedAt: row.updated_at,
  };
}

export function openSqliteStore(file: string, opts: SqliteStoreOptions = {}): Store {
  const readonly = opts.readonly === true;
  if (isFile(file) && !readonly) mkdirSync(dirname(resolve(file)), { recursive: true });
  const db = new Database(file, { readonly, fileMustExist: readonly });
  try {
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    if (!readonly) {
      // WAL: readers never block the writer, and a commit is one append. With WAL, synchronous=NORMAL
      // is durable against a crash of this process (a committed transaction is in the OS's hands);
      // only an OS crash or power loss can lose the last commits, and never corrupts the file.
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      runMigrations(db, file, () => new Date().toISOString());
    } else {
      const at = checkSchema(db, file).reduce((max, r) => Math.max(max, r.version), 0);
      if (at < LATEST_VERSION) throw new Error(`database ${file} is at schema version ${at}, this relay needs ${LATEST_VERSION}: open it read-write once to migrate`);
    }
  } catch (err) {
    db.close();
    throw err;
  }

  const s = prepareStatements(db);
  // Writes wait for another process's write lock, but never freeze the relay twice for one long hold.
  const lockWait = createLockWait(db);

  function messageRow(id: string): MessageRow {
    const row = s.messageById.get(id);
    if (row === undefined) throw new Error(`no message with id ${id}`);
    return row;
  }

  /** Writes the new status fields and returns the row as now stored, without reading it back. */
  function saveStatus(row: MessageRow, sid: string | null, f: StatusFields): MessageRow {
    const statusTimes = JSON.stringify(f.statusTimes);
    const values = { seq: row.seq, status: f.status, errorCode: f.errorCode, errorMessage: f.errorMessage, statusTimes, updatedAt: f.updatedAt, ...statusColumns(row.created_at, f.statusTimes) };
    if (sid === row.sid) s.messageAdvance.run(values);
    else s.messageSetStatus.run({ ...values, sid });
    return { ...row, sid, status: f.status, error_code: f.errorCode, error_message: f.errorMessage, status_times: statusTimes, updated_at: f.updatedAt };
  }

  /** Callbacks that arrived before the sid was attached, applied in arrival order as if the sid had been known. */
  function replayEvents(sid: string, start: StatusFields): StatusFields {
    let f = start;
    for (const e of s.statusEventsForSid.all(sid)) {
      f = foldStatus(f, { status: toStatus(e.status, sid), errorCode: e.error_code, errorMessage: e.error_message, at: e.at }).fields;
    }
    return f;
  }

  const createOutboundTx = db.transaction((m: NewOutbound): { message: Message; created: boolean } => {
    const at = iso(m.createdAt);
    const info = s.messageInsertOutbound.run({
      id: m.id,
      phone: m.phone,
      body: m.body,
      contentSid: m.contentSid,
      variables: m.variables === null ? null : JSON.stringify(m.variables),
      sentBy: m.sentBy,
      tokenId: m.sentByTokenId,
      key: m.idempotencyKey,
      statusTimes: JSON.stringify({ queued: at }),
      at,
    });
    if (info.changes === 0 && m.idempotencyKey !== null) {
      const first = s.messageByKey.get(m.sentByTokenId, m.idempotencyKey);
      if (first !== undefined) return { message: toMessage(first), created: false };
    }
    return { message: toMessage(messageRow(m.id)), created: true };
  });

  const attachSidTx = db.transaction((id: string, sid: string, status: MessageStatus, atRaw: string): Message => {
    const at = iso(atRaw);
    const row = messageRow(id);
    if (row.sid !== null && row.sid !== sid) throw new Error(`message ${id} already has sid ${row.sid}, not ${sid}`);
    const current = fieldsOf(row);
    // 'queued' without a sid is our own placeholder, not Twilio's word: Twilio's first status
    // (queued, accepted or scheduled) replaces it even where the rank table calls them equal.
    const initial: StatusFields =
      row.sid === null && current.status === 'queued'
        ? { ...current, status, statusTimes: noteStatusTime(current.statusTimes, status, at), updatedAt: at > current.updatedAt ? at : current.updatedAt }
        : foldStatus(current, { status, errorCode: null, errorMessage: null, at }).fields;
    saveStatus(row, sid, replayEvents(sid, initial));
    return toMessage(messageRow(id));
  });

  const markSendFailedTx = db.transaction((id: string, errorCode: number | null, errorMessage: string, atRaw: string): Message => {
    const row = messageRow(id);
    const { fields } = foldStatus(fieldsOf(row), { status: 'failed', errorCode, errorMessage, at: iso(atRaw) });
    saveStatus(row, row.sid, fields);
    return toMessage(messageRow(id));
  });

  // Not a transaction function of its own: it runs only inside the group commit's transaction, and it
  // writes at most one statement (an UPDATE or an INSERT), which SQLite applies whole or not at all, so
  // a savepoint per callback (two more statements each, ~3 µs of the hot path's ~27) protects nothing.
  const applyStatusOne = (u: StatusUpdate): StatusResult => {
    const at = iso(u.at);
    const row = s.messageStatusBySid.get(u.sid);
    if (row === undefined) {
      // Not (yet) ours: kept, deduplicated on (sid, status, EventType), and replayed by attachSid if the
      // create call's answer is merely late.
      const stored = s.statusEventInsert.run({ sid: u.sid, status: u.status, eventType: u.eventType, errorCode: u.errorCode, errorMessage: u.errorMessage, at });
      return stored.changes === 0 ? { kind: 'duplicate' } : { kind: 'unknown' };
    }
    const current = fieldsOf(row);
    // A known message records the first time it reached each status, so a status it already has is
    // Twilio repeating itself: answered without a write. (Keeping one row per callback as well cost a
    // third of the hot path's database time and told nothing status_times doesn't.)
    if (current.statusTimes[u.status] !== undefined) return { kind: 'duplicate' };
    const { fields, changed } = foldStatus(current, { status: u.status, errorCode: u.errorCode, errorMessage: u.errorMessage, at });
    s.messageAdvance.run({ seq: row.seq, status: fields.status, errorCode: fields.errorCode, errorMessage: fields.errorMessage, statusTimes: JSON.stringify(fields.statusTimes), updatedAt: fields.updatedAt, ...statusColumns(row.created_at, fields.statusTimes) });
    // Read on first use, after the commit: most callbacks on the hot path never need the message (no
    // change, or no listener), and the stored row is then the truth.
    let message: Message | undefined;
    return {
      kind: 'applied',
      phone: row.phone,
      changed,
      get message() {
        return (message ??= toMessage(s.messageBySeq.get(row.seq) ?? (() => { throw new Error(`message ${row.id} vanished`); })()));
      },
    };
  };

  const receiveInboundTx = db.transaction((m: NewInbound): { message: Message; duplicate: boolean } => {
    const at = iso(m.at);
    const info = s.messageInsertInbound.run({
      id: m.id,
      sid: m.sid,
      phone: m.phone,
      body: m.body,
      meta: JSON.stringify(m.meta),
      statusTimes: JSON.stringify({ received: at }),
      at,
    });
    if (info.changes === 0) {
      const first = s.messageBySid.get(m.sid);
      if (first === undefined) throw new Error(`inbound ${m.sid} was neither inserted nor found`);
      return { message: toMessage(first), duplicate: true };
    }
    s.contactInbound.run({ phone: m.phone, profileName: m.profileName, waId: m.waId, at });
    return { message: toMessage(messageRow(m.id)), duplicate: false };
  });

  const recordConsentTx = db.transaction((c: ConsentChange) => {
    const at = iso(c.at);
    s.contactEnsure.run(c.phone, at, at);
    s.consentInsert.run(c.phone, c.state, c.source, c.by, c.evidence, at, c.messageSid);
    s.contactConsent.run({ phone: c.phone, state: c.state, source: c.source, by: c.by, evidence: c.evidence, at });
    const row = s.contactGet.get(c.phone);
    if (row === undefined) throw new Error(`contact ${c.phone} vanished inside its own transaction`);
    return toContact(row);
  });

  // The webhook writes (inbound messages, status callbacks) share commits under load.
  const group = createGroupCommit(db, undefined, lockWait);

  /** One statement, so one snapshot: the groups and totals agree even while callbacks keep arriving. */
  function deliveryReport(q: DeliveryReportQuery) {
    const from = iso(q.from);
    const to = iso(q.to);
    const groups = new Map<string, RunningGroup>();
    if (from >= to) return buildReport([]);
    const last = new Date(Date.parse(to) - 1).toISOString();
    const stmt = q.groupBy === 'day' ? s.reportByDay : q.groupBy === 'rep' ? s.reportByRep : s.reportByTemplate;
    const cells = stmt.iterate({ fromDay: from.slice(0, 10), toDay: last.slice(0, 10), from, to, rep: q.rep ?? null });
    for (const cell of cells) {
      // Outbound rows always carry their sender; '(unknown)' is there should one not.
      const key = q.groupBy === 'day' ? cell.day : q.groupBy === 'rep' ? (cell.rep ?? '(unknown)') : (cell.template ?? FREE_FORM);
      accumulateCell(groups, key, cell);
    }
    return buildReport([...groups.values()].map(({ d, r, ...g }) => ({ ...g, toDeliveredMs: d.view(), toReadMs: r.view() })));
  }

  function pageParams(q: MessagePageQuery): PageParams {
    const cursor = q.cursor ? decodePageCursor(q.cursor) : null;
    if (q.cursor && cursor === null) throw new RangeError(`not a page cursor: ${JSON.stringify(q.cursor)}`);
    const sid = q.contentSid === undefined ? undefined : q.contentSid === FREE_FORM ? null : q.contentSid;
    return {
      from: q.from ? iso(q.from) : '',
      // Every stored time is an ISO string, and they all sort before this one.
      to: q.to ? iso(q.to) : '~',
      cAt: cursor?.createdAt ?? '~',
      cSeq: cursor?.seq ?? Number.MAX_SAFE_INTEGER,
      rep: q.rep ?? null,
      status: q.status ?? null,
      sidFilter: sid === undefined ? 0 : 1,
      contentSid: sid ?? null,
      limit: Math.max(1, Math.floor(q.limit)) + 1,
    };
  }

  // IMMEDIATE (see redeemPairingCode): the write lock is held from the read of the code to the commit,
  // so two redeemers of one code are serialised and the second finds it used.
  const redeemPairingTx = db.transaction((hash: string, nowRaw: string, makeToken: (code: PairingCodeRecord) => NewToken) => {
    const now = iso(nowRaw);
    const row = s.pairingUsableByHash.get({ hash, now });
    if (row === undefined) return null;
    const t = makeToken(toPairingCode(row));
    s.tokenInsert.run(t.id, t.name, t.role, t.hash, iso(t.createdAt));
    if (s.pairingMarkUsed.run({ id: row.id, now, tokenId: t.id }).changes !== 1) throw new Error(`pairing code ${row.id} was used inside its own transaction`);
    const token = s.tokenById.get(t.id);
    const code = s.pairingById.get(row.id);
    if (token === undefined || code === undefined) throw new Error(`pairing code ${row.id} or token ${t.id} vanished inside its own transaction`);
    return { code: toPairingCode(code), token: toToken(token) };
  });

  const store: Store = {
    engine: 'sqlite',
    // Retention, deletion and export of a contact's data (./data-care.ts).
    ...sqliteDataCare(db, iso),

    async migrate() {
      if (readonly) throw new Error(`database ${file} was opened read-only and cannot be migrated`);
      runMigrations(db, file, () => new Date().toISOString());
    },
    async ping() {
      s.ping.get();
      // Readable is not enough when writes are failing on another process's lock (webhooks get 503).
      if (!readonly) lockWait.probe();
    },
    async close() {
      if (!db.open) return;
      // Lets SQLite refresh planner statistics it found stale during this connection's life.
      if (!readonly) db.pragma('optimize');
      db.close();
    },

    async createToken(t) {
      s.tokenInsert.run(t.id, t.name, t.role, t.hash, iso(t.createdAt));
      const row = s.tokenById.get(t.id);
      if (row === undefined) throw new Error(`token ${t.id} was not stored`);
      return toToken(row);
    },
    async findTokenByHash(hash, nowRaw) {
      const row = s.tokenLiveByHash.get(hash);
      if (row === undefined) return null;
      const token = toToken(row);
      if (readonly) return token;
      const nowMs = new Date(iso(nowRaw)).getTime();
      const now = new Date(nowMs).toISOString();
      const staleBefore = new Date(nowMs - TOUCH_INTERVAL_MS).toISOString();
      if (token.lastUsedAt !== null && token.lastUsedAt > staleBefore) return token;
      const touched = s.tokenTouch.run({ id: token.id, now, staleBefore });
      return touched.changes > 0 ? { ...token, lastUsedAt: now } : token;
    },
    async listTokens() {
      return s.tokenList.all().map(toToken);
    },
    async revokeToken(id, at) {
      return s.tokenRevoke.run(iso(at), id).changes > 0;
    },

    async createPairingCode(c) {
      s.pairingInsert.run({ id: c.id, hash: c.hash, role: c.role, createdBy: c.createdBy, createdAt: iso(c.createdAt), expiresAt: iso(c.expiresAt) });
      const row = s.pairingById.get(c.id);
      if (row === undefined) throw new Error(`pairing code ${c.id} was not stored`);
      return toPairingCode(row);
    },
    async redeemPairingCode(hash, now, makeToken) {
      return lockWait(() => redeemPairingTx.immediate(hash, now, makeToken));
    },

    async getContact(phone) {
      const row = s.contactGet.get(phone);
      return row === undefined ? null : toContact(row);
    },
    async rememberPinpointId(phone, pinpointId, at) {
      s.contactPinpoint.run({ phone, pinpointId, at: iso(at) });
    },
    async recordConsent(change) {
      return lockWait(() => recordConsentTx.immediate(change));
    },
    async consentHistory(phone) {
      return s.consentHistory.all(phone).map(toConsentEntry);
    },
    async contactSummaries(pinpointIds) {
      if (pinpointIds.length === 0) return [];
      return s.contactSummaries.all(JSON.stringify([...new Set(pinpointIds)])).map((r): ContactSummary => ({
        pinpointId: r.pinpoint_id,
        phone: r.phone,
        consent: ConsentState.parse(r.consent_state),
        lastMessage:
          r.direction === null || r.status === null || r.created_at === null
            ? null
            : { direction: r.direction === 'inbound' ? 'inbound' : 'outbound', status: toStatus(r.status, r.phone), at: r.created_at },
      }));
    },

    async listMessages(phone, limit) {
      const n = Math.max(0, Math.floor(limit));
      return n === 0 ? [] : s.messagesLast.all(phone, n).map(toMessage);
    },
    async getMessage(id) {
      const row = s.messageById.get(id);
      return row === undefined ? null : toMessage(row);
    },
    async getMessageBySid(sid) {
      const row = s.messageBySid.get(sid);
      return row === undefined ? null : toMessage(row);
    },
    async getMessageByKey(tokenId, idempotencyKey) {
      const row = s.messageByKey.get(tokenId, idempotencyKey);
      return row === undefined ? null : toMessage(row);
    },
    async listUnconfirmed(createdBefore, limit) {
      const n = Math.max(0, Math.floor(limit));
      return n === 0 ? [] : s.messagesUnconfirmed.all(iso(createdBefore), n).map(toMessage);
    },
    // IMMEDIATE: these read then write; taking the write lock up front avoids SQLITE_BUSY_SNAPSHOT
    // when another connection commits between the read and the write.
    async createOutbound(m) {
      return lockWait(() => createOutboundTx.immediate(m));
    },
    async attachSid(id, sid, status, at) {
      return lockWait(() => attachSidTx.immediate(id, sid, status, at));
    },
    async markSendFailed(id, errorCode, errorMessage, at) {
      return lockWait(() => markSendFailedTx.immediate(id, errorCode, errorMessage, at));
    },
    receiveInbound(m) {
      return group.run(() => receiveInboundTx(m));
    },
    applyStatus(u) {
      return group.run(() => applyStatusOne(u));
    },
    async recordFallback(f) {
      s.fallbackInsert.run(f.messageSid, f.errorCode, f.errorUrl, iso(f.at));
    },
    async inboundSince(tokenId, afterCursor, limit) {
      const n = Math.max(0, Math.floor(limit));
      return n === 0 ? [] : s.inboundSince.all(parseCursor(afterCursor), tokenId, n).map(toMessage);
    },
    async hasMessaged(tokenId, phone) {
      return s.hasMessaged.get(tokenId, phone) !== undefined;
    },

    async deliveryReport(q) {
      return deliveryReport(q);
    },
    async listMessagesPage(q) {
      const p = pageParams(q);
      const stmt = p.rep !== null ? s.pageByRep : p.sidFilter === 1 ? s.pageByTemplate : s.pageAny;
      const rows = stmt.all(p);
      const more = rows.length === p.limit;
      const page = more ? rows.slice(0, -1) : rows;
      const last = page.at(-1);
      return { messages: page.map(toMessage), nextCursor: more && last ? encodePageCursor(last.created_at, last.seq) : null };
    },
  };
  return store;
}
