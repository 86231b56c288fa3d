/**
 * The 24-hour window: a countdown derived from expiresAt and the panel clock (one interval owned by
 * the state, stopped on abort), so it ticks every second without asking the relay.
 */
import { formatCountdown, remainingMs } from '../../../shared/session-window.ts';
import type { PanelState } from '../state.ts';
import { t } from '../strings.ts';

export function SessionTimer({ state }: { state: PanelState }) {
  const session = state.session.value;
  const open = session?.state === 'open';
  const left = open ? formatCountdown(remainingMs(session.expiresAt, state.clock.value)) : '';

  return (
    <section class={`session ${open ? 'open' : 'closed'}`} data-testid="wa-session" data-state={open ? 'open' : 'closed'} aria-label={t('sessionLabel')}>
      {/* Only the open/closed change is announced; the per-second countdown would flood screen readers. */}
      <span aria-live="polite">{open ? t('sessionOpen') : t(session?.lastInboundAt ? 'sessionClosed' : 'sessionNever')}</span>
      {open ? (
        <span class="countdown" role="timer" data-testid="wa-countdown">
          {t('sessionLeft', { time: left })}
        </span>
      ) : (
        <span class="sr-only">{t('sessionClosedWhy')}</span>
      )}
    </section>
  );
}
