/**
 * WhatsApp's lightweight formatting (*bold*, _italic_, ~strike~, ```mono```, `code`) parsed into a tree the panel
 * renders as elements with text children. Nothing here produces HTML: message bodies come from strangers, so the
 * only safe output is data that the UI turns into text nodes.
 */

export type FormatNode =
  | { type: 'text'; text: string }
  | { type: 'bold' | 'italic' | 'strike'; children: FormatNode[] }
  | { type: 'mono'; text: string }
  | { type: 'code'; text: string }
  | { type: 'newline' };

type Style = 'bold' | 'italic' | 'strike';

const STYLE_OF: Readonly<Record<string, Style>> = Object.freeze({ '*': 'bold', '_': 'italic', '~': 'strike' });
const MARKERS = Object.keys(STYLE_OF);
const FENCE = '```';

const SPECIAL_RE = /[*_~`\n\r]/g;
const WORD_RE = /^[\p{L}\p{N}]$/u;
const SPACE_RE = /^\s$/u;

/** The whole code point that ends just before `i` / starts at `i` (so emoji and astral letters count as one). */
function charBefore(text: string, i: number): string {
  if (i <= 0) return '';
  const cp = text.codePointAt(i - 1) ?? 0;
  if (cp >= 0xdc00 && cp <= 0xdfff && i >= 2) return String.fromCodePoint(text.codePointAt(i - 2) ?? cp);
  return String.fromCodePoint(cp);
}
function charAt(text: string, i: number): string {
  if (i >= text.length) return '';
  return String.fromCodePoint(text.codePointAt(i) ?? 0);
}
const isWordChar = (ch: string): boolean => ch !== '' && WORD_RE.test(ch);
const isSpace = (ch: string): boolean => ch !== '' && SPACE_RE.test(ch);
const isBreak = (ch: string | undefined): boolean => ch === '\n' || ch === '\r';

/**
 * Parsed per message. Closing positions are precomputed per marker so an opener finds its closer by binary search:
 * a message of ten thousand stray asterisks must not take quadratic time in the rep's browser.
 */
function createParser(text: string) {
  const n = text.length;

  // A closing marker hugs text on its left and sits at a word boundary on its right ("a*b*c" doesn't close).
  const closers = new Map<string, number[]>(MARKERS.map((m) => [m, []]));
  // nextBreak[i]: index of the first line break at or after i; styles never span lines.
  const nextBreak = new Int32Array(n + 1);
  nextBreak[n] = n;
  for (let i = n - 1; i >= 0; i--) nextBreak[i] = isBreak(text[i]) ? i : (nextBreak[i + 1] ?? n);
  for (let j = 1; j < n; j++) {
    const list = closers.get(text[j] ?? '');
    if (list === undefined) continue;
    const before = charBefore(text, j);
    if (before === '' || isSpace(before) || isWordChar(charAt(text, j + 1))) continue;
    list.push(j);
  }

  function firstAtLeast(list: readonly number[], min: number): number | undefined {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((list[mid] ?? Infinity) < min) lo = mid + 1;
      else hi = mid;
    }
    return list[lo];
  }

  /** Parses text[start, end) with `active` styles already open around it (a style can't nest in itself). */
  function parse(start: number, end: number, active: ReadonlySet<Style>): FormatNode[] {
    const out: FormatNode[] = [];
    let buffer = '';
    const flush = (): void => {
      if (buffer !== '') out.push({ type: 'text', text: buffer });
      buffer = '';
    };

    let i = start;
    while (i < end) {
      const ch = text[i] ?? '';

      if (isBreak(ch)) {
        flush();
        out.push({ type: 'newline' });
        i += ch === '\r' && text[i + 1] === '\n' && i + 1 < end ? 2 : 1;
        continue;
      }

      if (ch === '`') {
        if (text.startsWith(FENCE, i)) {
          // ```mono``` may span lines and holds plain text only.
          const close = text.indexOf(FENCE, i + FENCE.length);
          if (close !== -1 && close + FENCE.length <= end && text.slice(i + FENCE.length, close).trim() !== '') {
            flush();
            out.push({ type: 'mono', text: text.slice(i + FENCE.length, close) });
            i = close + FENCE.length;
          } else {
            buffer += FENCE;
            i += FENCE.length;
          }
          continue;
        }
        // `inline code` stays on one line and holds plain text only.
        const close = text.indexOf('`', i + 1);
        if (close !== -1 && close < end && close < (nextBreak[i] ?? n) && text.slice(i + 1, close).trim() !== '') {
          flush();
          out.push({ type: 'code', text: text.slice(i + 1, close) });
          i = close + 1;
        } else {
          buffer += ch;
          i += 1;
        }
        continue;
      }

      const style = STYLE_OF[ch];
      if (style !== undefined && !active.has(style) && isOpener(i, end)) {
        const close = firstAtLeast(closers.get(ch) ?? [], i + 2);
        if (close !== undefined && close < end && close < (nextBreak[i] ?? n)) {
          flush();
          const inner = new Set(active).add(style);
          out.push({ type: style, children: parse(i + 1, close, inner) });
          i = close + 1;
          continue;
        }
      }

      // Plain run: copy up to the next character that could start something, in one slice.
      SPECIAL_RE.lastIndex = i + 1;
      const next = SPECIAL_RE.exec(text)?.index ?? end;
      const stop = Math.min(next, end);
      buffer += text.slice(i, stop);
      i = stop;
    }
    flush();
    return out;
  }

  /** An opening marker sits at a word boundary on its left and hugs text on its right ("* not bold*" doesn't open). */
  function isOpener(i: number, end: number): boolean {
    if (i + 1 >= end) return false;
    const after = charAt(text, i + 1);
    return !isWordChar(charBefore(text, i)) && !isSpace(after);
  }

  return parse;
}

export function parseWhatsAppFormat(text: string): FormatNode[] {
  if (typeof text !== 'string' || text === '') return [];
  return createParser(text)(0, text.length, new Set());
}

/** The text a reader sees, markers removed: for previews, notifications and search. */
export function plainText(nodes: FormatNode[]): string {
  let out = '';
  for (const node of nodes) {
    switch (node.type) {
      case 'text':
      case 'mono':
      case 'code':
        out += node.text;
        break;
      case 'newline':
        out += '\n';
        break;
      default:
        out += plainText(node.children);
    }
  }
  return out;
}
