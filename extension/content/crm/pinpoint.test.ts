// @vitest-environment happy-dom
// @vitest-environment-options {"url":"https://acme.ariticapp.com/","settings":{"handleDisabledFileLoadingAsSuccess":true,"disableJavaScriptFileLoading":true}}
import { describe, expect, test } from 'vitest';
import { FIXTURES, ORIGIN, fixtureUrl, parseFixture, type FixtureName } from '../../../test/fixtures/pinpoint/fixtures.ts';
import { detectContactPage, findContactsTable, findMountPoint, isContactPath, isContactsListPath, readContact, readContactRows, readDomContactId } from './pinpoint.ts';

const OPT_IN = { optInLabel: 'WhatsApp Opt-in' };
const url = (path: string): URL => new URL(path, ORIGIN);

/** What each fixture is, served at its own URL. */
const EXPECTED_DETECTION: Record<FixtureName, { id: string } | null> = {
  'm4-contact.html': { id: '42' },
  'm5-contact.html': { id: '42' },
  'm5x-contact-no-right-column.html': { id: '57' },
  'contact-no-phone.html': { id: '44' },
  'contact-two-phones.html': { id: '45' },
  'contact-anonymous.html': { id: '46' },
  'company-view.html': null,
  'contact-edit.html': null,
  'contacts-list.html': null,
  'contacts-list-m5.html': null,
  // A bare .content-body (no #app-content): still recognised through the bare `.content-body` fallback.
  'content-body-contact-43.html': { id: '43' },
};

describe('isContactPath', () => {
  test.each([
    ['', '/s/contacts/view/42'],
    ['/ma', '/ma/s/contacts/view/42'],
    ['/index.php', '/index.php/s/contacts/view/42'],
    ['/index_dev.php', '/index_dev.php/s/contacts/view/42'],
    ['/sub/dir', '/sub/dir/s/contacts/view/42'],
  ])('prefix %j', (prefix, path) => {
    expect(isContactPath(path)).toEqual({ prefix, id: '42' });
    expect(isContactPath(`${path}/`)).toEqual({ prefix, id: '42' });
  });

  test('the pre-2.0 "leads" route', () => {
    expect(isContactPath('/ma/s/leads/view/7')).toEqual({ prefix: '/ma', id: '7' });
  });

  test.each([
    '/ma/s/contacts',
    '/ma/s/contacts/2',
    '/ma/s/contacts/edit/42',
    '/ma/s/contacts/view/42/stats',
    '/ma/s/contacts/view/abc',
    '/ma/s/companies/view/12',
    '/ma/contacts/view/42',
    '/ma/s/contacts/view/',
  ])('rejects %s', (path) => {
    expect(isContactPath(path)).toBeNull();
  });
});

describe('isContactsListPath', () => {
  test.each(['/s/contacts', '/ma/s/contacts', '/ma/s/contacts/', '/ma/s/contacts/3', '/index.php/s/leads'])('accepts %s', (path) => {
    expect(isContactsListPath(path)).toBe(true);
  });
  test.each(['/ma/s/contacts/view/42', '/ma/s/contacts/edit/42', '/ma/s/companies', '/ma/s/contacts/fields'])('rejects %s', (path) => {
    expect(isContactsListPath(path)).toBe(false);
  });
  test('the list fixture is at a list path', () => {
    expect(isContactsListPath(fixtureUrl('contacts-list.html').pathname)).toBe(true);
  });
});

