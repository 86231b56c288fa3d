/**
 * Banners about the panel's situation rather than one message: simulator and sandbox notices, the
 * live stream being offline, and relay errors explained in plain words (with the relay's own message).
 */
import type { PanelState, PanelError } from '../state.ts';
import { errorKey, t } from '../strings.ts';

/** The options page fixes these; offer a button instead of making the rep hunt for it. */
const NEEDS_OPTIONS = new Set(['NOT_CONFIGURED', 'UNAUTHORIZED']);

function ErrorBanner({ error, state }: { error: PanelError; state: PanelState }) {
  const key = errorKey(error.code);
  const plain = key ? t(key) : t('errGeneric');
  const detail = error.message && error.message !== plain ? error.message : '';
  return (
    <div class="banner error" data-testid="wa-error" data-code={error.code}>
      <p>{plain}</p>
      {/* The relay's message already carries Twilio's explanation (shared/twilio-errors.ts, on the relay). */}
      {detail ? <p class="small muted">{t('relaySaid', { message: detail })}{error.twilioCode ? ` (${error.twilioCode})` : ''}</p> : null}
      <div class="row">
        {NEEDS_OPTIONS.has(error.code) ? (
          <button type="button" class="btn small-btn" data-testid="wa-open-options" onClick={() => void state.actions.openOptions()}>
            {t('openOptions')}
          </button>
        ) : null}
        <button type="button" class="btn ghost small-btn" onClick={() => state.actions.dismissError(error.id)}>
          {t('dismiss')}
        </button>
      </div>
    </div>
  );
}

export function Notices({ state }: { state: PanelState }) {
  const contact = state.contact.value;
  const stream = state.stream.value;
  const sandbox = contact?.sandbox ?? null;
  const sandboxDigits = sandbox ? sandbox.number.replace(/\D/g, '') : '';

  return (
    <div class="notices">
      {contact?.simulated ? <p class="banner info" data-testid="wa-simulated">{t('simulated')}</p> : null}
      {sandbox ? (
        <div class="banner info" data-testid="wa-sandbox">
          <p class="small">{t('sandbox', { hint: sandbox.joinHint, number: sandbox.number })}</p>
          <a href={`https://wa.me/${sandboxDigits}?text=${encodeURIComponent(sandbox.joinHint)}`} target="_blank" rel="noopener noreferrer">
            {t('sandboxLink')}
          </a>
        </div>
      ) : null}
      <div aria-live="polite">
        {stream === 'offline' ? (
          <p class="banner warn" data-testid="wa-stream" data-state="offline">{t('offline')}</p>
        ) : stream === 'connecting' && state.streamWasOpen.value ? (
          <p class="banner warn" data-testid="wa-stream" data-state="connecting">{t('reconnecting')}</p>
        ) : null}
      </div>
      <div role="alert">
        {state.errors.value.map((e) => (
          <ErrorBanner key={e.id} error={e} state={state} />
        ))}
      </div>
    </div>
  );
}
