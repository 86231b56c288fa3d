/**
 * Reads the CRM's own opt-in custom field ("Yes", "Sim", "1", "No"…) so the panel can point out
 * when it disagrees with the relay's consent record. The relay's record is what sends obey; the CRM
 * field is only shown, because admins fill it in many ways.
 */
import type { ConsentState } from '../../shared/api.ts';

const YES = new Set(['yes', 'y', 'true', '1', 'on', 'si', 'sí', 'sim', 'opted in', 'opted_in', 'opt-in', 'opt in', 'subscribed', 'x', '✓']);
const NO = new Set(['no', 'n', 'false', '0', 'off', 'não', 'nao', 'opted out', 'opted_out', 'opt-out', 'opt out', 'unsubscribed']);

export function crmOptInState(value: string): ConsentState {
  const v = value.trim().toLowerCase();
  if (YES.has(v)) return 'opted_in';
  if (NO.has(v)) return 'opted_out';
  return 'unknown';
}