describe('detectContactPage on every fixture', () => {
  test.each(FIXTURES.map((f) => [f]))('%s at its own URL', (name) => {
    expect(detectContactPage(parseFixture(name), fixtureUrl(name))).toEqual(EXPECTED_DETECTION[name]);
  });

  test('contact pages are rejected under a non-contact URL (the list, the edit page)', () => {
    for (const name of FIXTURES) {
      const doc = parseFixture(name);
      expect(detectContactPage(doc, url('/ma/s/contacts')), name).toBeNull();
      expect(detectContactPage(doc, url('/ma/s/contacts/edit/42')), name).toBeNull();
    }
  });

  test('company, edit and list DOMs are rejected even under a contact URL (#lead-details alone is not enough)', () => {
    expect(detectContactPage(parseFixture('company-view.html'), url('/ma/s/contacts/view/12'))).toBeNull();
    expect(detectContactPage(parseFixture('contact-edit.html'), url('/ma/s/contacts/view/42'))).toBeNull();
    expect(detectContactPage(parseFixture('contacts-list.html'), url('/ma/s/contacts/view/42'))).toBeNull();
  });

  test('mid-swap, an empty #app-content is not a contact page even if a .content-body exists elsewhere (modal)', () => {
    const doc = parseFixture('m5-contact.html');
    const body = doc.querySelector('#app-content > .content-body');
    if (!body) throw new Error('no .content-body');
    doc.getElementById('MauticSharedModal')?.append(body);
    expect(detectContactPage(doc, url('/ma/s/contacts/view/42'))).toBeNull();
  });

  test('URL id ≠ DOM id is a mid-swap mismatch', () => {
    expect(detectContactPage(parseFixture('m5-contact.html'), url('/ma/s/contacts/view/43'))).toBe('mismatch');
    expect(detectContactPage(parseFixture('m4-contact.html'), url('/ma/s/contacts/view/43'))).toBe('mismatch');
    expect(detectContactPage(parseFixture('content-body-contact-43.html'), url('/ma/s/contacts/view/42'))).toBe('mismatch');
  });

  test('query and hash are ignored; the prefix may differ from the page (served through another path)', () => {
    const doc = parseFixture('m5-contact.html');
    expect(detectContactPage(doc, url('/ma/s/contacts/view/42?contentOnly=1#timeline'))).toEqual({ id: '42' });
    for (const prefix of ['', '/ma', '/index.php', '/index_dev.php', '/sub/dir']) {
      expect(detectContactPage(doc, url(`${prefix}/s/contacts/view/42`)), prefix).toEqual({ id: '42' });
    }
  });

  test('the DOM shape counts: the avatar or points block stands in for the timeline', () => {
    const doc = parseFixture('m5-contact.html');
    doc.getElementById('timeline-container')?.remove();
    expect(detectContactPage(doc, url('/ma/s/contacts/view/42'))).toEqual({ id: '42' });
    for (const el of doc.querySelectorAll('.lead-avatar-panel, .points-panel')) el.remove();
    expect(detectContactPage(doc, url('/ma/s/contacts/view/42'))).toBeNull();
  });

  test('without any DOM id the URL id is trusted', () => {
    const doc = parseFixture('m5-contact.html');
    for (const el of doc.querySelectorAll('#timeline-filters, #lead-stats, #toolbar a, #sendEmailButton')) el.remove();
    expect(detectContactPage(doc, url('/ma/s/contacts/view/42'))).toEqual({ id: '42' });
  });
});

describe('readDomContactId fallbacks, in order', () => {
  const body = (name: FixtureName): Element => {
    const el = parseFixture(name).querySelector('.content-body');
    if (!el) throw new Error('no .content-body');
    return el;
  };

  test('the timeline filter input wins (scoped: notes and audit log have their own #leadId)', () => {
    const b = body('m5-contact.html');
    // A decoy #leadId outside #timeline-filters, as on the notes tab.
    const decoy = b.ownerDocument.createElement('input');
    decoy.name = 'leadId';
    decoy.id = 'leadId';
    decoy.value = '999';
    b.querySelector('#notes-container')?.prepend(decoy);
    expect(readDomContactId(b)).toBe('42');
  });

  test('then the timeline form action, #lead-stats, the s-contacts-view class, the edit link, the email link', () => {
    const b = body('m5x-contact-no-right-column.html');
    b.querySelector('#timeline-filters input[name=leadId]')?.remove();
    expect(readDomContactId(b)).toBe('57'); // form action
    b.querySelector('#timeline-filters')?.remove();
    expect(readDomContactId(b)).toBe('57'); // class s-contacts-view-57 (no #lead-stats in this fixture)

    const m5 = body('m5-contact.html');
    m5.querySelector('#timeline-filters')?.remove();
    expect(readDomContactId(m5)).toBe('42'); // #lead-stats[data-target-url]
    m5.querySelector('#lead-stats')?.remove();
    expect(readDomContactId(m5)).toBe('42'); // #toolbar edit link
    m5.querySelector('#toolbar a[href*="/contacts/edit/"]')?.remove();
    expect(readDomContactId(m5)).toBe('42'); // #sendEmailButton
    m5.querySelector('#sendEmailButton')?.remove();
    expect(readDomContactId(m5)).toBeNull();
  });

  test('each source is read on its own', () => {
    const b = body('m5-contact.html');
    for (const el of b.querySelectorAll('#timeline-filters, #toolbar a, #sendEmailButton')) el.remove();
    b.querySelector('#lead-stats')?.setAttribute('data-target-url', '/ma/s/contacts/view/77/stats');
    expect(readDomContactId(b)).toBe('77');
    b.querySelector('#lead-stats')?.remove();
    b.classList.add('s-contacts-view-78');
    expect(readDomContactId(b)).toBe('78');
  });
});

