/** Date range and rep filter. Changing a field reloads the report; an inverted range is explained, not sent. */
import type { DashboardState } from '../state.ts';
import { t } from '../t.ts';

export function Filters({ state }: { state: DashboardState }) {
  const invalid = !state.rangeValid.value;
  const value = (e: Event) => (e.currentTarget as HTMLInputElement | HTMLSelectElement).value;
  return (
    <form class="filters" aria-label={t('filters')} onSubmit={(e) => (e.preventDefault(), void state.actions.load())}>
      <div class="field">
        <label for="range-from">{t('from')}</label>
        <input id="range-from" type="date" value={state.from.value} max={state.to.value} aria-invalid={invalid || undefined} aria-describedby={invalid ? 'range-error' : undefined} onChange={(e) => state.actions.setRange({ from: value(e) })} />
      </div>
      <div class="field">
        <label for="range-to">{t('to')}</label>
        <input id="range-to" type="date" value={state.to.value} min={state.from.value} aria-invalid={invalid || undefined} aria-describedby={invalid ? 'range-error' : undefined} onChange={(e) => state.actions.setRange({ to: value(e) })} />
      </div>
      <div class="field">
        <label for="rep-filter">{t('rep')}</label>
        <select id="rep-filter" value={state.rep.value} onChange={(e) => state.actions.setRep(value(e))}>
          <option value="">{t('allReps')}</option>
          {[...new Set([...state.reps.value, ...(state.rep.value ? [state.rep.value] : [])])].map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" class="secondary" disabled={invalid || state.loading.value}>
        {t('refresh')}
      </button>
      {invalid ? (
        <p id="range-error" class="field-error" role="alert">
          {t('rangeInvalid')}
        </p>
      ) : null}
    </form>
  );
}
