/**
 * The typed protocol between the content script (panel) and the background, the extension's one
 * network hub. Requests go through runtime.sendMessage and always resolve to a Result; live events
 * arrive on a long-lived port named WATCH_PORT.
 */
import type { ConsentInput, ContactState, Me, Message, SendInput, TemplateList } from '../shared/api.ts';
import type { LiveEvent } from '../shared/events.ts';
import type { ContactSummaries, DeliveryReport, GroupBy } from '../shared/reports.ts';
import type { PairingRole } from '../shared/pairing.ts';

export interface RelayFailure {
  /** A contract error code (CONSENT_REQUIRED, …) or OFFLINE / NOT_CONFIGURED / BAD_RESPONSE from the background. */
  code: string;
  message: string;
  twilioCode?: number;
  status?: number;
}

/**
 * What a content script may know of the settings: never the relay URL or the token, which stay in the
 * background so nothing on the CRM page can read them.
 */
export interface PageSettings {
  defaultCountry: string;
  optInLabel: string;
  /** contentSid → variable key → contact field. */
  mappings: Record<string, Record<string, string>>;
  /** Relay URL and token are set. */
  configured: boolean;
}

export type Result<T> = { ok: true; data: T } | { ok: false; error: RelayFailure };

/** What the dashboard asks of GET /v1/reports/delivery (shared/reports.ts ReportQuery). */
export interface ReportRequestQuery {
  from: string;
  to: string;
  groupBy: GroupBy;
  rep?: string;
}

/** At most this many PinPoint ids per 'contacts.summary' (the relay's limit for GET /v1/contacts?pinpointId=…). */
export const MAX_SUMMARY_IDS = 200;
/** At most this many phones per watch port (the relay's limit for repeated `phone` on /v1/events). */
export const MAX_WATCH_PHONES = 50;

export type Request =
  /** Who the token belongs to; the background reuses the answer for a minute unless `refresh`. */
  | { type: 'me'; refresh?: boolean }
  | { type: 'contact.get'; phone: string; pinpointId?: string }
  | { type: 'consent.set'; phone: string; input: ConsentInput }
  | { type: 'templates.list'; refresh?: boolean }
  | { type: 'message.send'; input: SendInput; idempotencyKey: string }
  | { type: 'replies.seen'; phone: string }
  | { type: 'options.open' }
  | { type: 'settings.page' }
  /** The panel's dictionary for a locale; only English ships inside the content script. */
  | { type: 'strings.panel'; locale: 'es' | 'pt' }
  /** Badges on the PinPoint contacts list: only the contacts the relay knows come back (managers/admins). */
  | { type: 'contacts.summary'; pinpointIds: string[] }
  /** The team dashboard (managers/admins). */
  | { type: 'reports.delivery'; query: ReportRequestQuery }
  /**
   * Options page only: trade a pairing code for a token of one's own (POST /v1/pair, no token). The
   * background saves the Relay URL and the new token into the settings; the answer never carries the token.
   */
  | { type: 'pair'; relayUrl: string; code: string; name: string };

/** What 'pair' answers: who the new token is, and the Relay URL it was saved with. */
export interface PairedIdentity {
  name: string;
  role: PairingRole;
  relayUrl: string;
}

export interface ResponseMap {
  me: Me;
  'contact.get': ContactState;
  'consent.set': ContactState['consent'];
  'templates.list': TemplateList;
  'message.send': Message;
  'replies.seen': null;
  'options.open': null;
  'settings.page': PageSettings;
  'strings.panel': Record<string, string>;
  'contacts.summary': ContactSummaries;
  'reports.delivery': DeliveryReport;
  pair: PairedIdentity;
}

export const WATCH_PORT = 'ppw-watch';

/**
 * What a watch port follows: one phone (the panel), several phones in one stream (the contacts list's badges, at most
 * MAX_WATCH_PHONES) or every event of the team (the dashboard: /v1/events?scope=all, managers/admins).
 */
export type WatchSubject = string | { phones: string[] } | { scope: 'all' };

/** content → background on the watch port */
export type WatchClientMessage =
  | { type: 'watch'; phone: string }
  | { type: 'watch'; phones: string[] }
  | { type: 'watch'; scope: 'all' }
  | { type: 'ping' };

/** background → content on the watch port */
export type WatchServerMessage =
  | { type: 'event'; event: LiveEvent }
  /** The live stream's state. On every transition to 'open' the panel refetches the contact: events are hints, the GET is the truth. */
  | { type: 'stream'; state: 'connecting' | 'open' | 'offline'; retryInMs?: number };
