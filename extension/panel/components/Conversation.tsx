/**
 * The history, oldest first: bubbles with time, the sending rep and ticks that only move forward
 * (the state merges statuses through advanceStatus). A failure shows why and offers a real Retry.
 * Every outbound bubble has a "Details" disclosure: who sent it and when each status arrived.
 */
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
// Type-only: a value import from api.ts would pull zod into the content script.
import type { Message, MessageStatus, Template } from '../../../shared/api.ts';
import { STATUS_RANK, tickFor, type Tick } from '../../../shared/message-status.ts';
import { renderTemplate } from '../../../shared/templates.ts';
import { formatTime, formatTimeLong } from '../format-time.ts';
import type { PanelState } from '../state.ts';
import { isolate, t, type StringKey } from '../strings.ts';
import { Formatted } from './Formatted.tsx';

const TICK: Record<Tick, { glyph: string; key: StringKey }> = {
  pending: { glyph: '🕓', key: 'tickPending' },
  sent: { glyph: '✓', key: 'tickSent' },
  delivered: { glyph: '✓✓', key: 'tickDelivered' },
  read: { glyph: '✓✓', key: 'tickRead' },
  failed: { glyph: '⚠', key: 'tickFailed' },
  received: { glyph: '', key: 'tickReceived' },
};

function messageText(m: Message, templates: readonly Template[]): string {
  if (m.body) return m.body;
  if (m.contentSid) {
    const tpl = templates.find((x) => x.sid === m.contentSid);
    return tpl ? renderTemplate(tpl.body, m.variables ?? {}) : t('templateMessage', { name: m.contentSid });
  }
  return '';
}

const QUEUED: ReadonlySet<string> = new Set(['queued', 'accepted', 'scheduled']);

/** The statusTimes entries in the order they happened, each with its word ("Queued", "Delivered", …). */
function statusSteps(m: Message): { status: string; label: string; at: string }[] {
  return Object.entries(m.statusTimes)
    .sort(([, a], [, b]) => a.localeCompare(b))
    .map(([status, at]) => {
      const known = Object.hasOwn(STATUS_RANK, status);
      const key: StringKey | null = !known
        ? null
        : status === 'undelivered'
          ? 'statusUndelivered'
          : QUEUED.has(status)
            ? 'statusQueued'
            : TICK[tickFor(status as MessageStatus)].key;
      return { status, label: key ? t(key) : status, at };
    });
}

function statusTitle(m: Message, now: Date): string {
  return statusSteps(m)
    .map((s) => t('statusTime', { status: s.label, time: formatTime(s.at, now) }))
    .join(' · ');
}

/** An accessible disclosure: the button says "Details" and announces aria-expanded; the list is plain text. */
function Details({ m }: { m: Message }) {
  const [open, setOpen] = useState(false);
  const id = `wa-details-${m.id}`;
  return (
    <div class="details">
      <button type="button" class="link small" aria-expanded={open} aria-controls={id} onClick={() => setOpen(!open)} data-testid="wa-details">
        {t('details')}
      </button>
      <ul id={id} class="steps small" hidden={!open} aria-label={t('detailsLabel')} data-testid="wa-details-list">
        {open ? (
          <>
            <li>{m.sentBy ? t('outbound', { rep: isolate(m.sentBy) }) : t('outboundNoRep')}</li>
            {statusSteps(m).map((s) => (
              <li key={s.status} data-status={s.status}>
                {t('statusAt', { status: s.label, time: formatTimeLong(s.at) })}
              </li>
            ))}
          </>
        ) : null}
      </ul>
    </div>
  );
}

function Bubble({ m, state }: { m: Message; state: PanelState }) {
  const now = state.clock.peek();
  const tick = tickFor(m.status);
  const outbound = m.direction === 'outbound';
  const retryKey = `retry:${m.id}`;
  const retrying = state.pending.value.some((p) => p.key === retryKey);
  const retried = state.retried.value.has(m.id);
  const info = TICK[tick];
  const explanation = tick === 'failed'
    ? m.errorMessage || t('failedUnknown')
    : null;

  return (
    <li class={`msg ${outbound ? 'out' : 'in'} ${tick}`} data-testid="wa-message" data-sid={m.sid ?? ''} data-status={m.status}>
      <div class="body">
        {/* Retention blanked the text (and a template's variables); say so rather than show an empty bubble. */}
        {m.bodyPurgedAt ? <em class="muted">{t('bodyPurged')}</em> : <Formatted text={messageText(m, state.templates.value)} />}
      </div>
      <div class="meta" title={statusTitle(m, now) || undefined}>
        <span class="sr-only">{outbound ? (m.sentBy ? t('outbound', { rep: m.sentBy }) : t('outboundNoRep')) : t('inbound')} </span>
        {outbound && m.sentBy ? <span class="rep" aria-hidden="true"><bdi>{m.sentBy}</bdi> · </span> : null}
        <time dateTime={m.createdAt}>{formatTime(m.createdAt, now)}</time>
        {outbound ? (
          <span class={`tick tick-${tick}`} role="img" aria-label={t(info.key)} data-tick={tick}>
            {info.glyph}
          </span>
        ) : null}
      </div>
      {outbound ? <Details m={m} /> : null}
      {explanation ? (
        <div class="failure" data-testid="wa-message-error">
          <p class="small">{m.errorCode ? `${explanation} (${m.errorCode})` : explanation}</p>
          {outbound ? (
            retried ? (
              <span class="muted small">{t('retried')}</span>
            ) : (
              <button type="button" class="btn small-btn" title={t('retryLabel')} disabled={retrying} onClick={() => void state.actions.retry(m)} data-testid="wa-retry">
                {retrying ? t('retrying') : t('retry')}
              </button>
            )
          ) : null}
        </div>
      ) : null}
    </li>
  );
}

export function Conversation({ state }: { state: PanelState }) {
  const messages = state.contact.value?.messages ?? [];
  const list = useRef<HTMLDivElement>(null);
  const count = messages.length;

  // Keep the newest message in view as replies and sends arrive.
  useLayoutEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [count]);

  if (count === 0) return <p class="empty muted small">{t('conversationEmpty')}</p>;
  return (
    // Focusable so keyboard users can scroll the history; role=log announces new messages politely.
    <div class="conv" ref={list} role="log" aria-live="polite" aria-label={t('conversationLabel')} tabIndex={0}>
      <ol>
        {messages.map((m) => (
          <Bubble key={m.id} m={m} state={state} />
        ))}
      </ol>
    </div>
  );
}
