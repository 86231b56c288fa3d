/**
 * "Pair with a code": a rep with no token yet types the pairing code their manager made (and their
 * name); with the Relay URL of the Connection section above, the background trades them for a token
 * of their own (POST /v1/pair) and saves it. The token never comes back to this page's view: the
 * page learns who it now is, and the caller runs Test connection.
 *
 * Inside the options page's one <form> (forms cannot nest), so Enter in these fields pairs instead of
 * submitting the form's Save.
 */
import { useSignal } from '@preact/signals';
import { normalizePairingCode, PAIRING_CODE_LENGTH } from '../../shared/pairing.ts';
import type { PairedIdentity, RelayFailure, Result } from '../messages.ts';
import type { OptionsKey } from './strings.ts';
import { normalizeRelayUrl } from './urls.ts';

type T = (key: OptionsKey, params?: Record<string, string | number>) => string;
type Status = { kind: 'idle' } | { kind: 'busy' | 'ok' | 'error'; text: string };

export interface PairingSectionProps {
  t: T;
  /** The Relay URL field's current text (it lives in the Connection section), read when Pair is pressed. */
  relayUrl: () => string;
  /** Marks the Relay URL field invalid and focuses it. */
  onBadRelayUrl: () => void;
  /** Asks the background to pair ('pair' request). */
  pair: (request: { relayUrl: string; code: string; name: string }) => Promise<Result<PairedIdentity>>;
  /** After the token is saved: refresh the connection fields and test the connection. */
  onPaired: (identity: PairedIdentity) => Promise<void> | void;
}

/** A pairing failure in the rep's words: which of wrong/used/expired is deliberately not known. */
export function describePairFailure(error: RelayFailure, t: T): string {
  switch (error.code) {
    case 'UNAUTHORIZED':
      return t('errPairCode');
    case 'RATE_LIMITED':
      return t('errPairRateLimited');
    case 'OFFLINE':
      return t('errOffline');
    case 'NOT_CONFIGURED':
      return t('relayUrlInvalid');
    case 'BAD_RESPONSE':
      return t('errBadResponse');
    default:
      return t('errOther', { message: error.message });
  }
}

export function PairingSection(props: PairingSectionProps) {
  const { t } = props;
  // Signals, not useState: a handler reads the latest values even before the page re-renders.
  const code = useSignal('');
  const name = useSignal('');
  const errors = useSignal<{ code?: string; name?: string }>({});
  const status = useSignal<Status>({ kind: 'idle' });
  const setErrors = (v: { code?: string; name?: string }) => (errors.value = v);
  const setStatus = (v: Status) => (status.value = v);

  async function submit(): Promise<void> {
    if (status.value.kind === 'busy') return;
    const relayUrl = normalizeRelayUrl(props.relayUrl());
    const canonical = normalizePairingCode(code.value);
    const trimmed = name.value.trim();
    const next: { code?: string; name?: string } = {};
    if (canonical === null) next.code = t('pairCodeInvalid');
    if (trimmed === '' || trimmed.length > 100) next.name = t('pairNameInvalid');
    setErrors(next);
    if (relayUrl === null) {
      props.onBadRelayUrl();
      setStatus({ kind: 'error', text: t('relayUrlInvalid') });
      return;
    }
    if (next.code || next.name) {
      setStatus({ kind: 'error', text: t('fixErrors') });
      document.getElementById(next.code ? 'pairing-code' : 'pair-name')?.focus();
      return;
    }
    setStatus({ kind: 'busy', text: t('pairing') });
    const result = await props.pair({ relayUrl, code: code.value.trim(), name: trimmed });
    if (!result.ok) {
      setStatus({ kind: 'error', text: describePairFailure(result.error, t) });
      return;
    }
    // A spent code is of no more use: clear it so nobody tries it again.
    code.value = '';
    setStatus({ kind: 'ok', text: t('paired', { name: result.data.name, role: result.data.role }) });
    await props.onPaired(result.data);
  }

  const onEnter = (e: KeyboardEvent) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    void submit();
  };

  const busy = status.value.kind === 'busy';
  const fieldErrors = errors.value;
  return (
    <section aria-labelledby="sec-pair" data-testid="pairing">
      <h2 id="sec-pair">{t('sectionPair')}</h2>
      <p class="help">{t('pairHelp')}</p>
      <div class="field">
        <label for="pairing-code">{t('pairCode')}</label>
        <input
          id="pairing-code"
          name="pairingCode"
          type="text"
          value={code.value}
          placeholder="ABCDE-23456"
          autocomplete="one-time-code"
          autocapitalize="characters"
          spellcheck={false}
          maxLength={PAIRING_CODE_LENGTH + 10}
          aria-invalid={fieldErrors.code ? 'true' : undefined}
          aria-describedby={`pairing-code-help${fieldErrors.code ? ' pairing-code-error' : ''}`}
          onInput={(e) => (code.value = (e.currentTarget as HTMLInputElement).value)}
          onKeyDown={onEnter}
        />
        <p id="pairing-code-help" class="help">
          {t('pairCodeHelp')}
        </p>
        {fieldErrors.code && (
          <p id="pairing-code-error" class="field-error">
            {fieldErrors.code}
          </p>
        )}
      </div>
      <div class="field">
        <label for="pair-name">{t('pairName')}</label>
        <input
          id="pair-name"
          name="pairName"
          type="text"
          value={name.value}
          autocomplete="name"
          maxLength={100}
          aria-invalid={fieldErrors.name ? 'true' : undefined}
          aria-describedby={`pair-name-help${fieldErrors.name ? ' pair-name-error' : ''}`}
          onInput={(e) => (name.value = (e.currentTarget as HTMLInputElement).value)}
          onKeyDown={onEnter}
        />
        <p id="pair-name-help" class="help">
          {t('pairNameHelp')}
        </p>
        {fieldErrors.name && (
          <p id="pair-name-error" class="field-error">
            {fieldErrors.name}
          </p>
        )}
      </div>
      <div class="row">
        <button type="button" class="secondary" disabled={busy} onClick={() => void submit()}>
          {t('pair')}
        </button>
      </div>
      <p id="pair-status" class={`status status-${status.value.kind}`} role="status" aria-live="polite" aria-atomic="true">
        {status.value.kind === 'idle' ? '' : status.value.text}
      </p>
    </section>
  );
}
