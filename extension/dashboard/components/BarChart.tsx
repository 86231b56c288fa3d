/**
 * Sent / delivered / read per rep or per template as hand-rolled horizontal SVG bars (read ⊂ delivered ⊂ sent, so the
 * three are nested on one track), with a title per bar, a description, and the full table under it.
 */
import type { ReportRow } from '../../../shared/reports.ts';
import { formatCount, t } from '../t.ts';
import { ReportTable } from './ReportTable.tsx';

const W = 640;
const ROW_H = 30;
const LABEL_W = 170;
const PAD_RIGHT = 60;

export function BarChart({ id, title, what, keyHeader, rows, label }: { id: string; title: string; what: string; keyHeader: string; rows: readonly ReportRow[]; label: (key: string) => string }) {
  const sorted = [...rows].sort((a, b) => b.sent - a.sent || a.key.localeCompare(b.key));
  const max = Math.max(1, ...sorted.map((r) => r.sent));
  const trackW = W - LABEL_W - PAD_RIGHT;
  const width = (n: number) => (n / max) * trackW;
  const height = Math.max(1, sorted.length) * ROW_H + 8;
  return (
    <section aria-labelledby={`sec-${id}`}>
      <h2 id={`sec-${id}`}>{title}</h2>
      <ul class="legend" aria-label={t('legend')}>
        {(['sent', 'delivered', 'read'] as const).map((k) => (
          <li key={k}>
            <span class={`swatch swatch-bar-${k}`} aria-hidden="true" />
            {t(k)}
          </li>
        ))}
      </ul>
      <svg class="chart bars" viewBox={`0 0 ${W} ${height}`} role="img" aria-labelledby={`${id}-title ${id}-desc`} data-testid={`bars-${id}`}>
        <title id={`${id}-title`}>{title}</title>
        <desc id={`${id}-desc`}>{t('barsDesc', { what })}</desc>
        {sorted.map((r, i) => {
          const top = 4 + i * ROW_H;
          const name = label(r.key);
          return (
            <g key={r.key} class="bar" data-key={r.key}>
              <title>{t('barTitle', { name, sent: r.sent, delivered: r.delivered, read: r.read })}</title>
              <text x={LABEL_W - 8} y={top + 17} text-anchor="end" class="bar-label">
                {name.length > 24 ? `${name.slice(0, 23)}…` : name}
              </text>
              <rect class="bar-sent" x={LABEL_W} y={top + 4} width={width(r.sent)} height={ROW_H - 10} rx={3} />
              <rect class="bar-delivered" x={LABEL_W} y={top + 4} width={width(r.delivered)} height={ROW_H - 10} rx={3} />
              <rect class="bar-read" x={LABEL_W} y={top + 4} width={width(r.read)} height={ROW_H - 10} rx={3} />
              <text x={LABEL_W + width(r.sent) + 6} y={top + 17} class="bar-value">
                {formatCount(r.sent)}
              </text>
            </g>
          );
        })}
      </svg>
      <ReportTable rows={sorted} caption={title} keyHeader={keyHeader} label={label} testId={`table-${id}`} />
    </section>
  );
}
