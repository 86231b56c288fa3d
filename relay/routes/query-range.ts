/** Date parameters (already shape-checked by the zod schema) to the half-open instant range the store takes. */
import { rangeOf } from '../../shared/reports.ts';
import { RelayError } from '../errors.ts';

export function queryRange(q: { from?: string | undefined; to?: string | undefined }): { from: string | null; to: string | null } {
  const range = rangeOf(q);
  if ('error' in range) throw new RelayError('VALIDATION_FAILED', range.error, { issues: [{ path: 'from', message: range.error }] });
  return range;
}
