import { describe, expect, it } from 'vitest';
import { DASHBOARD_STRINGS, dashboardT } from './strings.ts';

describe('dashboard strings', () => {
  const en = Object.keys(DASHBOARD_STRINGS.en).sort();

  it.each(['es', 'pt'] as const)('%s has exactly the English keys, none empty', (locale) => {
    const dict: Record<string, string> = DASHBOARD_STRINGS[locale];
    expect(Object.keys(dict).sort()).toEqual(en);
    for (const key of en) expect(dict[key]?.trim(), key).not.toBe('');
  });

  it.each(['es', 'pt'] as const)('%s keeps the same {placeholders} as English', (locale) => {
    const names = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
    const enDict: Record<string, string> = DASHBOARD_STRINGS.en;
    const dict: Record<string, string> = DASHBOARD_STRINGS[locale];
    for (const key of en) expect(names(dict[key] ?? ''), key).toEqual(names(enDict[key] ?? ''));
  });

  it('keeps the contract wording in English', () => {
    const t = dashboardT('en');
    expect([t('empty'), t('refused')]).toEqual(['No messages in this range', 'This dashboard is for managers']);
    expect(dashboardT('pt')('empty')).toBe('Nenhuma mensagem neste período');
  });
});