describe('readContact', () => {
  test('M4 (Brazil, mobile and phone, empty rows, localised opt-in label in another group)', () => {
    const contact = readContact(parseFixture('m4-contact.html'), '42', OPT_IN);
    expect(contact).toEqual({
      crm: 'pinpoint',
      id: '42',
      name: 'Maria Silva',
      email: 'maria.silva@padariacentral.com.br',
      phones: [
        { kind: 'mobile', raw: '(11) 98765-4321' },
        { kind: 'phone', raw: '(11) 3256-7890' },
      ],
      country: 'Brazil',
      optInField: { label: 'Whatsapp opt-in', value: 'Yes' },
      fields: {
        Title: 'Mrs',
        'First Name': 'Maria',
        'Last Name': 'Silva',
        'Primary company': 'Padaria Central Ltda',
        Email: 'maria.silva@padariacentral.com.br',
        Mobile: '(11) 98765-4321',
        Phone: '(11) 3256-7890',
        'Address Line 1': 'Rua Augusta, 1500',
        City: 'São Paulo',
        State: 'São Paulo',
        'Zip Code': '01305-100',
        Country: 'Brazil',
        Plan: 'Gold',
        Instagram: '@padariacentral',
        'Whatsapp opt-in': 'Yes',
        'Account manager': 'Ana Rep',
      },
    });
    // M4 renders empty values; they are not fields.
    expect(contact.fields).not.toHaveProperty('Fax');
    expect(contact.fields).not.toHaveProperty('Position');
  });

  test('M5.1 (mobile only, flag + span country, metadata rows skipped, opt-in "Yes")', () => {
    const contact = readContact(parseFixture('m5-contact.html'), '42', OPT_IN);
    expect(contact.name).toBe('Maria Silva');
    expect(contact.email).toBe('maria.silva@padariacentral.com.br');
    expect(contact.phones).toEqual([{ kind: 'mobile', raw: '(11) 98765-4321' }]);
    expect(contact.country).toBe('Brazil');
    expect(contact.optInField).toEqual({ label: 'WhatsApp Opt-in', value: 'Yes' });
    expect(contact.fields).toMatchObject({
      'First Name': 'Maria',
      'Preferred Locale': 'Portuguese (Brazil)',
      Plan: 'Gold',
      'WhatsApp Opt-in': 'Yes',
      Instagram: '@padariacentral',
      'Favourite products': 'Pão de queijo, Café',
      'Next appointment': 'June 12, 2025 3:00 pm',
    });
    for (const meta of ['ID', 'Created on', 'Created by']) expect(contact.fields).not.toHaveProperty(meta);
    // The lazy stats pane is not a field group.
    expect(Object.values(contact.fields).join(' ')).not.toMatch(/ri-spin/);
  });

  test('the opt-in label is matched case- and space-insensitively, and absent when not configured or not shown', () => {
    const doc = parseFixture('m5-contact.html');
    expect(readContact(doc, '42', { optInLabel: '  whatsapp   OPT-IN ' }).optInField).toEqual({ label: 'WhatsApp Opt-in', value: 'Yes' });
    expect(readContact(doc, '42', { optInLabel: 'Marketing consent' }).optInField).toBeNull();
    expect(readContact(doc, '42', { optInLabel: '' }).optInField).toBeNull();
  });

  test('two phones (India): mobile first, home phone second', () => {
    const contact = readContact(parseFixture('contact-two-phones.html'), '45', OPT_IN);
    expect(contact.name).toBe('Priya Sharma');
    expect(contact.email).toBe('priya@sharmatextiles.in');
    expect(contact.phones).toEqual([
      { kind: 'mobile', raw: '+91 98765 43210' },
      { kind: 'phone', raw: '022 2345 6789' },
    ]);
    expect(contact.country).toBe('India');
    expect(contact.optInField).toBeNull();
    expect(contact.fields).toMatchObject({ Industry: 'Textiles, Retail', 'Customer since': '2019' });
  });

  test('no phone at all', () => {
    const contact = readContact(parseFixture('contact-no-phone.html'), '44', OPT_IN);
    expect(contact.name).toBe('Sophie Martin');
    expect(contact.email).toBe('sophie.martin@example.fr');
    expect(contact.phones).toEqual([]);
    expect(contact.country).toBe('France');
    // The devices pane is not a field group.
    expect(contact.fields).not.toHaveProperty('Desktop');
  });

  test('anonymous visitor: no name, email, phones, country or fields', () => {
    expect(readContact(parseFixture('contact-anonymous.html'), '46', OPT_IN)).toEqual({
      crm: 'pinpoint',
      id: '46',
      name: null,
      email: null,
      phones: [],
      country: null,
      optInField: null,
      fields: {},
    });
  });

  test('no grid: the contact block is still read, the "no data" row skipped, a localised opt-in label configured', () => {
    const doc = parseFixture('m5x-contact-no-right-column.html');
    const contact = readContact(doc, '57', { optInLabel: 'Opt-in WhatsApp' });
    expect(contact.name).toBe('João Pereira');
    expect(contact.email).toBe('joao.pereira@example.pt');
    expect(contact.phones).toEqual([{ kind: 'mobile', raw: '912 345 678' }]);
    expect(contact.country).toBe('Portugal');
    expect(contact.optInField).toEqual({ label: 'Opt-in WhatsApp', value: 'Sim' });
    expect(contact.fields).toEqual({ 'First Name': 'João', 'Last Name': 'Pereira', Mobile: '912 345 678', Country: 'Portugal', 'Opt-in WhatsApp': 'Sim' });
    expect(readContact(doc, '57', OPT_IN).optInField).toBeNull();
  });

  test('the swapped-in contact 43', () => {
    const contact = readContact(parseFixture('content-body-contact-43.html'), '43', OPT_IN);
    expect(contact).toMatchObject({
      name: 'John Carter',
      email: 'john@carterhardware.com',
      phones: [{ kind: 'mobile', raw: '+1 415 555 0134' }],
      country: 'United States',
      optInField: { label: 'WhatsApp Opt-in', value: 'No' },
    });
  });

  test('country falls back to the address city line when #core has no Country row', () => {
    for (const [name, id, country] of [
      ['m5-contact.html', '42', 'Brazil'],
      ['m4-contact.html', '42', 'Brazil'],
      ['contact-two-phones.html', '45', 'India'],
      ['contact-no-phone.html', '44', 'France'],
      ['content-body-contact-43.html', '43', 'United States'],
    ] as const) {
      const doc = parseFixture(name);
      for (const tr of doc.querySelectorAll('#core tr')) {
        if (tr.querySelector('.textTitle')?.textContent?.trim() === 'Country') tr.remove();
      }
      expect(readContact(doc, id, OPT_IN).country, name).toBe(country);
    }
  });

  test('email falls back to the #core Email row when the contact block has none', () => {
    const doc = parseFixture('m5-contact.html');
    const emailP = doc.querySelector('.col-md-3 address ~ p.text-muted');
    if (emailP) emailP.textContent = '';
    expect(readContact(doc, '42', OPT_IN).email).toBe('maria.silva@padariacentral.com.br');
  });

  test('reading does not change the document', () => {
    const doc = parseFixture('m4-contact.html');
    const before = doc.documentElement.outerHTML;
    readContact(doc, '42', OPT_IN);
    findMountPoint(doc);
    expect(doc.documentElement.outerHTML).toBe(before);
  });
});

