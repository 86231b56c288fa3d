import { Hono } from 'hono';
import { ConsentInput } from '../../shared/api.ts';
import type { Deps } from '../deps.ts';
import type { AppEnv } from '../middleware/api-auth.ts';
import { getContactState } from '../services/get-contact-state.ts';
import { parsePhoneParam } from '../services/phone-param.ts';
import { recordConsent } from '../services/record-consent.ts';
import { parseJsonBody } from './parse-body.ts';

const PINPOINT_ID = /^\d{1,20}$/;

export function contactRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/:phone', async (c) => {
    const phone = parsePhoneParam(decodeURIComponent(c.req.param('phone')));
    const pinpointId = c.req.query('pinpointId');
    return c.json(await getContactState(deps, phone, pinpointId && PINPOINT_ID.test(pinpointId) ? pinpointId : undefined));
  });

  app.put('/:phone/consent', async (c) => {
    const phone = parsePhoneParam(decodeURIComponent(c.req.param('phone')));
    const input = await parseJsonBody(c, ConsentInput);
    if (input.pinpointId && PINPOINT_ID.test(input.pinpointId)) await deps.store.rememberPinpointId(phone, input.pinpointId, deps.clock().toISOString());
    const actor = c.get('actor');
    return c.json(await recordConsent(deps, { phone, state: input.state, source: 'rep', by: actor.name, evidence: input.evidence }));
  });

  return app;
}
