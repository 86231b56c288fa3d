/**
 * The benchmark results as one picture (test/bench/results.svg, written by run.ts beside results.md):
 * a bar per figure with a goal, its length the measured value divided by the goal, so every goal sits
 * on one line at 1.0. Green met, red missed. Hand-written SVG: no charting dependency for one chart.
 */

export interface ChartBar {
  /** Short name of the figure. */
  label: string;
  value: number;
  goal: number;
  /** 'lower': the goal is a ceiling (met at or left of the line); 'higher': a floor (met at or right of it). */
  better: 'lower' | 'higher';
  /** The value and goal as words, e.g. "421 ms vs p50 ≤ 500 ms". */
  text: string;
}

const ROW = 24;
const LABEL_W = 430;
const PLOT_W = 380;
const TEXT_W = 330;
const TOP = 70;
/** Bars longer than this many goals are cut, with the cut marked. */
const MAX = 2;

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function isMet(b: ChartBar): boolean {
  return b.better === 'lower' ? b.value <= b.goal : b.value >= b.goal;
}

export function renderChart(bars: readonly ChartBar[], subtitle: string): string {
  const width = LABEL_W + PLOT_W + TEXT_W;
  const height = TOP + bars.length * ROW + 40;
  const x = (fraction: number) => LABEL_W + (Math.min(fraction, MAX) / MAX) * PLOT_W;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" font-size="12">`);
  out.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  out.push(`<text x="16" y="24" font-size="16" font-weight="600" fill="#111">npm run bench: each figure as a fraction of its goal</text>`);
  out.push(`<text x="16" y="44" fill="#555">${escape(subtitle)}</text>`);
  out.push(
    `<text x="16" y="${TOP - 8}" fill="#555">↓ ceiling: met when the bar ends at or before the line   ↑ floor: met when it reaches the line   ` +
      `<tspan fill="#2e7d32">■ met</tspan>  <tspan fill="#c62828">■ missed</tspan></text>`,
  );
  // Grid: 0, 0.5, 1 (the goal), 1.5, 2; the goal line itself is drawn last, over the bars.
  const bottom = TOP + bars.length * ROW;
  for (const f of [0, 0.5, 1, 1.5, 2]) {
    const gx = x(f);
    if (f !== 1) out.push(`<line x1="${gx}" y1="${TOP}" x2="${gx}" y2="${bottom}" stroke="#ddd"/>`);
    out.push(`<text x="${gx}" y="${bottom + 16}" text-anchor="middle" fill="${f === 1 ? '#111' : '#777'}">${f === 1 ? 'goal (1.0)' : f.toFixed(1)}</text>`);
  }
  bars.forEach((b, i) => {
    const y = TOP + i * ROW;
    const fraction = b.goal === 0 ? 0 : b.value / b.goal;
    const met = isMet(b);
    const colour = met ? '#2e7d32' : '#c62828';
    if (i % 2 === 1) out.push(`<rect x="0" y="${y}" width="${width}" height="${ROW}" fill="#f6f6f6"/>`);
    out.push(`<text x="${LABEL_W - 10}" y="${y + ROW / 2 + 4}" text-anchor="end" fill="#111">${escape(b.label)} ${b.better === 'lower' ? '↓' : '↑'}</text>`);
    const end = x(fraction);
    out.push(`<rect x="${LABEL_W}" y="${y + 5}" width="${Math.max(1, end - LABEL_W)}" height="${ROW - 10}" fill="${colour}" rx="2"><title>${escape(`${b.label}: ${b.text} (${fraction.toFixed(2)} of the goal, ${met ? 'met' : 'missed'})`)}</title></rect>`);
    if (fraction > MAX) out.push(`<text x="${end - 4}" y="${y + ROW / 2 + 4}" text-anchor="end" fill="#fff" font-weight="700">»</text>`);
    // Two decimals, or three when two would hide which side of the line the bar ends on.
    const shown = fraction.toFixed(2) === '1.00' && fraction !== 1 ? fraction.toFixed(3) : fraction.toFixed(2);
    const text = `${shown} · ${b.text}`;
    out.push(`<text x="${LABEL_W + PLOT_W + 10}" y="${y + ROW / 2 + 4}" fill="${met ? '#333' : '#c62828'}">${escape(text.length > 52 ? `${text.slice(0, 51)}…` : text)}</text>`);
  });
  out.push(`<line x1="${x(1)}" y1="${TOP}" x2="${x(1)}" y2="${bottom}" stroke="#111" stroke-width="1.5" stroke-dasharray="5 3"/>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}
