/** The printed report: one line per finding, a summary line, and the exit code the CLI returns. */
import type { Finding, FindingLevel } from './finding.ts';

export interface ReportSection {
  title: string;
  findings: Finding[];
  /** Plain lines after the findings (e.g. why the remaining checks were skipped). */
  notes?: string[];
}

const SYMBOL: Record<FindingLevel, string> = { ok: '✓', warn: '!', fail: '✗' };

export function formatFinding(f: Finding): string {
  return `${SYMBOL[f.level]} ${f.text}${f.fix ? ` — fix: ${f.fix}` : ''}`;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export function summaryLine(findings: Finding[]): string {
  const fails = findings.filter((f) => f.level === 'fail').length;
  const warns = findings.filter((f) => f.level === 'warn').length;
  const oks = findings.length - fails - warns;
  if (fails) return `${plural(fails, 'problem')}, ${plural(warns, 'warning')}, ${oks} ok: fix the ✗ lines, then run \`npm run relay -- doctor\` again.`;
  if (warns) return `No problems; ${plural(warns, 'warning')}, ${oks} ok.`;
  return `All ${plural(oks, 'check')} passed.`;
}

/** 0 when nothing failed (warnings are advice), 1 otherwise. Bad configuration (2) never gets this far. */
export function exitCodeFor(findings: Finding[]): 0 | 1 {
  return findings.some((f) => f.level === 'fail') ? 1 : 0;
}

/**
 * The whole report as text. `secrets` are blanked wherever they appear: the checks never put the auth
 * token in a finding, but Twilio error messages and configured URLs are echoed verbatim, and one slip
 * there would print it.
 */
export function formatReport(header: string[], sections: ReportSection[], secrets: string[] = []): string {
  const lines = [...header];
  for (const s of sections) {
    lines.push('', s.title);
    for (const f of s.findings) lines.push(`  ${formatFinding(f)}`);
    for (const n of s.notes ?? []) lines.push(`  ${n}`);
  }
  lines.push('', summaryLine(sections.flatMap((s) => s.findings)));
  let text = lines.join('\n') + '\n';
  for (const secret of secrets) if (secret) text = text.split(secret).join('[hidden]');
  return text;
}
