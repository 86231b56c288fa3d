/**
 * The Aritic PinPoint (Mautic) contact page as data: which page this is and what it says about the contact.
 * Pure DOM reading: every function takes the Document (and URL) it reads, touches no globals and changes nothing,
 * so it is tested against saved pages (test/fixtures/pinpoint/) and reused on HTML fetched with DOMParser.
 * Selectors and their provenance per Mautic version: shared/reference/pinpoint-contact-page.md §2–§6.
 */
import type { PageContact, PagePhone } from '../../contact.ts';

/** The install may live under any prefix ('', '/ma', '/index.php', '/sub/dir'): never anchor `/s/` at the root. */
const CONTACT_VIEW_RE = /^(.*?)\/s\/(?:contacts|leads)\/view\/(\d+)\/?$/;
/** The list and its pages: `/s/contacts`, `/s/contacts/2`. */
const CONTACTS_LIST_RE = /^(.*?)\/s\/(?:contacts|leads)(?:\/(\d+))?\/?$/;

export function isContactPath(pathname: string): { prefix: string; id: string } | null {
  const m = CONTACT_VIEW_RE.exec(pathname);
  if (!m) return null;
  return { prefix: m[1] ?? '', id: m[2] ?? '' };
}

export function isContactsListPath(pathname: string): boolean {
  return CONTACTS_LIST_RE.test(pathname);
}

/**
 * The swapped part of the page. `#app-content` persists across in-page navigation; its `.content-body` child is
 * replaced. While `#app-content` exists nothing outside it counts (a modal's markup must not pass for the page, and
 * an empty `#app-content` is a swap in progress); the bare `.content-body` is for skins without the wrapper.
 */
export function findContentBody(doc: Document): Element | null {
  const app = doc.getElementById('app-content');
  if (app) return app.querySelector(':scope > .content-body') ?? app.querySelector('.content-body');
  return doc.querySelector('.content-body');
}

/** The main two-column grid. The page header holds its own `.box-layout` up to M5.1, hence the child combinator. */
function findGrid(body: Element): Element | null {
  return body.querySelector(':scope > .box-layout');
}

/**
 * `#lead-details` alone also matches company pages (§8), so a contact view needs the timeline or the right column's
 * avatar/points block as well. Prefer the grid; without it (an unrecognised layout) the same markers anywhere in the
 * content body still identify the page, and the caller mounts the floating fallback.
 */
function looksLikeContactView(body: Element): boolean {
  const scope = findGrid(body) ?? body;
  return scope.querySelector('#lead-details') !== null && scope.querySelector('#timeline-container, .lead-avatar-panel, .points-panel') !== null;
}

const digitsAfter = (re: RegExp, s: string | null | undefined): string | null => (s ? (re.exec(s)?.[1] ?? null) : null);

/**
 * The contact id the DOM itself declares, best source first (§3). The URL is not consulted: comparing the two is
 * how a half-finished navigation is recognised.
 */
