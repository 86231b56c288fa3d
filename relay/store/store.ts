/**
 * Storage behind one interface so SQLite (default, one machine) and PostgreSQL (several instances)
 * are interchangeable. Every method is one atomic unit: services never hold a transaction open
 * across an await, which is what lets SQLite's synchronous driver and PostgreSQL share a shape.
 * Domain rules that must be atomic with the write (forward-only statuses) are applied inside the
 * store with the pure functions from shared/, so both engines enforce them identically.
 */
import type { ConsentSource, ConsentState, Message, MessageStatus, Role } from '../../shared/api.ts';
import type { ContactSummary, GroupBy, ReportRow } from '../../shared/reports.ts';

export interface TokenRecord {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

/** What createToken takes: the token's hash, never the token. */
export interface NewToken {
  id: string;
  name: string;
  role: Role;
  hash: string;
  createdAt: string;
}

/** A one-time pairing code as stored: only the sha256 hash of the code itself is kept. */
export interface PairingCodeRecord {
  id: string;
  /** The role of the token the code yields: rep or manager, never admin. */
  role: Role;
  /** Who made it: the creating token's name, or the admin's --by on the CLI. */
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
  usedByTokenId: string | null;
}

export interface NewPairingCode {
  id: string;
  hash: string;
  role: Role;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
}

export interface ContactRecord {
  phone: string;
  profileName: string | null;
  waId: string | null;
  pinpointId: string | null;
  lastInboundAt: string | null;
  consentState: ConsentState;
  consentSource: ConsentSource | null;
  consentAt: string | null;
  consentBy: string | null;
  consentEvidence: string | null;
}

export interface ConsentChange {
  phone: string;
  state: ConsentState;
  source: ConsentSource;
  /** A rep's token name, "contact" for keywords, "twilio" for an error-driven opt-out. */
  by: string;
  /** Why: the rep's words, the keyword message text, the Twilio error. */
  evidence: string;
  at: string;
  /** The inbound MessageSid that carried a keyword, or the outbound sid that failed. */
  messageSid: string | null;
}

export interface ConsentHistoryEntry extends ConsentChange {
  id: number;
}

export interface NewOutbound {
  id: string;
  phone: string;
  body: string | null;
  contentSid: string | null;
  variables: Record<string, string> | null;
  sentBy: string;
  sentByTokenId: string;
  createdAt: string;
  /** Scoped per token: the same key from the same token returns the first message. */
  idempotencyKey: string | null;
}

export interface NewInbound {
  id: string;
  sid: string;
  phone: string;
  body: string | null;
  profileName: string | null;
  waId: string | null;
  at: string;
  /** Raw extras worth keeping (NumMedia, ButtonPayload, OriginalRepliedMessageSid, …). */
  meta: Record<string, string>;
}

export interface StatusUpdate {
  sid: string;
  status: MessageStatus;
  /** Twilio's EventType (READ, DELIVERED, …) or '' — part of the dedupe key. */
  eventType: string;
  errorCode: number | null;
  errorMessage: string | null;
  at: string;
}

export type StatusResult =
  | { kind: 'duplicate' }
  /** The sid is not (yet) known: the event is kept and applied if the sid is attached later. */
  | { kind: 'unknown' }
  /** `phone` is there so callers can skip building `message` (lazy in SQLite) when nobody listens. */
  | { kind: 'applied'; phone: string; message: Message; changed: boolean };

/** Instants are ISO UTC; ranges are half-open [from, to). The route turns dates into instants (shared/reports.ts rangeOf). */
export interface DeliveryReportQuery {
  from: string;
  to: string;
  groupBy: GroupBy;
  /** Only this rep's messages (the sending token's name). */
  rep?: string | undefined;
}

export interface DeliveryReportResult {
  rows: ReportRow[];
  totals: ReportRow;
}

/** Outbound messages only. Every filter is optional; `contentSid: 'free-form'` = sent without a template. */
export interface MessagePageQuery {
  rep?: string | undefined;
  status?: MessageStatus | undefined;
  contentSid?: string | undefined;
  from?: string | null | undefined;
  to?: string | null | undefined;
  /** A nextCursor from an earlier page (cursor.ts decodePageCursor must accept it). */
  cursor?: string | null | undefined;
  limit: number;
}

export interface MessagePageResult {
  /** Newest first by (createdAt, seq). */
  messages: Message[];
  /** null on the last page. */
  nextCursor: string | null;
}

export interface Store {
  readonly engine: 'sqlite' | 'postgres';
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;

  // tokens (only the sha256 hash of a token is ever stored)
  createToken(t: { id: string; name: string; role: Role; hash: string; createdAt: string }): Promise<TokenRecord>;
  /** A live (not revoked) token by hash; also stamps lastUsedAt at most once a minute. */
  findTokenByHash(hash: string, now: string): Promise<TokenRecord | null>;
  listTokens(): Promise<TokenRecord[]>;
  revokeToken(id: string, at: string): Promise<boolean>;

  // pairing codes (only the sha256 hash of a code is ever stored)
  createPairingCode(c: NewPairingCode): Promise<PairingCodeRecord>;
  /**
   * Trades a code for a token, atomically: the code must exist, be unused and not expired at `now`
   * (expiresAt > now); it is marked used by the new token in the same transaction that creates the
   * token, so a code never yields two tokens, however many requests race for it. `makeToken` is
   * called (synchronously, at most once) with the code to build the token's row. null = no such
   * usable code; nothing is written.
   */
  redeemPairingCode(hash: string, now: string, makeToken: (code: PairingCodeRecord) => NewToken): Promise<{ code: PairingCodeRecord; token: TokenRecord } | null>;

