/** Why messages failed: each error code with its count and the relay's plain-words explanation. */
import type { FailureCount } from '../../../shared/reports.ts';
import { formatCount, t } from '../t.ts';

export function Failures({ failures }: { failures: readonly FailureCount[] }) {
  const sorted = [...failures].sort((a, b) => b.count - a.count);
  return (
    <section aria-labelledby="sec-failures">
      <h2 id="sec-failures">{t('failures')}</h2>
      {sorted.length === 0 ? (
        <p class="help">{t('failuresNone')}</p>
      ) : (
        <ul class="failures" data-testid="failures">
          {sorted.map((f) => (
            <li key={f.code ?? 'none'} data-code={f.code ?? ''}>
              <strong>{f.code === null ? t('failureNoCode') : t('failureCode', { code: f.code })}</strong>
              {' · '}
              <span class="count">{t('failureCount', { count: formatCount(f.count) })}</span>
              <p>{f.explanation}</p>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
