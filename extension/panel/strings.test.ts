// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { PANEL_STRINGS as STRINGS } from './strings-all.ts';
import { setPanelStrings, t } from './strings.ts';

describe('panel strings', () => {
  const en = Object.keys(STRINGS.en).sort();

  it.each(['es', 'pt'] as const)('%s has exactly the English keys, none empty', (locale) => {
    const dict: Record<string, string> = STRINGS[locale];
    expect(Object.keys(dict).sort()).toEqual(en);
    for (const key of en) expect(dict[key]?.trim(), key).not.toBe('');
  });

  it.each(['es', 'pt'] as const)('%s keeps the same {placeholders} as English', (locale) => {
    const names = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
    const enDict: Record<string, string> = STRINGS.en;
    const dict: Record<string, string> = STRINGS[locale];
    for (const key of en) expect(names(dict[key] ?? ''), key).toEqual(names(enDict[key] ?? ''));
  });

  it('t() uses the installed language and falls back to English per key', () => {
    setPanelStrings({ errGeneric: 'Algo deu errado.' });
    expect(t('errGeneric')).toBe('Algo deu errado.');
    expect(t('panelLabel')).toBe(STRINGS.en.panelLabel);
    setPanelStrings({});
    expect(t('errGeneric')).toBe(STRINGS.en.errGeneric);
  });
});