  // contacts and consent
  getContact(phone: string): Promise<ContactRecord | null>;
  rememberPinpointId(phone: string, pinpointId: string, at: string): Promise<void>;
  /** Appends to the consent history and updates the current state, atomically. */
  recordConsent(change: ConsentChange): Promise<ContactRecord>;
  consentHistory(phone: string): Promise<ConsentHistoryEntry[]>;
  /**
   * Consent and last message of the known contacts with these PinPoint ids (unknown ids are left
   * out; a PinPoint id remembered for two phones gives two entries), sorted by PinPoint id then phone.
   */
  contactSummaries(pinpointIds: string[]): Promise<ContactSummary[]>;

  // messages
  /** Oldest first, the last `limit` messages. */
  listMessages(phone: string, limit: number): Promise<Message[]>;
  getMessage(id: string): Promise<Message | null>;
  getMessageBySid(sid: string): Promise<Message | null>;
  /** The message this token created with this Idempotency-Key, if any. */
  getMessageByKey(tokenId: string, idempotencyKey: string): Promise<Message | null>;
  /**
   * Outbound messages created before `createdBefore` that Twilio never confirmed: still our own
   * 'queued' placeholder with no sid (the create call timed out, was cut, or the relay died during
   * it). Oldest first. The reconciler asks Twilio what became of them.
   */
  listUnconfirmed(createdBefore: string, limit: number): Promise<Message[]>;
  /**
   * Inserts an outbound message in status 'queued' with no sid yet, before Twilio is called.
   * With an idempotency key already used by this token, returns the existing message instead.
   */
  createOutbound(m: NewOutbound): Promise<{ message: Message; created: boolean }>;
  /** After Twilio accepted: sets sid and initial status, then applies any status events that arrived for that sid first. */
  attachSid(id: string, sid: string, status: MessageStatus, at: string): Promise<Message>;
  /** Twilio refused the send: the message becomes 'failed' with the code and explanation. */
  markSendFailed(id: string, errorCode: number | null, errorMessage: string, at: string): Promise<Message>;
  /**
   * Stores an inbound message once (dedupe on sid), creates the contact when new, sets
   * lastInboundAt (never moving it backwards), ProfileName and WaId.
   */
  receiveInbound(m: NewInbound): Promise<{ message: Message; duplicate: boolean }>;
  /** Dedupes on (sid, status, eventType) and moves the message forward only (advanceStatus). */
  applyStatus(u: StatusUpdate): Promise<StatusResult>;
  /** Fallback webhook: Twilio could not reach the primary URL. */
  recordFallback(f: { messageSid: string | null; errorCode: string | null; errorUrl: string | null; at: string }): Promise<void>;
  /** Inbound messages after a cursor on contacts this token has messaged (scope=mine replay). */
  inboundSince(tokenId: string, afterCursor: string, limit: number): Promise<Message[]>;
  /** True when the token has sent at least one message to this phone. */
  hasMessaged(tokenId: string, phone: string): Promise<boolean>;

  // manager reports (definitions: shared/reports.ts ReportRow)
  /** Outbound messages created in [from, to), grouped; rows sorted by key, empty groups left out. */
  deliveryReport(q: DeliveryReportQuery): Promise<DeliveryReportResult>;
  /** One page of outbound messages matching the filters, keyset-paginated (never OFFSET). */
  listMessagesPage(q: MessagePageQuery): Promise<MessagePageResult>;

  // data care (retention, a contact's data on request; relay/store/data-care.ts)
  /**
   * Retention: blanks the body, the template variables and the content fields of meta (button
   * text, location, referral: data-care.ts PURGED_META_KEYS) of every message created before
   * `before`, and stamps `bodyPurgedAt` = `at`; status, times, sender, sid and error stay, so
   * reports and the audit trail are unchanged. Already purged messages are skipped, so a re-run
   * purges nothing twice. Returns how many messages it purged, and appends one `retention.purged`
   * audit event when that is more than none. Works in windows of the sequence (each window one
   * atomic statement), so a first purge of a large history never holds the write lock for long; a
   * crash part way leaves whole rows purged or not, and the next run finishes the job.
   */
  purgeBodies(before: string, at?: string): Promise<number>;
  /**
   * A contact's data on request, atomically: deletes the phone's messages (and the stored status
   * callbacks of their sids), blanks the contact's profile (name, WaId, PinPoint id, last inbound
   * time), KEEPS the consent history and the current consent (append-only evidence; an opted-out
   * contact must stay opted out), and appends a `contact.deleted` audit event (`by`, `at`, counts).
   */
  deleteContactData(phone: string, at: string, by: string): Promise<{ messages: number }>;
  /** Everything held about a phone, from one consistent snapshot; messages oldest first, with their meta. */
  exportContact(phone: string): Promise<ContactExport>;
  /** The audit trail (oldest first): of one phone, or all of it. */
  auditEvents(phone?: string): Promise<AuditEvent[]>;
}

export type AuditAction = 'contact.deleted' | 'retention.purged';

/** An append-only record of an admin action on personal data (not a consent change: those are consent history). */
export interface AuditEvent {
  id: number;
  at: string;
  /** A token's name, or "retention" for the timer and the CLI. */
  actor: string;
  action: AuditAction;
  /** The contact acted on; null for actions on many (retention). */
  phone: string | null;
  detail: Record<string, string | number>;
}

/** A message as exported: the API shape plus the raw extras kept from the webhook. */
export type ExportedMessage = Message & { meta: Record<string, string> };

export interface ContactExport {
  contact: ContactRecord | null;
  consentHistory: ConsentHistoryEntry[];
  messages: ExportedMessage[];
  audit: AuditEvent[];
}
