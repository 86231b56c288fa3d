/**
 * Every word the panel shows or announces (aria-labels included). English lives here and is the
 * fallback; Spanish and Portuguese live in strings-es.ts and strings-pt.ts, which only the background
 * bundles: the content script runs on every CRM page, so it carries one language and asks the
 * background for the rep's own (setPanelStrings) before the panel renders. The Dict<StringKey> types
 * make a missing translation a compile error, and strings.test.ts checks the same at run time.
 * Placeholders are `{name}`; values are inserted as plain text.
 */
import { pickLocale, type Dict, type Locale } from '../i18n.ts';

export const EN = {
  panelLabel: 'WhatsApp',
  loading: 'Loading…',
  unknownContact: 'Unknown contact',
  profileName: 'WhatsApp name: {name}',
  phoneSwitcher: 'WhatsApp number',
  phoneKindMobile: 'mobile',
  phoneKindPhone: 'phone',
  noUsableNumber: 'No usable WhatsApp number',
  noPhoneOnPage: 'This contact has no phone number on the page. Add one in the CRM to message them.',
  unreadablePhone: '“{raw}” can’t be read as an international number. Add the country code (+…) or the contact’s country, or set a default country in the extension options.',

  consentLabel: 'WhatsApp consent',
  consentUnknown: 'Opt-in unknown',
  consentOptedIn: 'Opted in',
  consentOptedOut: 'Opted out',
  consentSourceKeyword: 'by keyword',
  consentSourceRep: 'recorded by a rep',
  consentSourceImport: 'imported',
  consentSourceTwilio: 'reported by WhatsApp',
  consentDetails: '{source} · {by} · {at}',
  consentEvidence: 'Evidence: {evidence}',
  consentCrmDisagrees: 'The CRM field “{label}” says “{value}”, but the relay has: {state}.',
  recordOptIn: 'Record opt-in',
  recordOptOut: 'Record opt-out',
  evidenceOptIn: 'Evidence: how and when the contact agreed',
  evidenceOptOut: 'Evidence: how and when the contact asked to stop',
  evidencePlaceholder: 'e.g. Agreed on the phone call of 12 May',
  evidenceRequired: 'Describe the evidence (at least 3 characters).',
  save: 'Save',
  saving: 'Saving…',
  cancel: 'Cancel',

  sessionLabel: '24-hour reply window',
  sessionOpen: 'Reply window open',
  sessionLeft: '{time} left',
  sessionClosed: 'Window closed · Templates only',
  sessionNever: 'No reply yet · Templates only',
  sessionClosedWhy: 'WhatsApp allows free text only within 24 hours of the contact’s last message.',

  templatesTitle: 'Templates',
  templatesRefresh: 'Refresh',
  templatesRefreshLabel: 'Refresh the template list from Twilio',
  templatesRefreshing: 'Refreshing…',
  templatesSearch: 'Search templates',
  templatesNone: 'No approved templates.',
  templatesNoMatch: 'No template matches “{query}”.',
  templatesFetchedAt: 'Updated {time}',
  templateVariable: 'Variable {key}',
  templateMappedFrom: 'from {field}',
  templatePreview: 'Preview',
  templateSend: 'Send template',
  problemEmpty: 'Fill in this value: WhatsApp rejects empty variables.',
  problemNewline: 'Remove line breaks and tabs: WhatsApp doesn’t allow them in variables.',
  problemSpaces: 'No more than 4 spaces in a row.',
  problemTooLong: 'Too long: at most 1024 characters.',
  reasonConsentUnknown: 'Record the contact’s opt-in before sending a template.',
  reasonOptedOut: 'The contact opted out: nothing can be sent until they opt in again.',
  reasonFixVariables: 'Fix the highlighted values first.',
  reasonNoTemplate: 'Choose a template.',
  reasonLoading: 'Waiting for the contact’s state…',
  sending: 'Sending…',

  composerLabel: 'Message',
  composerHint: '{keys} to send',
  composerCount: '{count}/{max}',
  composerSend: 'Send',
  composerPreview: 'Preview',
  reasonEmpty: 'Type a message.',
  reasonTooLong: 'Too long: WhatsApp messages are at most {max} characters.',
  composerClosed: 'The 24-hour reply window is closed, so WhatsApp only allows approved templates until the contact writes again.',
  composerOptedOut: 'The contact opted out: free text and templates are blocked until they opt in again.',
  useTemplate: 'Choose a template',

  conversationLabel: 'Conversation',
  conversationEmpty: 'No messages yet. Start the conversation with an approved template.',
  inbound: 'From the contact',
  outbound: 'Sent by {rep}',
  outboundNoRep: 'Sent',
  templateMessage: 'Template {name}',
  tickPending: 'Sending',
  tickSent: 'Sent',
  tickDelivered: 'Delivered',
  tickRead: 'Read',
  tickFailed: 'Failed',
  tickReceived: 'Received',
  statusTime: '{status} {time}',
  details: 'Details',
  detailsLabel: 'Delivery details',
  statusQueued: 'Queued',
  statusUndelivered: 'Undelivered',
  statusAt: '{status}: {time}',

  badgeOptedIn: '✓ opted in',
  badgeOptedOut: '⊘ opted out',
  badgeUnknown: 'opt-in unknown',
  badgePending: '🕓 sending',
  badgeSent: '✓ sent',
  badgeDelivered: '✓✓ delivered',
  badgeRead: '✓✓ read',
  badgeFailed: '⚠ failed',
  badgeReplied: '↩ replied',
  failedUnknown: 'WhatsApp didn’t deliver this message.',
  bodyPurged: 'Text removed by the retention policy.',
  retry: 'Retry',
  retryLabel: 'Send this message again',
  retrying: 'Retrying…',
  retried: 'Sent again',

  simulated: 'Simulator: messages are simulated and never reach WhatsApp.',
  sandbox: 'Twilio Sandbox: the contact must first send “{hint}” to {number}.',
  sandboxLink: 'Open a WhatsApp chat to join',
  offline: 'Offline: live updates are paused. Retrying…',
  reconnecting: 'Reconnecting to live updates…',
  dismiss: 'Dismiss',
  openOptions: 'Open options',
  relaySaid: 'Relay: {message}',

  errCONSENT_REQUIRED: 'This contact hasn’t opted in to WhatsApp messages. Record their opt-in, with evidence, before sending a template.',
  errCONSENT_OPTED_OUT: 'This contact opted out of WhatsApp messages. Nothing can be sent until they opt in again (for example by replying START).',
  errSESSION_CLOSED: 'The 24-hour reply window is closed. Free text is only allowed within 24 hours of the contact’s last message: send an approved template instead.',
  errTEMPLATE_NOT_APPROVED: 'This template isn’t approved by WhatsApp. Refresh the list and pick an approved one.',
  errTWILIO_REJECTED: 'Twilio refused the message.',
  errTWILIO_UNAVAILABLE: 'Twilio can’t be reached right now. Try again in a minute.',
  errDATABASE_UNAVAILABLE: 'The relay’s database is busy or unreachable for a moment. Try again in a few seconds.',
  errUNCONFIRMED: 'Twilio didn’t confirm this message in time. It may still arrive: it stays pending and updates by itself. Don’t send it again yet.',
  errRATE_LIMITED: 'Too many messages at once. Wait a moment and try again.',
  errUNAUTHORIZED: 'The relay didn’t accept your access token. Check it in the extension options.',
  errFORBIDDEN: 'Your access token isn’t allowed to do this.',
  errNOT_FOUND: 'The relay couldn’t find what was asked for.',
  errVALIDATION_FAILED: 'The relay refused the request because something in it isn’t valid.',
  errIDEMPOTENCY_CONFLICT: 'A send with the same key but different content was already made. Try again.',
  errNOT_CONFIGURED: 'The extension isn’t set up yet: enter the Relay URL and Access token in the options.',
  errOFFLINE: 'Can’t reach the relay. Check your connection; the panel keeps trying.',
  errBAD_RESPONSE: 'The relay gave an answer the extension doesn’t understand.',
  errGeneric: 'Something went wrong.',
} as const;

export type StringKey = keyof typeof EN;

export const LOCALE: Locale = pickLocale();
let active: Partial<Dict<StringKey>> = {};

/** Installs the rep's language (from the background); keys it lacks fall back to English. */
export function setPanelStrings(dict: Partial<Record<string, string>>): void {
  active = dict as Partial<Dict<StringKey>>;
}

/**
 * A name from outside (a rep's, chosen at pairing) placed into a sentence between first-strong
 * isolates, as <bdi> would: a right-to-left override inside it can't flip the text after it.
 */
export function isolate(name: string): string {
  return `\u2068${name}\u2069`;
}

export function t(key: StringKey, params?: Record<string, string | number>): string {
  const text = active[key] ?? EN[key] ?? key;
  return params ? text.replace(/\{(\w+)\}/g, (m, p: string) => (p in params ? String(params[p]) : m)) : text;
}

/** The plain-words explanation for a relay/background error code, or null when the code has none. */
export function errorKey(code: string): StringKey | null {
  const key = `err${code}`;
  return key in EN ? (key as StringKey) : null;
}
