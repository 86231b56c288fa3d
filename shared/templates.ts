/**
 * WhatsApp Content template placeholders ("{{1}}"): which ones a body uses, whether a rep's values would be
 * accepted by WhatsApp, and a preview. The panel validates before sending; the relay checks the same rules.
 */

/** WhatsApp rejects a template whose body, values included, is longer than this (Twilio 63021, reference §5). */
export const MAX_TEMPLATE_LENGTH = 1024;
/** Per-value limit; also what the relay's SendTemplateInput schema enforces. */
const MAX_VALUE_LENGTH = 1024;
/** WhatsApp refuses parameters with more than four consecutive spaces. */
const MAX_CONSECUTIVE_SPACES = 4;

// Twilio placeholders are numeric; whitespace inside the braces is tolerated the way Twilio's editor does.
const PLACEHOLDER_RE = /\{\{\s*(\d{1,9})\s*\}\}/g;

/** Numeric order without Number(): exact for any length, and "01" sorts beside "1" rather than before "0". */
function compareNumeric(a: string, b: string): number {
  const na = a.replace(/^0+(?=\d)/, '');
  const nb = b.replace(/^0+(?=\d)/, '');
  if (na.length !== nb.length) return na.length - nb.length;
  if (na !== nb) return na < nb ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The placeholder keys a body uses, unique, in numeric order: "Hi {{2}}, {{ 1 }}" → ["1", "2"]. */
export function extractVariables(body: string): string[] {
  if (typeof body !== 'string') return [];
  const keys = new Set<string>();
  for (const m of body.matchAll(PLACEHOLDER_RE)) {
    if (m[1] !== undefined) keys.add(m[1]);
  }
  return [...keys].sort(compareNumeric);
}

export type VariableProblem = 'missing' | 'empty' | 'newline' | 'too_many_spaces' | 'too_long' | 'unknown';

export interface VariableIssue {
  key: string;
  problem: VariableProblem;
  /** English sentence for the rep. */
  message: string;
}

const own = (values: Record<string, string | undefined>, key: string): string | undefined =>
  Object.hasOwn(values, key) ? values[key] : undefined;

/**
 * Everything WhatsApp would refuse about these values for a template with `keys`: every placeholder filled with
 * something visible, no line breaks or tabs, at most four spaces in a row, at most 1024 characters. Values for keys
 * the template doesn't have are reported as 'unknown' (renderTemplate ignores them, but they usually mean the rep
 * filled in the wrong template's form).
 */
export function validateVariables(keys: readonly string[], values: Record<string, string | undefined>): VariableIssue[] {
  const issues: VariableIssue[] = [];
  const safeValues = values ?? {};
  for (const key of keys) {
    const value = own(safeValues, key);
    if (value === undefined || typeof value !== 'string') {
      issues.push({ key, problem: 'missing', message: `Fill in variable {{${key}}}.` });
      continue;
    }
    if (value.trim() === '') {
      issues.push({ key, problem: 'empty', message: `Variable {{${key}}} can't be blank.` });
      continue;
    }
    if (/[\n\r\t]/.test(value)) {
      issues.push({ key, problem: 'newline', message: `Variable {{${key}}} can't contain line breaks or tabs.` });
    }
    if (new RegExp(`[ \\u00a0]{${MAX_CONSECUTIVE_SPACES + 1},}`).test(value)) {
      issues.push({
        key, problem: 'too_many_spaces',
        message: `Variable {{${key}}} can't have more than ${MAX_CONSECUTIVE_SPACES} spaces in a row.`,
      });
    }
    // UTF-16 length, like the relay's zod schema: the two must agree on what is "too long".
    if (value.length > MAX_VALUE_LENGTH) {
      issues.push({
        key, problem: 'too_long',
        message: `Variable {{${key}}} is ${value.length} characters; the limit is ${MAX_VALUE_LENGTH}.`,
      });
    }
  }
  const known = new Set(keys);
  const extra = Object.keys(safeValues).filter((k) => !known.has(k) && safeValues[k] !== undefined).sort(compareNumeric);
  for (const key of extra) {
    issues.push({ key, problem: 'unknown', message: `This template has no variable {{${key.slice(0, 20)}}}.` });
  }
  return issues;
}

/**
 * The body with known values substituted, for previews. Placeholders without a value stay as written so the rep
 * sees what is left to fill. Single pass: a value that itself contains "{{2}}" is not expanded again.
 */
export function renderTemplate(body: string, values: Record<string, string | undefined>): string {
  if (typeof body !== 'string') return '';
  const safeValues = values ?? {};
  return body.replace(PLACEHOLDER_RE, (match: string, key: string) => {
    const value = own(safeValues, key);
    return typeof value === 'string' ? value : match;
  });
}

/** Length of the message WhatsApp would check against MAX_TEMPLATE_LENGTH. */
export function renderedLength(body: string, values: Record<string, string | undefined>): number {
  return renderTemplate(body, values).length;
}
