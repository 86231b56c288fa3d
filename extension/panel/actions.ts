/**
 * Everything the panel does: each action talks to the background through the Bridge and writes
 * the result into the signals. The relay is the guard (consent, window, approval); these actions
 * only avoid asking for what it would refuse and keep the screen honest.
 */
import { batch } from '@preact/signals';
import type { ContactState, Message, SendInput, Template } from '../../shared/api.ts';
import type { RelayFailure, WatchServerMessage } from '../messages.ts';
import { applyLiveEvent, mergeFetched, upsertMessage } from './apply-live-event.ts';
import { newIdempotencyKey } from './idempotency-key.ts';
import type { PanelData, PanelDeps, PendingSend } from './state.ts';

export interface PanelActions {
  /** Starts the clock, loads templates and watches `phone`; everything stops when `signal` aborts. */
  start(signal: AbortSignal, phone: string | null): void;
  /** GET the contact state: the truth that live events only patch. */
  load(): Promise<void>;
  loadTemplates(refresh?: boolean): Promise<void>;
  switchPhone(phone: string): void;
  recordConsent(state: 'opted_in' | 'opted_out', evidence: string): Promise<boolean>;
  sendTemplate(template: Template, variables: Record<string, string>): Promise<boolean>;
  sendText(body: string): Promise<boolean>;
  /** Resends a failed message with the key `retry:<id>`, so a double click (or a second tab) sends once. */
  retry(message: Message): Promise<boolean>;
  dismissError(id: number): void;
  openOptions(): Promise<void>;
}

/** Errors after which we cannot know whether the relay got the send: the next try must reuse the key. */
const UNCERTAIN = new Set(['OFFLINE', 'BAD_RESPONSE', 'INTERNAL', 'TIMEOUT']);
/** Errors a successful request proves are over. */
const CONNECTION_ERRORS = new Set(['OFFLINE', 'BAD_RESPONSE', 'NOT_CONFIGURED', 'UNAUTHORIZED', 'INTERNAL']);
const MAX_ERRORS = 3;

