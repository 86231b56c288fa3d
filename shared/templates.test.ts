import { describe, it, expect } from 'vitest';
import {
  extractVariables, validateVariables, renderTemplate, renderedLength, MAX_TEMPLATE_LENGTH, type VariableProblem,
} from './templates.ts';

const SANDBOX = 'Your appointment is coming up on {{1}} at {{2}}';
const problems = (keys: readonly string[], values: Record<string, string | undefined>): [string, VariableProblem][] =>
  validateVariables(keys, values).map((i) => [i.key, i.problem]);

describe('extractVariables', () => {
  it('finds placeholders, unique and numerically sorted', () => {
    expect(extractVariables(SANDBOX)).toEqual(['1', '2']);
    expect(extractVariables('{{ 2 }} and {{1}} and {{2}} again')).toEqual(['1', '2']);
    expect(extractVariables('{{10}} {{2}} {{1}} {{9}}')).toEqual(['1', '2', '9', '10']);
    expect(extractVariables('{{\t3\n}}')).toEqual(['3']);
  });

  it('ignores things that are not placeholders', () => {
    expect(extractVariables('')).toEqual([]);
    expect(extractVariables('no variables here')).toEqual([]);
    expect(extractVariables('{{name}} {1} {{}} {{ }} {{1.5}} {{-1}} { {1} }')).toEqual([]);
    expect(extractVariables('<b>{{1}}</b> <script>{{2}}</script>')).toEqual(['1', '2']);
    expect(extractVariables(null as unknown as string)).toEqual([]);
  });

  it('handles nested and adjacent braces', () => {
    expect(extractVariables('{{{1}}}')).toEqual(['1']);
    expect(extractVariables('{{1}}{{2}}')).toEqual(['1', '2']);
  });

  it('is fast on huge bodies', () => {
    const started = Date.now();
    expect(extractVariables('{{'.repeat(200_000) + '{{1}}' + '}}'.repeat(200_000))).toEqual(['1']);
    expect(extractVariables('{{ '.repeat(100_000))).toEqual([]);
    expect(extractVariables('{{1}} '.repeat(100_000))).toEqual(['1']);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('validateVariables', () => {
  it('accepts complete, clean values', () => {
    expect(validateVariables(['1', '2'], { 1: '12/1', 2: '3pm' })).toEqual([]);
    expect(validateVariables([], {})).toEqual([]);
    expect(validateVariables(['1'], { 1: 'four    spaces ok' })).toEqual([]);
    expect(validateVariables(['1'], { 1: 'x'.repeat(1024) })).toEqual([]);
    expect(validateVariables(['1'], { 1: 'Olá 😀 <b>hi</b>' })).toEqual([]);
  });

  it('reports missing and blank values', () => {
    expect(problems(['1', '2', '3'], { 1: 'ok', 3: '   ' })).toEqual([['2', 'missing'], ['3', 'empty']]);
    expect(problems(['1'], { 1: '' })).toEqual([['1', 'empty']]);
    expect(problems(['1'], { 1: '\u00a0\u2003' })).toEqual([['1', 'empty']]);
    expect(problems(['1'], { 1: undefined })).toEqual([['1', 'missing']]);
  });

  it('reports line breaks, tabs, runs of spaces and over-long values', () => {
    expect(problems(['1'], { 1: 'a\nb' })).toEqual([['1', 'newline']]);
    expect(problems(['1'], { 1: 'a\r\nb' })).toEqual([['1', 'newline']]);
    expect(problems(['1'], { 1: 'a\tb' })).toEqual([['1', 'newline']]);
    expect(problems(['1'], { 1: 'a     b' })).toEqual([['1', 'too_many_spaces']]);
    expect(problems(['1'], { 1: 'x'.repeat(1025) })).toEqual([['1', 'too_long']]);
    expect(problems(['1'], { 1: 'a\n     b' + 'x'.repeat(1100) })).toEqual([
      ['1', 'newline'], ['1', 'too_many_spaces'], ['1', 'too_long'],
    ]);
  });

  it('reports values for keys the template does not have', () => {
    expect(problems(['1'], { 1: 'a', 3: 'c', 2: 'b' })).toEqual([['2', 'unknown'], ['3', 'unknown']]);
    expect(problems(['1'], { 1: 'a', 2: undefined })).toEqual([]); // an unset field is not a value
  });

  it('writes English messages that name the variable', () => {
    const [issue] = validateVariables(['1'], {});
    expect(issue).toEqual({ key: '1', problem: 'missing', message: expect.stringContaining('{{1}}') });
    for (const i of validateVariables(['1', '2', '3', '4', '5'], { 1: '', 2: 'a\nb', 3: 'a      b', 4: 'x'.repeat(2000), 9: 'z' })) {
      expect(i.message.length).toBeGreaterThan(10);
      expect(i.message).toMatch(/^[A-Z]/);
    }
  });

  it('is not fooled by prototype keys or non-string values', () => {
    expect(problems(['constructor'], {})).toEqual([['constructor', 'missing']]);
    expect(problems(['1'], JSON.parse('{"__proto__": "x", "1": "ok"}'))).toEqual([['__proto__', 'unknown']]);
    expect(problems(['1'], { 1: 42 as unknown as string })).toEqual([['1', 'missing']]);
  });
});

describe('renderTemplate', () => {
  it('substitutes known values', () => {
    expect(renderTemplate(SANDBOX, { 1: '12/1', 2: '3pm' })).toBe('Your appointment is coming up on 12/1 at 3pm');
    expect(renderTemplate('Hi {{ 1 }}!', { 1: 'Ana' })).toBe('Hi Ana!');
    expect(renderTemplate('{{1}} {{1}}', { 1: 'x' })).toBe('x x');
  });

  it('leaves placeholders without a value', () => {
    expect(renderTemplate(SANDBOX, { 1: '12/1' })).toBe('Your appointment is coming up on 12/1 at {{2}}');
    expect(renderTemplate(SANDBOX, {})).toBe(SANDBOX);
    expect(renderTemplate('{{ 2 }}', {})).toBe('{{ 2 }}');
  });

  it('ignores extra values and prototype keys', () => {
    expect(renderTemplate('Hi {{1}}', { 1: 'Ana', 2: 'unused' })).toBe('Hi Ana');
    expect(renderTemplate('{{1}}', Object.create({ 1: 'inherited' }) as Record<string, string>)).toBe('{{1}}');
  });

  it('inserts values literally: no replacement patterns, no recursion, HTML untouched', () => {
    expect(renderTemplate('{{1}}', { 1: '$& $1 $$ $`' })).toBe('$& $1 $$ $`');
    expect(renderTemplate('{{1}} {{2}}', { 1: '{{2}}', 2: 'two' })).toBe('{{2}} two');
    expect(renderTemplate('{{1}}', { 1: '<img src=x onerror=alert(1)>' })).toBe('<img src=x onerror=alert(1)>');
  });

  it('handles empty and hostile bodies', () => {
    expect(renderTemplate('', { 1: 'x' })).toBe('');
    expect(renderTemplate(undefined as unknown as string, {})).toBe('');
    const huge = '{{1}}'.repeat(100_000);
    expect(renderTemplate(huge, { 1: 'ab' })).toBe('ab'.repeat(100_000));
  });
});

describe('renderedLength', () => {
  it('measures the message WhatsApp would check', () => {
    expect(MAX_TEMPLATE_LENGTH).toBe(1024);
    expect(renderedLength(SANDBOX, { 1: '12/1', 2: '3pm' })).toBe('Your appointment is coming up on 12/1 at 3pm'.length);
    expect(renderedLength('{{1}}', { 1: 'x'.repeat(1020) })).toBe(1020);
    expect(renderedLength('Hi {{1}}', { 1: 'x'.repeat(1024) }) > MAX_TEMPLATE_LENGTH).toBe(true);
    expect(renderedLength('', {})).toBe(0);
  });
});
