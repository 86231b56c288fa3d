/**
 * GET /v1/reports/delivery — managers: delivery and read figures of outbound messages per rep,
 * template or day (definitions: shared/reports.ts ReportRow), as JSON or, with `Accept: text/csv`,
 * as a spreadsheet download.
 */
import { Hono } from 'hono';
import { ReportQuery, type DeliveryReport, type ReportRow } from '../../shared/reports.ts';
import { csvLine, csvResponse, wantsCsv } from '../csv.ts';
import type { Deps } from '../deps.ts';
import { requireRole, type AppEnv } from '../middleware/api-auth.ts';
import { parseWith } from './parse-body.ts';
import { queryRange } from './query-range.ts';

export const DELIVERY_CSV_HEADER = ['key', 'sent', 'delivered', 'read', 'failed', 'deliveryRate', 'readRate', 'medianToDeliveredMs', 'medianToReadMs', 'failures'] as const;

/** Rates to 4 decimals (0.9667), medians to whole milliseconds, failures as `63016:3;21211:1` (`none` = no code). */
function deliveryCsvLine(row: ReportRow): string {
  const round = (n: number | null, places: number) => (n === null ? null : Math.round(n * 10 ** places) / 10 ** places);
  return csvLine([
    row.key,
    row.sent,
    row.delivered,
    row.read,
    row.failed,
    round(row.deliveryRate, 4),
    round(row.readRate, 4),
    round(row.medianToDeliveredMs, 0),
    round(row.medianToReadMs, 0),
    row.failuresByCode.map((f) => `${f.code ?? 'none'}:${f.count}`).join(';'),
  ]);
}

/** The groups, then one last row keyed `TOTAL` with the totals. */
export function deliveryCsv(report: DeliveryReport): string {
  return csvLine(DELIVERY_CSV_HEADER) + report.rows.map(deliveryCsvLine).join('') + deliveryCsvLine({ ...report.totals, key: 'TOTAL' });
}

export function reportRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('*', requireRole('manager'));

  app.get('/delivery', async (c) => {
    const q = parseWith(ReportQuery, c.req.query());
    const { from, to } = queryRange(q);
    const { rows, totals } = await deps.store.deliveryReport({ from: from!, to: to!, groupBy: q.groupBy, rep: q.rep });
    const report: DeliveryReport = { from: q.from, to: q.to, groupBy: q.groupBy, rows, totals };
    if (wantsCsv(c)) return csvResponse(c, `delivery-${q.from}-${q.to}.csv`, deliveryCsv(report));
    return c.json(report);
  });

  return app;
}