describe('findMountPoint', () => {
  test.each(['m4-contact.html', 'm5-contact.html', 'contact-no-phone.html', 'contact-two-phones.html', 'contact-anonymous.html'] as const)(
    '%s: right column, right after its first .panel',
    (name) => {
      const doc = parseFixture(name);
      const point = findMountPoint(doc);
      const right = doc.querySelector('#app-content .content-body > .box-layout > .col-md-3');
      expect(point?.parent).toBe(right);
      const firstPanel = right?.querySelector(':scope > .panel');
      expect(firstPanel).toBeTruthy();
      expect(point?.before).toBe(firstPanel?.nextSibling);
    },
  );

  test('never the page header .box-layout', () => {
    const point = findMountPoint(parseFixture('m5-contact.html'));
    expect(point?.parent.closest('.page-header')).toBeNull();
  });

  test('no .panel in the right column: prepend to it', () => {
    const doc = parseFixture('m5-contact.html');
    const right = doc.querySelector('.content-body > .box-layout > .col-md-3');
    right?.querySelector(':scope > .panel')?.remove();
    const point = findMountPoint(doc);
    expect(point?.parent).toBe(right);
    expect(point?.before).toBe(right?.firstChild);
  });

  test('no grid or no right column: null (the caller floats the panel)', () => {
    expect(findMountPoint(parseFixture('m5x-contact-no-right-column.html'))).toBeNull();
    const doc = parseFixture('m5-contact.html');
    doc.querySelector('.content-body > .box-layout > .col-md-3')?.remove();
    expect(findMountPoint(doc)).toBeNull();
  });
});

