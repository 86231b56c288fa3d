/** The headline figures of the range: counts, rates and median times, as a description list. */
import { formatRate, type ReportRow } from '../../../shared/reports.ts';
import { formatDuration } from '../format.ts';
import type { DashboardKey } from '../strings.ts';
import { formatCount, t } from '../t.ts';

export function Figures({ totals }: { totals: ReportRow }) {
  const items: [DashboardKey, string][] = [
    ['sent', formatCount(totals.sent)],
    ['delivered', formatCount(totals.delivered)],
    ['read', formatCount(totals.read)],
    ['failed', formatCount(totals.failed)],
    ['deliveryRate', formatRate(totals.deliveryRate)],
    ['readRate', formatRate(totals.readRate)],
    ['medianToDelivered', formatDuration(totals.medianToDeliveredMs, t)],
    ['medianToRead', formatDuration(totals.medianToReadMs, t)],
  ];
  return (
    <section aria-labelledby="sec-summary">
      <h2 id="sec-summary">{t('summary')}</h2>
      <dl class="figures" data-testid="figures">
        {items.map(([key, value]) => (
          <div key={key} class={`figure figure-${key}`} data-figure={key}>
            <dt>{t(key)}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
