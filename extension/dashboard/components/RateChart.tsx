/**
 * Delivery and read rates per day as a hand-rolled SVG line chart over every day of the range (days without messages
 * leave gaps in the x axis, not zeros). role="img" with a title and a description; the table under it says the same.
 */
import { formatRate, type ReportRow } from '../../../shared/reports.ts';
import { daysBetween } from '../format.ts';
import { t } from '../t.ts';
import { ReportTable } from './ReportTable.tsx';

const W = 640;
const H = 220;
const PAD = { left: 44, right: 12, top: 12, bottom: 30 };
const SERIES = [
  { key: 'delivery', rate: (r: ReportRow) => r.deliveryRate, label: () => t('deliveryRate') },
  { key: 'read', rate: (r: ReportRow) => r.readRate, label: () => t('readRate') },
] as const;

export function RateChart({ rows, from, to }: { rows: readonly ReportRow[]; from: string; to: string }) {
  const days = daysBetween(from, to);
  const sorted = rows.filter((r) => r.sent > 0).sort((a, b) => a.key.localeCompare(b.key));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const index = (key: string) => Math.max(0, days.indexOf(key));
  const x = (key: string) => PAD.left + (days.length > 1 ? (index(key) / (days.length - 1)) * plotW : plotW / 2);
  const y = (rate: number) => PAD.top + (1 - Math.min(1, Math.max(0, rate))) * plotH;
  const ticks = [0, 0.5, 1];
  const labelled = days.length > 0 ? [...new Set([days[0]!, days[Math.floor((days.length - 1) / 2)]!, days[days.length - 1]!])] : [];

  return (
    <section aria-labelledby="sec-per-day">
      <h2 id="sec-per-day">{t('perDay')}</h2>
      <ul class="legend" aria-label={t('legend')}>
        {SERIES.map((s) => (
          <li key={s.key}>
            <span class={`swatch swatch-${s.key}`} aria-hidden="true" />
            {s.label()}
          </li>
        ))}
      </ul>
      <svg class="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby="per-day-title per-day-desc" data-testid="rate-chart">
        <title id="per-day-title">{t('perDay')}</title>
        <desc id="per-day-desc">{t('perDayDesc', { days: sorted.length, from, to })}</desc>
        {ticks.map((tick) => (
          <g key={tick} class="grid">
            <line x1={PAD.left} x2={W - PAD.right} y1={y(tick)} y2={y(tick)} />
            <text x={PAD.left - 6} y={y(tick) + 4} text-anchor="end">
              {formatRate(tick).replace('.0%', '%')}
            </text>
          </g>
        ))}
        {labelled.map((day, i) => (
          <text key={day} class="axis" x={x(day)} y={H - 8} text-anchor={labelled.length === 1 ? 'middle' : i === 0 ? 'start' : i === labelled.length - 1 ? 'end' : 'middle'}>
            {day.slice(5)}
          </text>
        ))}
        {SERIES.map((s) => (
          <g key={s.key} class={`series series-${s.key}`}>
            {sorted.length > 1 ? <polyline fill="none" points={sorted.map((r) => `${x(r.key).toFixed(1)},${y(s.rate(r)).toFixed(1)}`).join(' ')} /> : null}
            {sorted.map((r) => (
              <circle key={r.key} class={`pt pt-${s.key}`} cx={x(r.key).toFixed(1)} cy={y(s.rate(r)).toFixed(1)} r={3.5}>
                <title>{t('pointTitle', { day: r.key, series: s.label(), rate: formatRate(s.rate(r)), count: r.sent })}</title>
              </circle>
            ))}
          </g>
        ))}
      </svg>
      <ReportTable rows={sorted} caption={t('perDay')} keyHeader={t('day')} label={(k) => k} testId="table-day" />
    </section>
  );
}
