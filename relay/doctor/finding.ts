/** One line of the `doctor` report: what was checked, how it went, and (when not ok) how to fix it. */
export type FindingLevel = 'ok' | 'warn' | 'fail';

export interface Finding {
  level: FindingLevel;
  /** What was found, in one sentence. */
  text: string;
  /** The exact console path or env var that fixes it; absent on most ok lines. */
  fix?: string;
}

export const ok = (text: string, fix?: string): Finding => (fix ? { level: 'ok', text, fix } : { level: 'ok', text });
export const warn = (text: string, fix?: string): Finding => (fix ? { level: 'warn', text, fix } : { level: 'warn', text });
export const fail = (text: string, fix?: string): Finding => (fix ? { level: 'fail', text, fix } : { level: 'fail', text });