export function createPanelActions(data: PanelData, deps: PanelDeps): PanelActions {
  const { bridge, now, pinpointId } = deps;
  let panelSignal: AbortSignal | null = null;
  let watchController: AbortController | null = null;
  let loadSeq = 0;
  let errorSeq = 0;
  /** fingerprint → key of an attempt whose outcome is unknown (kept per attempt, see UNCERTAIN). */
  const uncertainKeys = new Map<string, string>();
  const withPinpoint = pinpointId ? { pinpointId } : {};

  function pushError(error: RelayFailure): void {
    const list = data.errors.value;
    if (list.some((e) => e.code === error.code && e.message === error.message)) return;
    data.errors.value = [...list, { ...error, id: ++errorSeq }].slice(-MAX_ERRORS);
  }

  function clearConnectionErrors(): void {
    if (data.errors.value.some((e) => CONNECTION_ERRORS.has(e.code))) {
      data.errors.value = data.errors.value.filter((e) => !CONNECTION_ERRORS.has(e.code));
    }
  }

  function setContact(next: ContactState): void {
    data.contact.value = next;
  }

  function markSeen(phone: string): void {
    // Fire and forget: "seen" only clears the background's unread badge; a failure costs nothing.
    void bridge.request({ type: 'replies.seen', phone });
  }

  async function load(): Promise<void> {
    const phone = data.selectedPhone.value;
    if (!phone) return;
    const seq = ++loadSeq;
    const since = now().toISOString();
    data.loading.value = true;
    const res = await bridge.request({ type: 'contact.get', phone, ...withPinpoint });
    // A newer load or a phone switch happened meanwhile: this answer is stale.
    if (seq !== loadSeq || phone !== data.selectedPhone.value) return;
    batch(() => {
      data.loading.value = false;
      if (res.ok) {
        clearConnectionErrors();
        data.clock.value = now();
        setContact(mergeFetched(data.contact.value, res.data, since));
      } else {
        pushError(res.error);
      }
    });
    if (res.ok && res.data.messages.some((m) => m.direction === 'inbound')) markSeen(phone);
  }

  function onWatch(phone: string, m: WatchServerMessage): void {
    if (phone !== data.selectedPhone.value) return;
    if (m.type === 'stream') {
      const previous = data.stream.value;
      data.stream.value = m.state;
      if (m.state === 'open') {
        data.streamWasOpen.value = true;
        // Events may have been missed while (re)connecting: the GET is the truth.
        if (previous !== 'open') void load();
      }
      return;
    }
    const contact = data.contact.value;
    // Before the first GET lands there is nothing to patch; that GET already includes this event.
    if (!contact) return;
    const at = now();
    batch(() => {
      data.clock.value = at;
      setContact(applyLiveEvent(contact, m.event, at));
    });
    if (m.event.type === 'message.inbound') markSeen(phone);
    if (m.event.type === 'contact.deleted') void load();
  }

  function switchPhone(phone: string): void {
    if (phone === data.selectedPhone.value && watchController) return;
    watchController?.abort();
    const controller = new AbortController();
    watchController = controller;
    batch(() => {
      data.selectedPhone.value = phone;
      data.contact.value = null;
      data.stream.value = 'connecting';
      data.streamWasOpen.value = false;
    });
    void load();
    if (panelSignal) bridge.watch(phone, (m) => onWatch(phone, m), controller.signal);
  }

  async function send(kind: PendingSend['kind'], input: SendInput, fingerprint: string, fixedKey?: string): Promise<boolean> {
    // The same thing already in flight: a double click. The relay would dedupe too; we don't even ask.
    if (data.pending.value.some((p) => p.fingerprint === fingerprint)) return false;
    const key = fixedKey ?? uncertainKeys.get(fingerprint) ?? newIdempotencyKey();
    const entry: PendingSend = { key, kind, fingerprint };
    data.pending.value = [...data.pending.value, entry];
    const res = await bridge.request({ type: 'message.send', input, idempotencyKey: key });
    batch(() => {
      data.pending.value = data.pending.value.filter((p) => p !== entry);
      if (res.ok) {
        uncertainKeys.delete(fingerprint);
        // 202: the relay kept it as pending because Twilio's answer was lost; say so, so nobody resends it.
        if (res.data.notice) pushError({ code: 'UNCONFIRMED', message: res.data.notice });
        const contact = data.contact.value;
        if (contact && contact.phone === res.data.phone) setContact({ ...contact, messages: upsertMessage(contact.messages, res.data) });
      } else {
        if (UNCERTAIN.has(res.error.code)) uncertainKeys.set(fingerprint, key);
        else uncertainKeys.delete(fingerprint);
        pushError(res.error);
      }
    });
    return res.ok;
  }

  async function loadTemplates(refresh = false): Promise<void> {
    data.templatesLoading.value = true;
    const res = await bridge.request(refresh ? { type: 'templates.list', refresh: true } : { type: 'templates.list' });
    batch(() => {
      data.templatesLoading.value = false;
      if (res.ok) {
        data.templates.value = res.data.templates;
        data.templatesFetchedAt.value = res.data.fetchedAt;
      } else {
        pushError(res.error);
      }
    });
  }

  return {
    start(signal, phone) {
      panelSignal = signal;
      data.clock.value = now();
      const tick = setInterval(() => {
        data.clock.value = now();
      }, 1000);
      signal.addEventListener('abort', () => {
        clearInterval(tick);
        watchController?.abort();
        watchController = null;
      }, { once: true });
      void loadTemplates();
      if (phone) switchPhone(phone);
    },

    load,

    loadTemplates,

    switchPhone,

    async recordConsent(state, evidence) {
      const phone = data.selectedPhone.value;
      if (!phone || data.consentSaving.value) return false;
      data.consentSaving.value = true;
      const res = await bridge.request({ type: 'consent.set', phone, input: { state, evidence: evidence.trim(), ...withPinpoint } });
      batch(() => {
        data.consentSaving.value = false;
        const contact = data.contact.value;
        if (res.ok && contact && contact.phone === phone) setContact({ ...contact, consent: res.data });
        if (!res.ok) pushError(res.error);
      });
      return res.ok;
    },

    sendTemplate(template, variables) {
      const to = data.selectedPhone.value;
      if (!to) return Promise.resolve(false);
      const input: SendInput = { to, contentSid: template.sid, variables, ...withPinpoint };
      return send('template', input, JSON.stringify(input));
    },

    sendText(body) {
      const to = data.selectedPhone.value;
      if (!to) return Promise.resolve(false);
      const input: SendInput = { to, body, ...withPinpoint };
      return send('text', input, JSON.stringify(input));
    },

    async retry(message) {
      if (data.retried.value.has(message.id)) return false;
      const key = `retry:${message.id}`;
      const input: SendInput = message.contentSid
        ? { to: message.phone, contentSid: message.contentSid, variables: message.variables ?? {}, ...withPinpoint }
        : { to: message.phone, body: message.body ?? '', ...withPinpoint };
      const ok = await send('retry', input, key, key);
      if (ok) data.retried.value = new Set([...data.retried.value, message.id]);
      return ok;
    },

    dismissError(id) {
      data.errors.value = data.errors.value.filter((e) => e.id !== id);
    },

    async openOptions() {
      const res = await bridge.request({ type: 'options.open' });
      if (!res.ok) pushError(res.error);
    },
  };
}
