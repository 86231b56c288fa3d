/** The whole page, state by state: checking → refused | error | loading → empty | report. */
import type { RelayFailure } from '../../messages.ts';
import type { DashboardState } from '../state.ts';
import { t } from '../t.ts';
import { BarChart } from './BarChart.tsx';
import { Failures } from './Failures.tsx';
import { Figures } from './Figures.tsx';
import { Filters } from './Filters.tsx';
import { RateChart } from './RateChart.tsx';

export function describeError(error: RelayFailure): string {
  switch (error.code) {
    case 'OFFLINE':
      return t('errOffline');
    case 'NOT_CONFIGURED':
      return t('errNotConfigured');
    case 'UNAUTHORIZED':
      return t('errUnauthorized');
    case 'BAD_RESPONSE':
      return t('errBadResponse');
    default:
      return t('errOther', { message: error.message });
  }
}

function ErrorBox({ error, state, onOptions }: { error: RelayFailure; state: DashboardState; onOptions: () => void }) {
  const setup = error.code === 'NOT_CONFIGURED' || error.code === 'UNAUTHORIZED';
  return (
    <div class={`banner error ${error.code === 'OFFLINE' ? 'offline' : ''}`} role="alert" data-testid="dashboard-error" data-code={error.code}>
      <strong>{t('errorTitle')}</strong>
      <p>{describeError(error)}</p>
      <div class="row">
        <button type="button" class="secondary" onClick={() => void state.actions.retry()}>
          {t('retry')}
        </button>
        {setup ? (
          <button type="button" class="secondary" onClick={onOptions}>
            {t('openOptions')}
          </button>
        ) : null}
      </div>
    </div>
  );
}

function LiveStatus({ state }: { state: DashboardState }) {
  const s = state.stream.value;
  if (s === 'idle') return null;
  const key = s === 'open' ? 'liveOpen' : s === 'offline' ? 'liveOffline' : 'liveConnecting';
  return (
    <p class={`live live-${s}`} role="status" data-testid="live-status">
      <span class="dot" aria-hidden="true" />
      {t(key)}
    </p>
  );
}

export function DashboardView({ state, onOptions }: { state: DashboardState; onOptions: () => void }) {
  const access = state.access.value;
  const header = (
    <header>
      <h1>{t('heading')}</h1>
      <p class="intro">{t('intro')}</p>
    </header>
  );
  if (access.kind === 'checking') {
    return (
      <main class="page" aria-busy="true">
        {header}
        <p class="status" role="status">
          {t('checking')}
        </p>
      </main>
    );
  }
  if (access.kind === 'refused') {
    return (
      <main class="page">
        {header}
        <div class="banner warn" role="alert" data-testid="dashboard-refused">
          <strong>{t('refused')}</strong>
          <p>{t('refusedHelp')}</p>
        </div>
      </main>
    );
  }
  if (access.kind === 'error') {
    return (
      <main class="page">
        {header}
        <ErrorBox error={access.error} state={state} onOptions={onOptions} />
      </main>
    );
  }

  const reports = state.reports.value;
  const error = state.error.value;
  const loading = state.loading.value;
  const totals = reports?.day.totals;
  const templateLabel = (key: string) => (key === 'free-form' ? t('freeForm') : (state.templateNames.value[key] ?? key));
  return (
    <main class="page" aria-busy={loading}>
      {header}
      <div class="toolbar">
        <Filters state={state} />
        <LiveStatus state={state} />
      </div>
      <p class="status" role="status" aria-live="polite">
        {loading ? (reports ? t('refreshing') : t('loading')) : ''}
      </p>
      {error ? <ErrorBox error={error} state={state} onOptions={onOptions} /> : null}
      {reports && totals ? (
        totals.sent === 0 ? (
          <div class="empty" data-testid="dashboard-empty">
            <p class="empty-title">{t('empty')}</p>
            <p class="help">{t('emptyHelp')}</p>
          </div>
        ) : (
          <div class="report" data-testid="dashboard-report">
            <Figures totals={totals} />
            <RateChart rows={reports.day.rows} from={reports.day.from} to={reports.day.to} />
            <BarChart id="rep" title={t('perRep')} what={t('repWord')} keyHeader={t('rep')} rows={reports.rep.rows} label={(k) => k} />
            <BarChart id="template" title={t('perTemplate')} what={t('templateWord')} keyHeader={t('template')} rows={reports.template.rows} label={templateLabel} />
            <Failures failures={totals.failuresByCode} />
          </div>
        )
      ) : null}
    </main>
  );
}