describe('the contacts list', () => {
  test('the table is found only on list pages, inside the swapped content', () => {
    for (const name of FIXTURES) {
      const table = findContactsTable(parseFixture(name), fixtureUrl(name));
      expect(table !== null, name).toBe(name === 'contacts-list.html' || name === 'contacts-list-m5.html');
    }
    // A list DOM under a contact URL (mid-swap) is not a list.
    expect(findContactsTable(parseFixture('contacts-list-m5.html'), url('/ma/s/contacts/view/42'))).toBeNull();
    expect(findContactsTable(parseFixture('contacts-list-m5.html'), url('/s/contacts'))?.id).toBe('leadTable');
  });

  test('rows: the id from the view link (not the edit link, not the sidebar), the name cell to mount in', () => {
    const doc = parseFixture('contacts-list-m5.html');
    const rows = readContactRows(findContactsTable(doc, fixtureUrl('contacts-list-m5.html'))!);
    expect(rows.map((r) => r.id)).toEqual(['42', '43', '44', '46', '47']);
    for (const r of rows) {
      expect(r.cell.tagName).toBe('TD');
      expect(r.cell.querySelector(`a[href$="/s/contacts/view/${r.id}"]`)).not.toBeNull();
      expect(r.cell.parentElement).toBe(r.row);
    }
    expect(readContactRows(findContactsTable(parseFixture('contacts-list.html'), fixtureUrl('contacts-list.html'))!).map((r) => r.id)).toEqual(['42', '43']);
  });

  test("the relay demo's list markup (a bare link per row) reads the same", () => {
    const doc = new DOMParser().parseFromString(
      '<section id="app-content"><div class="content-body"><div class="page-list"><table class="table table-hover" id="leadTable"><thead><tr><th>Name</th></tr></thead><tbody>' +
        '<tr><td><a href="/demo/s/contacts/view/42" data-toggle="ajax">Ana Souza</a></td><td>ana@example.com</td></tr>' +
        '<tr><td><a href="/demo/s/contacts/view/43" data-toggle="ajax">Rahul Mehta</a></td><td>rahul@example.com</td></tr>' +
        '<tr><td colspan="2">No more contacts</td></tr></tbody></table></div></div></section>',
      'text/html',
    );
    const table = findContactsTable(doc, url('/demo/s/contacts'));
    expect(readContactRows(table!).map((r) => r.id)).toEqual(['42', '43']);
  });
});
