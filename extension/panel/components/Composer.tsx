/**
 * Free text, only inside the 24-hour window and never to an opted-out contact. Outside the window
 * it says why and points to the templates (WhatsApp would refuse with 63016 anyway).
 */
import { useState } from 'preact/hooks';
import type { PanelState } from '../state.ts';
import { t } from '../strings.ts';
import { Formatted } from './Formatted.tsx';

export const MAX_TEXT_LENGTH = 1600;
const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

export function Composer({ state, onUseTemplate }: { state: PanelState; onUseTemplate: () => void }) {
  const [text, setText] = useState('');
  const block = state.composerBlock.value;

  if (block === 'no_contact') return null;
  if (block !== null) {
    return (
      <section class="composer-blocked" data-testid="wa-composer-blocked" data-reason={block} aria-live="polite">
        <p class="small">{t(block === 'opted_out' ? 'composerOptedOut' : 'composerClosed')}</p>
        {block === 'session_closed' ? (
          <button type="button" class="btn ghost small-btn" onClick={onUseTemplate}>
            {t('useTemplate')}
          </button>
        ) : null}
      </section>
    );
  }

  const sending = state.pending.value.some((p) => p.kind === 'text');
  const length = text.length;
  const reason = text.trim() === '' ? t('reasonEmpty')
    : length > MAX_TEXT_LENGTH ? t('reasonTooLong', { max: MAX_TEXT_LENGTH })
    : sending ? t('sending')
    : null;

  const send = async () => {
    if (reason !== null) return;
    if (await state.actions.sendText(text)) setText('');
  };

  return (
    <section class="composer" data-testid="wa-composer">
      <label class="field">
        <span>{t('composerLabel')}</span>
        <textarea
          rows={3}
          value={text}
          aria-describedby="wa-composer-hint wa-composer-count"
          onInput={(e) => setText(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              void send();
            }
          }}
        />
      </label>
      <div class="row between small">
        <span id="wa-composer-hint" class="muted">{t('composerHint', { keys: isMac ? '⌘+Enter' : 'Ctrl+Enter' })}</span>
        <span id="wa-composer-count" class={length > MAX_TEXT_LENGTH ? 'over' : 'muted'}>
          {t('composerCount', { count: length, max: MAX_TEXT_LENGTH })}
        </span>
      </div>
      {text.trim() !== '' ? (
        <div class="preview" aria-label={t('composerPreview')}>
          <Formatted text={text} />
        </div>
      ) : null}
      <div class="row">
        <button type="button" class="btn primary" disabled={reason !== null} aria-describedby={reason ? 'wa-composer-reason' : undefined} onClick={() => void send()}>
          {sending ? t('sending') : t('composerSend')}
        </button>
        {reason ? <span id="wa-composer-reason" class="reason">{reason}</span> : null}
      </div>
    </section>
  );
}
