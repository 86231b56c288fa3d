/**
 * The relay's consent record (what sends obey) with its source, actor and time, the CRM's own
 * opt-in field when it disagrees, and a form to record an opt-in or opt-out with evidence.
 */
import { useState } from 'preact/hooks';
import type { ConsentSource, ConsentState } from '../../../shared/api.ts';
import type { PageContact } from '../../contact.ts';
import { crmOptInState } from '../crm-opt-in.ts';
import { formatTime } from '../format-time.ts';
import type { PanelState } from '../state.ts';
import { isolate, t, type StringKey } from '../strings.ts';

const STATE_KEY: Record<ConsentState, StringKey> = { unknown: 'consentUnknown', opted_in: 'consentOptedIn', opted_out: 'consentOptedOut' };
const SOURCE_KEY: Record<ConsentSource, StringKey> = {
  keyword: 'consentSourceKeyword',
  rep: 'consentSourceRep',
  import: 'consentSourceImport',
  twilio: 'consentSourceTwilio',
};
const MIN_EVIDENCE = 3;

export function ConsentBadge({ state, contact }: { state: PanelState; contact: PageContact }) {
  const [mode, setMode] = useState<'opted_in' | 'opted_out' | null>(null);
  const [evidence, setEvidence] = useState('');
  const consent = state.contact.value?.consent;
  const current = state.consentState.value;
  const saving = state.consentSaving.value;
  const crm = contact.optInField;
  const crmState = crm ? crmOptInState(crm.value) : 'unknown';
  const evidenceOk = evidence.trim().length >= MIN_EVIDENCE;

  const details = consent && consent.state !== 'unknown'
    ? t('consentDetails', {
        source: consent.source ? t(SOURCE_KEY[consent.source]) : '—',
        by: consent.by ? isolate(consent.by) : '—',
        at: formatTime(consent.at, state.clock.peek()),
      })
    : null;

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!mode || !evidenceOk || saving) return;
    if (await state.actions.recordConsent(mode, evidence)) {
      setMode(null);
      setEvidence('');
    }
  };

  return (
    <section class="consent" data-testid="wa-consent" data-state={current} aria-label={t('consentLabel')}>
      <div class="row" aria-live="polite">
        <span class={`pill pill-${current}`}>{t(STATE_KEY[current])}</span>
        {details ? <span class="muted small">{details}</span> : null}
      </div>
      {consent?.evidence ? <p class="muted small evidence">{t('consentEvidence', { evidence: consent.evidence })}</p> : null}
      {crm && crmState !== 'unknown' && crmState !== current ? (
        <p class="warn small">{t('consentCrmDisagrees', { label: crm.label, value: crm.value, state: t(STATE_KEY[current]) })}</p>
      ) : null}

      {mode === null ? (
        <div class="row">
          {current !== 'opted_in' ? (
            <button type="button" class="btn small-btn" disabled={!state.contact.value} onClick={() => setMode('opted_in')}>
              {t('recordOptIn')}
            </button>
          ) : null}
          {current !== 'opted_out' ? (
            <button type="button" class="btn small-btn ghost" disabled={!state.contact.value} onClick={() => setMode('opted_out')}>
              {t('recordOptOut')}
            </button>
          ) : null}
        </div>
      ) : (
        <form class="consent-form" onSubmit={submit} data-testid="wa-consent-form">
          <label class="field">
            <span>{t(mode === 'opted_in' ? 'evidenceOptIn' : 'evidenceOptOut')}</span>
            <textarea
              required
              rows={2}
              maxLength={1000}
              value={evidence}
              placeholder={t('evidencePlaceholder')}
              aria-describedby={evidenceOk ? undefined : 'wa-evidence-reason'}
              onInput={(e) => setEvidence(e.currentTarget.value)}
            />
          </label>
          {!evidenceOk ? <p id="wa-evidence-reason" class="reason">{t('evidenceRequired')}</p> : null}
          <div class="row">
            <button type="submit" class="btn" disabled={!evidenceOk || saving}>
              {saving ? t('saving') : t(mode === 'opted_in' ? 'recordOptIn' : 'recordOptOut')}
            </button>
            <button type="button" class="btn ghost" onClick={() => { setMode(null); setEvidence(''); }}>
              {t('cancel')}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
