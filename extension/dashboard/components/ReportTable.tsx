/** Every figure of a report's rows as a table: the text alternative under each chart. */
import { formatRate, type ReportRow } from '../../../shared/reports.ts';
import { formatDuration } from '../format.ts';
import { formatCount, t } from '../t.ts';

export function ReportTable({ rows, caption, keyHeader, label, testId }: { rows: readonly ReportRow[]; caption: string; keyHeader: string; label: (key: string) => string; testId: string }) {
  return (
    <div class="table-wrap">
      <table data-testid={testId}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{keyHeader}</th>
            <th scope="col">{t('sent')}</th>
            <th scope="col">{t('delivered')}</th>
            <th scope="col">{t('read')}</th>
            <th scope="col">{t('failed')}</th>
            <th scope="col">{t('deliveryRate')}</th>
            <th scope="col">{t('readRate')}</th>
            <th scope="col">{t('medianToDelivered')}</th>
            <th scope="col">{t('medianToRead')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key}>
              <th scope="row">{label(r.key)}</th>
              <td>{formatCount(r.sent)}</td>
              <td>{formatCount(r.delivered)}</td>
              <td>{formatCount(r.read)}</td>
              <td>{formatCount(r.failed)}</td>
              <td>{formatRate(r.deliveryRate)}</td>
              <td>{formatRate(r.readRate)}</td>
              <td>{formatDuration(r.medianToDeliveredMs, t)}</td>
              <td>{formatDuration(r.medianToReadMs, t)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
