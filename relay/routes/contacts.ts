import { Hono } from 'hono';
import { ConsentInput } from '../../shared/api.ts';
import type { ConsentHistory, ContactSummaries } from '../../shared/reports.ts';
import { csvLine, csvResponse, wantsCsv } from '../csv.ts';
import type { Deps } from '../deps.ts';
import { RelayError } from '../errors.ts';
import { requireRole, type AppEnv } from '../middleware/api-auth.ts';
import { getContactState } from '../services/get-contact-state.ts';
import { parsePhonePath } from '../services/phone-param.ts';
import { recordConsent } from '../services/record-consent.ts';
import { parseJsonBody } from './parse-body.ts';

const PINPOINT_ID = /^\d{1,20}$/;
const MAX_SUMMARIES = 200;

export const CONSENT_CSV_HEADER = ['phone', 'id', 'at', 'state', 'source', 'by', 'evidence', 'messageSid'] as const;

export function contactRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  // GET /v1/contacts?pinpointId=…: managers' list badges. Its own path (no phone), so it never meets
  // the rep-facing GET /:phone below.
  app.get('/', requireRole('manager'), async (c) => {
    const ids = c.req.queries('pinpointId') ?? [];
    const fail = (message: string) => new RelayError('VALIDATION_FAILED', message, { issues: [{ path: 'pinpointId', message }] });
    if (ids.length === 0) throw fail('Give at least one pinpointId.');
    if (ids.length > MAX_SUMMARIES) throw fail(`At most ${MAX_SUMMARIES} pinpointId values per call.`);
    const bad = ids.find((id) => !PINPOINT_ID.test(id));
    if (bad !== undefined) throw fail(`"${bad.slice(0, 40)}" is not a PinPoint id (1–20 digits).`);
    const body: ContactSummaries = { contacts: await deps.store.contactSummaries(ids) };
    return c.json(body);
  });

  // The consent audit trail, oldest first: who changed it, when, on what evidence.
  app.get('/:phone/consent-history', requireRole('manager'), async (c) => {
    const phone = parsePhonePath(c.req.param('phone'));
    const entries = await deps.store.consentHistory(phone);
    if (wantsCsv(c)) {
      const lines = entries.map((e) => csvLine([phone, e.id, e.at, e.state, e.source, e.by, e.evidence, e.messageSid]));
      return csvResponse(c, `consent-history-${phone.slice(1)}.csv`, csvLine(CONSENT_CSV_HEADER) + lines.join(''));
    }
    const body: ConsentHistory = {
      phone,
      history: entries.map((e) => ({ state: e.state, source: e.source, by: e.by, evidence: e.evidence, at: e.at, messageSid: e.messageSid })),
    };
    return c.json(body);
  });

  app.get('/:phone', async (c) => {
    const phone = parsePhonePath(c.req.param('phone'));
    const pinpointId = c.req.query('pinpointId');
    return c.json(await getContactState(deps, phone, pinpointId && PINPOINT_ID.test(pinpointId) ? pinpointId : undefined));
  });

  app.put('/:phone/consent', async (c) => {
    const phone = parsePhonePath(c.req.param('phone'));
    const input = await parseJsonBody(c, ConsentInput);
    if (input.pinpointId && PINPOINT_ID.test(input.pinpointId)) await deps.store.rememberPinpointId(phone, input.pinpointId, deps.clock().toISOString());
    const actor = c.get('actor');
    return c.json(await recordConsent(deps, { phone, state: input.state, source: 'rep', by: actor.name, evidence: input.evidence }));
  });

  return app;
}
