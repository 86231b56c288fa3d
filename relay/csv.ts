/**
 * CSV for the manager exports: RFC 4180 (CRLF line ends, a field with a comma, quote or line break
 * in double quotes, quotes doubled) and safe to open in a spreadsheet. Bodies, names and evidence
 * come from contacts and reps, so a text cell that a spreadsheet would run as a formula (starting
 * with = + - @, or a tab or carriage return that some strip first) gets a leading single quote, as
 * OWASP recommends. Only text is escaped: numbers are written as numbers.
 */
import type { Context } from 'hono';

export type CsvValue = string | number | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: readonly CsvValue[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}

/** `Accept: text/csv` asks for the CSV form of a JSON answer. */
export function wantsCsv(c: Context): boolean {
  return (c.req.header('accept') ?? '').toLowerCase().includes('text/csv');
}

/** A download: CSV body (a string, or a stream for long exports) with its filename. */
export function csvResponse(c: Context, filename: string, body: string | ReadableStream<Uint8Array>): Response {
  const safe = filename.replace(/[^\w.-]+/g, '-');
  return c.body(body, 200, {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename=${safe}`,
    'cache-control': 'no-store',
  });
}
