/**
 * The demo CRM (simulator mode only): contact pages the extension recognises, in-page navigation
 * like Mautic's, and a "contact's phone" box that replies through the simulator's signed webhook.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { normalizePhone } from '../../shared/phone.ts';
import type { Deps } from '../deps.ts';
import { RelayError } from '../errors.ts';
import { parseJsonBody } from '../routes/parse-body.ts';
import { contactBody, listBody, page } from './contact-page.ts';
import { DEMO_CONTACTS } from './demo-contacts.ts';

const Reply = z.object({ contactId: z.number().int(), body: z.string().trim().min(1, 'type a reply').max(1600) });

export function demoRoutes(deps: Deps): Hono {
  const app = new Hono();
  const ajax = (c: { req: { header(n: string): string | undefined } }) => c.req.header('x-requested-with') === 'XMLHttpRequest';

  app.get('/', (c) => c.redirect('/demo/s/contacts/view/42'));
  app.get('/s/contacts', (c) => {
    const body = listBody();
    return ajax(c) ? c.json({ newContent: body, route: '/demo/s/contacts', mauticContent: 'lead' }) : c.html(page('Contacts', body));
  });
  app.get('/s/contacts/view/:id{[0-9]+}', (c) => {
    const contact = DEMO_CONTACTS.find((x) => x.id === Number(c.req.param('id')));
    if (!contact) throw new RelayError('NOT_FOUND', 'No such demo contact. Try 42 or 43.');
    const body = contactBody(contact);
    return ajax(c) ? c.json({ newContent: body, route: `/demo/s/contacts/view/${contact.id}`, mauticContent: 'lead' }) : c.html(page(contact.name, body));
  });
  app.post('/reply', async (c) => {
    const simulator = deps.simulator;
    if (!simulator) throw new RelayError('NOT_FOUND', 'Simulated replies exist only in simulator mode.');
    const input = await parseJsonBody(c, Reply);
    const contact = DEMO_CONTACTS.find((x) => x.id === input.contactId);
    if (!contact) throw new RelayError('VALIDATION_FAILED', 'Open a demo contact page first.');
    const phone = normalizePhone(contact.mobile || contact.phone, contact.country);
    if (!phone) throw new RelayError('VALIDATION_FAILED', 'This demo contact has no usable number.');
    await simulator.inbound({ from: phone, body: input.body, profileName: contact.name.split(' ')[0] });
    return c.json({ phone, simulated: true }, 201);
  });
  return app;
}
