import { describe, it, expect } from 'vitest';
import { parseWhatsAppFormat, plainText, type FormatNode } from './whatsapp-format.ts';

const t = (text: string): FormatNode => ({ type: 'text', text });
const b = (...children: FormatNode[]): FormatNode => ({ type: 'bold', children });
const i = (...children: FormatNode[]): FormatNode => ({ type: 'italic', children });
const s = (...children: FormatNode[]): FormatNode => ({ type: 'strike', children });
const nl: FormatNode = { type: 'newline' };
const parse = parseWhatsAppFormat;

describe('parseWhatsAppFormat', () => {
  it('parses each style', () => {
    expect(parse('*bold*')).toEqual([b(t('bold'))]);
    expect(parse('_italic_')).toEqual([i(t('italic'))]);
    expect(parse('~strike~')).toEqual([s(t('strike'))]);
    expect(parse('```mono```')).toEqual([{ type: 'mono', text: 'mono' }]);
    expect(parse('`code`')).toEqual([{ type: 'code', text: 'code' }]);
  });

  it('parses styles within text', () => {
    expect(parse('Hello *world*, how _are_ you?')).toEqual([
      t('Hello '), b(t('world')), t(', how '), i(t('are')), t(' you?'),
    ]);
    expect(parse('*a* and *b*')).toEqual([b(t('a')), t(' and '), b(t('b'))]);
    expect(parse('(*bold*)')).toEqual([t('('), b(t('bold')), t(')')]);
    expect(parse('*two words*')).toEqual([b(t('two words'))]);
  });

  it('requires markers to hug non-space text', () => {
    expect(parse('* not bold*')).toEqual([t('* not bold*')]);
    expect(parse('*not bold *')).toEqual([t('*not bold *')]);
    expect(parse('_ x _')).toEqual([t('_ x _')]);
    expect(parse('**')).toEqual([t('**')]);
    expect(parse('*')).toEqual([t('*')]);
  });

  it('requires markers at word boundaries', () => {
    expect(parse('a*b*c')).toEqual([t('a*b*c')]);
    expect(parse('2*3*4')).toEqual([t('2*3*4')]);
    expect(parse('snake_case_name')).toEqual([t('snake_case_name')]);
    expect(parse('*bold*text')).toEqual([t('*bold*text')]);
    expect(parse('word*bold*')).toEqual([t('word*bold*')]);
    expect(parse('~5 min ~10 min')).toEqual([t('~5 min ~10 min')]);
    expect(parse('https://example.com/a_b_c')).toEqual([t('https://example.com/a_b_c')]);
    // punctuation is a boundary, as in WhatsApp
    expect(parse('x=*y*')).toEqual([t('x='), b(t('y'))]);
  });

  it('allows nesting of different styles', () => {
    expect(parse('*_bold italic_*')).toEqual([b(i(t('bold italic')))]);
    expect(parse('~*_all three_*~')).toEqual([s(b(i(t('all three'))))]);
    expect(parse('*bold _and italic_ here*')).toEqual([b(t('bold '), i(t('and italic')), t(' here'))]);
    expect(parse('*a `code` b*')).toEqual([b(t('a '), { type: 'code', text: 'code' }, t(' b'))]);
  });

  it('keeps unmatched or crossing markers as text', () => {
    expect(parse('*unclosed')).toEqual([t('*unclosed')]);
    expect(parse('closed*')).toEqual([t('closed*')]);
    expect(parse('`unclosed')).toEqual([t('`unclosed')]);
    expect(parse('```unclosed')).toEqual([t('```unclosed')]);
    expect(parse('*a _b* c_')).toEqual([b(t('a _b')), t(' c_')]);
    expect(parse('*a *b* c*')).toEqual([b(t('a *b')), t(' c*')]);
  });

  it('does not let styles or inline code span lines', () => {
    expect(parse('*line one\nline two*')).toEqual([t('*line one'), nl, t('line two*')]);
    expect(parse('`a\nb`')).toEqual([t('`a'), nl, t('b`')]);
  });

  it('lets ```mono``` span lines and keeps its content literal', () => {
    expect(parse('```line 1\n*not bold*```')).toEqual([{ type: 'mono', text: 'line 1\n*not bold*' }]);
    expect(parse('see ```x``` and ```y```')).toEqual([
      t('see '), { type: 'mono', text: 'x' }, t(' and '), { type: 'mono', text: 'y' },
    ]);
    expect(parse('``````')).toEqual([t('``````')]);
    expect(parse('``` ```')).toEqual([t('``` ```')]);
  });

  it('turns newlines into nodes', () => {
    expect(parse('a\nb')).toEqual([t('a'), nl, t('b')]);
    expect(parse('a\r\nb')).toEqual([t('a'), nl, t('b')]);
    expect(parse('\n\n')).toEqual([nl, nl]);
    expect(parse('*a*\n_b_')).toEqual([b(t('a')), nl, i(t('b'))]);
  });

  it('keeps HTML as literal text', () => {
    expect(parse('<b>hi</b>')).toEqual([t('<b>hi</b>')]);
    expect(parse('*<script>alert(1)</script>*')).toEqual([b(t('<script>alert(1)</script>'))]);
    expect(parse('<img src=x onerror="alert(1)">')).toEqual([t('<img src=x onerror="alert(1)">')]);
    expect(parse('&lt;b&gt;')).toEqual([t('&lt;b&gt;')]);
  });

  it('handles emoji and non-Latin scripts', () => {
    expect(parse('😀*bold*😀')).toEqual([t('😀'), b(t('bold')), t('😀')]);
    expect(parse('*olá* _ça va_')).toEqual([b(t('olá')), t(' '), i(t('ça va'))]);
    expect(parse('日本*語*')).toEqual([t('日本*語*')]); // letters on the left: not a boundary
    expect(parse('*👍🏽*')).toEqual([b(t('👍🏽'))]);
  });

  it('handles empty and non-string input', () => {
    expect(parse('')).toEqual([]);
    expect(parse(null as unknown as string)).toEqual([]);
  });

  it('stays linear-ish on hostile input', () => {
    const cases = [
      '* '.repeat(100_000),
      '*a '.repeat(100_000),
      '*_~'.repeat(100_000) + 'x' + '~_*'.repeat(100_000),
      '`'.repeat(200_000),
      '```'.repeat(100_000),
      'x'.repeat(1_000_000),
      '\n'.repeat(200_000),
    ];
    const started = Date.now();
    for (const input of cases) {
      const nodes = parse(input);
      expect(plainText(nodes).replace(/[*_~`]/g, '').length).toBeLessThanOrEqual(input.length);
    }
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe('plainText', () => {
  it('drops the markers and keeps the words', () => {
    expect(plainText(parse('Hello *world*, _how_ ~are~ `you` ```today```?'))).toBe('Hello world, how are you today?');
    expect(plainText(parse('*_x_*\ny'))).toBe('x\ny');
    expect(plainText([])).toBe('');
  });

  it('round-trips text without formatting', () => {
    for (const text of ['plain', 'a*b*c', '* not bold*', '<b>html</b>', 'a\nb', '2*3*4 = 24']) {
      expect(plainText(parse(text))).toBe(text);
    }
  });
});
