/**
 * Tiny i18n: each UI area keeps its own dictionary file ({en, es, pt}) and builds a `t` with
 * createT. English is the source of truth and the fallback; the other locales must have the same
 * keys (a test checks). The locale follows the browser's UI language.
 */
export const LOCALES = ['en', 'es', 'pt'] as const;
export type Locale = (typeof LOCALES)[number];

export function pickLocale(languages: readonly string[] = typeof navigator === 'undefined' ? [] : navigator.languages ?? [navigator.language]): Locale {
  for (const lang of languages) {
    const base = lang.toLowerCase().split('-')[0];
    if (base === 'es' || base === 'pt' || base === 'en') return base;
  }
  return 'en';
}

export type Dict<K extends string> = Record<K, string>;

/** `{name}` placeholders are replaced by params. Values are plain text, never HTML. */
export function createT<K extends string>(dicts: { en: Dict<K> } & Partial<Record<Locale, Partial<Dict<K>>>>, locale: Locale = pickLocale()) {
  return (key: K, params?: Record<string, string | number>): string => {
    const text = dicts[locale]?.[key] ?? dicts.en[key] ?? key;
    return params ? text.replace(/\{(\w+)\}/g, (m, p: string) => (p in params ? String(params[p]) : m)) : text;
  };
}
