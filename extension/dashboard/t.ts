/** The dashboard's language (the browser's) and its number formatting. */
import { pickLocale } from '../i18n.ts';
import { dashboardT } from './strings.ts';

export const LOCALE = pickLocale();
export const t = dashboardT(LOCALE);

const numbers = new Intl.NumberFormat(LOCALE);
export const formatCount = (n: number): string => numbers.format(n);
