/** Every panel dictionary, for the background (which hands the rep's language to the content script) and tests. */
import type { Locale } from '../i18n.ts';
import { ES } from './strings-es.ts';
import { PT } from './strings-pt.ts';
import { EN } from './strings.ts';

export const PANEL_STRINGS = { en: EN, es: ES, pt: PT } as const satisfies Record<Locale, Record<string, string>>;
