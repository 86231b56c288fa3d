import { describe, expect, it } from 'vitest';
import { fail, ok, warn } from './finding.ts';
import { exitCodeFor, formatFinding, formatReport, summaryLine } from './format-report.ts';

describe('formatFinding', () => {
  it('one line: the symbol, what was found, then the fix', () => {
    expect(formatFinding(ok('credentials accepted'))).toBe('✓ credentials accepted');
    expect(formatFinding(warn('no fallback URL', 'set it'))).toBe('! no fallback URL — fix: set it');
    expect(formatFinding(fail('sender offline', 'Console → Messaging'))).toBe('✗ sender offline — fix: Console → Messaging');
  });
});

describe('summary and exit code', () => {
  it('counts problems and warnings; warnings alone still exit 0', () => {
    expect(summaryLine([ok('a'), ok('b')])).toBe('All 2 checks passed.');
    expect(summaryLine([ok('a'), warn('b')])).toBe('No problems; 1 warning, 1 ok.');
    expect(summaryLine([fail('a'), warn('b'), warn('c'), ok('d')])).toBe('1 problem, 2 warnings, 1 ok: fix the ✗ lines, then run `npm run relay -- doctor` again.');
    expect(exitCodeFor([ok('a'), warn('b')])).toBe(0);
    expect(exitCodeFor([ok('a'), fail('b')])).toBe(1);
    expect(exitCodeFor([])).toBe(0);
  });
});

describe('formatReport', () => {
  it('prints the header, each section with its findings and notes, and the summary', () => {
    const text = formatReport(['Relay doctor'], [
      { title: 'Configuration', findings: [ok('mode')] },
      { title: 'Twilio account', findings: [fail('rejected', 'copy them')], notes: ['skipped the rest'] },
    ]);
    expect(text).toBe(
      ['Relay doctor', '', 'Configuration', '  ✓ mode', '', 'Twilio account', '  ✗ rejected — fix: copy them', '  skipped the rest', '', '1 problem, 0 warnings, 1 ok: fix the ✗ lines, then run `npm run relay -- doctor` again.', ''].join('\n'),
    );
  });

  it('blanks secrets wherever they slipped in (an echoed error, a URL)', () => {
    const token = 'f00dfeedf00dfeedf00dfeedf00dfeed';
    const text = formatReport([], [{ title: 'T', findings: [fail(`Twilio said: bad token ${token}`, `https://x:${token}@h/`)] }], [token, '']);
    expect(text).not.toContain(token);
    expect(text).toContain('bad token [hidden]');
  });
});
