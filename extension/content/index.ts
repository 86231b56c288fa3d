/**
 * Content-script entry, injected on PinPoint/Mautic pages: on every contact view, read the contact, mount the
 * panel host and render the panel; on the contacts list, managers get a status badge per row (list-badges.ts).
 * Everything hangs off the view's signal. A static import of the panel keeps the
 * script one self-contained file (crxjs loads content scripts as a standalone bundle).
 */
import { normalizePhone, countryToIso } from '../../shared/phone.ts';
import type { PageSettings } from '../messages.ts';
import { createExtensionBridge } from '../panel/bridge.ts';
import { renderPanel } from '../panel/panel.tsx';
import { LOCALE, setPanelStrings } from '../panel/strings.ts';
import { findContactsTable, findMountPoint, readContact } from './crm/pinpoint.ts';
import { startListBadges } from './list-badges.ts';
import { mountPanelHost } from './mount-panel.ts';
import { watchContactPages } from './page-lifecycle.ts';

/** False once this copy of the script is orphaned by an extension reload or update. */
const extensionAlive = (): boolean => Boolean(globalThis.chrome?.runtime?.id);

const FALLBACK_SETTINGS: PageSettings = { defaultCountry: '', optInLabel: 'WhatsApp Opt-in', mappings: {}, configured: false };

async function main(): Promise<void> {
  // Settings come from the background: the content script never loads the token, nor zod and the polyfill.
  const bridge = createExtensionBridge();
  const [answer, strings] = await Promise.all([
    bridge.request({ type: 'settings.page' }),
    LOCALE === 'en' ? null : bridge.request({ type: 'strings.panel', locale: LOCALE }),
  ]);
  const settings = answer.ok ? answer.data : FALLBACK_SETTINGS;
  if (strings?.ok) setPanelStrings(strings.data);
  watchContactPages({
    doc: document,
    win: window,
    isAlive: extensionAlive,
    onEnter({ id, signal }) {
      const contact = readContact(document, id, { optInLabel: settings.optInLabel });
      // The contact's own country decides local numbers; the configured default only when the page's is unusable.
      const country = countryToIso(contact.country) ? contact.country : settings.defaultCountry;
      const phones = contact.phones.map((p) => ({ kind: p.kind, raw: p.raw, e164: normalizePhone(p.raw, country) }));
      const { root } = mountPanelHost(document, findMountPoint(document), signal);
      renderPanel(root, { contact, phones, settings, bridge }, signal);
    },
    // Contacts-list badges for managers (the role is checked first; reps get nothing here).
    onListEnter({ contentBody, signal }) {
      if (!settings.configured) return;
      const table = () => findContactsTable(document, new URL(location.href));
      void startListBadges({ table, root: contentBody, bridge, signal });
    },
  });
}

main().catch((err: unknown) => console.error('[pinpoint-whatsapp] content script failed to start', err));