export function readDomContactId(body: Element): string | null {
  const input = body.querySelector<HTMLInputElement>('#timeline-filters input[name="leadId"]');
  const fromInput = input?.getAttribute('value') ?? input?.value;
  if (fromInput && /^\d+$/.test(fromInput.trim())) return fromInput.trim();
  return (
    digitsAfter(/\/contacts\/timeline\/(\d+)(?:[/?#]|$)/, body.querySelector('#timeline-filters')?.getAttribute('action')) ??
    digitsAfter(/\/contacts\/view\/(\d+)\/stats(?:[/?#]|$)/, body.querySelector('#lead-stats[data-target-url]')?.getAttribute('data-target-url')) ??
    digitsAfter(/(?:^|\s)s-contacts-view-(\d+)(?:\s|$)/, body.getAttribute('class')) ??
    digitsAfter(/\/contacts\/edit\/(\d+)(?:[/?#]|$)/, body.querySelector('#toolbar a[href*="/contacts/edit/"]')?.getAttribute('href')) ??
    digitsAfter(/\/contacts\/email\/(\d+)(?:[/?#]|$)/, body.querySelector('#sendEmailButton[href]')?.getAttribute('href'))
  );
}

/**
 * `{id}` when the URL is a contact view, the DOM is a contact view and both name the same contact;
 * `'mismatch'` when both are contact views of different contacts (mid-swap: the URL and the DOM change at different
 * moments, so wait for the next change); null otherwise.
 */
export function detectContactPage(doc: Document, url: URL): { id: string } | 'mismatch' | null {
  const path = isContactPath(url.pathname);
  if (!path) return null;
  const body = findContentBody(doc);
  if (!body || !looksLikeContactView(body)) return null;
  const domId = readDomContactId(body);
  if (domId !== null && domId !== path.id) return 'mismatch';
  return { id: path.id };
}

/** `#lead-details` is display:none until expanded, so innerText would be empty: use textContent, normalised. */
function text(node: Node | null | undefined): string {
  return (node?.textContent ?? '').replace(/\s+/g, ' ').trim();
}

/** Label comparison for settings typed by people: case and whitespace don't matter. */
function labelKey(label: string): string {
  return label.replace(/\s+/g, '').toLowerCase();
}

/** Panes of `#lead-details` that aren't field groups. */
const NON_FIELD_PANES = new Set(['devices', 'lead-stats']);
/** Rows the core pane gets from the generic details helper (English labels; translated UIs keep them as fields). */
const CORE_METADATA_LABELS = new Set(['id', 'created', 'createdon', 'createdby', 'modified', 'modifiedon', 'modifiedby']);

interface FieldRow {
  label: string;
  value: string;
  group: string;
}

function readFieldRows(body: Element): FieldRow[] {
  const rows: FieldRow[] = [];
  for (const pane of body.querySelectorAll('#lead-details .tab-pane')) {
    if (NON_FIELD_PANES.has(pane.id)) continue;
    for (const tr of pane.querySelectorAll(':scope table tbody > tr')) {
      // A "no data" row (M5.x) is a single cell; a label is always the first cell's span.
      const labelEl = tr.querySelector(':scope > td:first-child span.textTitle') ?? tr.querySelector(':scope > td:first-child');
      const valueEl = tr.querySelector(':scope > td:nth-child(2)');
      if (!labelEl || !valueEl) continue;
      const label = text(labelEl);
      if (label === '') continue;
      if (pane.id === 'core' && CORE_METADATA_LABELS.has(labelKey(label))) continue;
      rows.push({ label, value: text(valueEl), group: pane.id });
    }
  }
  return rows;
}

/** The `<p>` values of the right column's contact block, in order, starting after `<address>` (§3 recipe step 3). */
function readContactBlock(grid: Element | null, body: Element): { email: string | null; phone: string | null; mobile: string | null } {
  const right = grid?.querySelector(':scope > .col-md-3') ?? body;
  const address = right.querySelector('address');
  const result = { email: null as string | null, phone: null as string | null, mobile: null as string | null };
  if (!address) return result;
  const others: string[] = [];
  for (let el = address.nextElementSibling; el; el = el.nextElementSibling) {
    if (el.tagName !== 'P') continue;
    const value = text(el);
    // mb-0 is the only marker of the mobile that doesn't depend on the (translatable) h6 label.
    if (el.classList.contains('mb-0')) result.mobile ||= value || null;
    else others.push(value);
  }
  // The email <p> is always rendered (possibly empty) and comes first. Sanity check for a variant that omits it:
  // a first value with digits and no '@' is a phone.
  const [first, second] = others;
  if (first !== undefined && !first.includes('@') && /\d{4}/.test(first)) {
    result.phone = first;
  } else {
    result.email = first || null;
    result.phone = second || null;
  }
  return result;
}

/** The last part of the address' city line, "São Paulo, SP, Brazil 01310-100" → "Brazil" (postcode tokens dropped). */
function countryFromAddress(address: Element | null): string | null {
  if (!address) return null;
  const lines: string[] = [];
  let current = '';
  for (const node of address.childNodes) {
    if (node.nodeType === 1 && (node as Element).tagName === 'BR') {
      lines.push(current);
      current = '';
    } else {
      current += node.textContent ?? '';
    }
  }
  lines.push(current);
  const cityLine = lines.map((l) => l.replace(/\s+/g, ' ').trim()).filter(Boolean).at(-1);
  if (!cityLine || !cityLine.includes(',')) return null;
  const last = cityLine.split(',').at(-1) ?? '';
  const words = last.trim().split(' ').filter((w) => w !== '' && !/\d/.test(w));
  return words.length > 0 ? words.join(' ') : null;
}

/** What the contact page shows. `id` comes from detectContactPage; call only on a detected contact view. */
export function readContact(doc: Document, id: string, opts: { optInLabel: string }): PageContact {
  const body = findContentBody(doc) ?? doc.documentElement;
  const grid = findGrid(body);

  const rows = readFieldRows(body);
  const fields: Record<string, string> = {};
  for (const row of rows) {
    // Empty values: M4 renders them, M5 skips them. Treat both alike: not shown.
    if (row.value !== '' && !(row.label in fields)) fields[row.label] = row.value;
  }
  const coreValue = (label: string): string | null =>
    rows.find((r) => r.group === 'core' && labelKey(r.label) === labelKey(label) && r.value !== '')?.value ?? null;

  const block = readContactBlock(grid, body);
  const phones: PagePhone[] = [];
  if (block.mobile) phones.push({ kind: 'mobile', raw: block.mobile });
  if (block.phone) phones.push({ kind: 'phone', raw: block.phone });

  const wanted = labelKey(opts.optInLabel);
  const optInRow = wanted === '' ? undefined : rows.find((r) => labelKey(r.label) === wanted && r.value !== '');

  return {
    crm: 'pinpoint',
    id,
    name: readName(body),
    email: block.email ?? coreValue('Email'),
    phones,
    country: coreValue('Country') ?? countryFromAddress((grid ?? body).querySelector('address')),
    optInField: optInRow ? { label: optInRow.label, value: optInRow.value } : null,
    fields,
  };
}

/**
 * The header's primary identifier ("first last", else company, email, …). "Anonymous" is the placeholder Mautic
 * shows for visitors without identity, not a name (English UI only; a translated placeholder passes through).
 */
function readName(body: Element): string | null {
  const el = body.querySelector('.page-header h1 .span-block, .page-header h3 .span-block');
  const name = text(el);
  return name === '' || /^anonymous$/i.test(name) ? null : name;
}

/**
 * Where the panel goes: in the right column right after its first `.panel` (avatar, points, DNC and contact block),
 * else at the column's top. Never a sibling column: `.box-layout` is display:table (§2). null when the grid isn't
 * recognised; the caller then uses the floating fallback.
 */
export function findMountPoint(doc: Document): { parent: Element; before: Node | null } | null {
  const body = findContentBody(doc);
  const right = body ? findGrid(body)?.querySelector(':scope > .col-md-3') : null;
  if (!right) return null;
  const firstPanel = right.querySelector(':scope > .panel');
  if (firstPanel) return { parent: right, before: firstPanel.nextSibling };
  return { parent: right, before: right.firstChild };
}

// ---- the contacts list (`/s/contacts`, `/s/contacts/{page}`; reference §1) ----

const VIEW_LINK_RE = /\/s\/(?:contacts|leads)\/view\/(\d+)\/?(?:[?#]|$)/;

/** A contacts-list row: the PinPoint id and the cell holding its link to the contact view (where a badge goes). */
export interface ContactRow {
  id: string;
  row: Element;
  cell: Element;
}

/**
 * The list's table: Mautic's `#leadTable` (M2–M5), else any table in `.page-list`. Only on a list URL, and only inside
 * the swapped content (a contact view's own tables never count).
 */
export function findContactsTable(doc: Document, url: URL): Element | null {
  if (!isContactsListPath(url.pathname)) return null;
  const body = findContentBody(doc);
  return body?.querySelector('#leadTable') ?? body?.querySelector('.page-list table') ?? null;
}

/**
 * The rows of the list that link to a contact view, in page order. The first `/s/contacts/view/{id}` link of a row
 * names it (the actions dropdown holds edit/delete links, never a view link); rows without one (a "no contacts" row)
 * are skipped. A row listed twice by id keeps both entries: each row gets its own badge.
 */
export function readContactRows(table: Element): ContactRow[] {
  const rows: ContactRow[] = [];
  for (const row of table.querySelectorAll(':scope > tbody > tr, :scope > tr')) {
    for (const link of row.querySelectorAll('a[href]')) {
      const id = VIEW_LINK_RE.exec(link.getAttribute('href') ?? '')?.[1];
      const cell = link.closest('td');
      if (id && cell) {
        rows.push({ id, row, cell });
        break;
      }
    }
  }
  return rows;
}
