/**
 * Hostile input for property tests: the strings and JSON that real edges receive from people, CRMs,
 * copy-paste and attackers (lone surrogates, bidi overrides, NUL, zalgo, emoji sequences, markup,
 * `whatsapp:` spellings, prototype keys, deep nesting, invalid JSON). Shared so the relay fuzz tests
 * and the browser tests feed the same set; `hostileString` and `htmlPayloads` are imported by name
 * elsewhere, so keep those names.
 */
import fc from 'fast-check';

/** Single code units and short sequences that break naive string handling. */
export const UNICODE_EDGES: readonly string[] = [
  '\u0000', // NUL
  '\ud800', // lone high surrogate
  '\udfff', // lone low surrogate
  '\udc00\ud800', // surrogates in the wrong order
  '\u202e', // RIGHT-TO-LEFT OVERRIDE
  '\u200f', // RIGHT-TO-LEFT MARK
  '\u2066\u2069', // bidi isolates
  '\u200b', // zero-width space
  '\u200d', // zero-width joiner
  '\ufeff', // BOM
  '\u2028\u2029', // line and paragraph separators (break JS string literals)
  '\ufffd', // replacement character
  '\uffff', // noncharacter
  '\r\n\t\v\f',
  '\u001b[31m', // ANSI escape
  '😀',
  '👩‍👩‍👧‍👦', // ZWJ family
  '🇧🇷', // regional indicators (a flag)
  '👍🏽', // skin-tone modifier
  'é', // e + combining acute
  'Z̴̡̛̖̭͎̈́̂̑͐a̷̢̛̰̮͌l̶̛̯̀g̸̨̛̈́o̵̧̐', // zalgo: stacked combining marks
  'مرحبا', // Arabic (RTL)
  'שלום', // Hebrew (RTL)
  '١٢٣٤٥٦٧٨٩٠', // Arabic-Indic digits
  '１２３４５', // full-width digits
  'İı', // Turkish dotted/dotless i (case-mapping traps)
  'ß', // upper-cases to two letters
  '%', '%zz', '%E0%A4', '%00', '%2B', '+', '&', '=', '&=&', // form and URL escapes, valid and broken
  "'", '"', '\\', '`', '${x}', '{{x}}', '%s%n', // quoting and template traps
  '../../etc/passwd',
  'NaN', 'Infinity', '-0', '1e400', '0x10', 'null', 'undefined', 'true', '[]', '{}',
  '=cmd|\' /C calc\'!A0', '@SUM(1+1)', '+1-1', // CSV formula injection
];

/** Markup and script payloads: anything that renders one of these as HTML has an injection bug. */
export const HTML_PAYLOADS: readonly string[] = [
  '<script>window.__pwned=1</script>',
  '<img src=x onerror="window.__pwned=1">',
  '<svg onload=window.__pwned=1>',
  '<iframe src="javascript:window.__pwned=1"></iframe>',
  '"><script>window.__pwned=1</script>',
  "'><img src=x onerror=window.__pwned=1>",
  '<a href="javascript:window.__pwned=1">link</a>',
  '<style>*{display:none!important}</style>',
  '<b>bold</b><i>italic</i>',
  '</textarea><script>window.__pwned=1</script>',
  '<!--',
  ']]><![CDATA[',
  '&lt;script&gt;',
  '&#x3C;script&#x3E;',
  '<math><mtext><table><mglyph><style><img src=x onerror=window.__pwned=1>',
  '<template><script>window.__pwned=1</script></template>',
  '<x onmouseover=window.__pwned=1 style="position:fixed;inset:0">',
  '*bold* _italic_ ~strike~ ```mono```', // WhatsApp formatting markers
];

/** One of the HTML/script payloads, now and then wrapped in ordinary text. */
export const htmlPayloads: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HTML_PAYLOADS) },
  { weight: 1, arbitrary: fc.tuple(fc.string({ maxLength: 8 }), fc.constantFrom(...HTML_PAYLOADS), fc.string({ maxLength: 8 })).map(([a, p, b]) => a + p + b) },
);

/** The string with each lone surrogate replaced by U+FFFD (String#toWellFormed, ES2024, in Node ≥ 20). */
export function wellFormed(s: string): string {
  return (s as string & { toWellFormed(): string }).toWellFormed();
}

/** Any UTF-16 code unit, lone surrogates included (fc's 'binary' unit only yields whole code points). */
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n));

/**
 * A short string that is hostile somewhere: edge sequences mixed with ordinary text, raw code units,
 * whole emoji graphemes and markup. Bounded (≤ ~300 UTF-16 units) so it fits every field; use
 * `hugeString` for size.
 */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  // The few code units that break storage and display most often get a branch of their own.
  { weight: 2, arbitrary: fc.tuple(fc.string({ maxLength: 6 }), fc.constantFrom('\u0000', '\ud800', '\udfff', '\u202e', '\ufeff', '\u2028'), fc.string({ maxLength: 6 })).map((parts) => parts.join('')) },
  { weight: 4, arbitrary: fc.array(fc.oneof(fc.constantFrom(...UNICODE_EDGES), fc.string({ maxLength: 6 }), anyCodeUnit), { maxLength: 8 }).map((parts) => parts.join('')) },
  { weight: 2, arbitrary: fc.string({ unit: anyCodeUnit, maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: htmlPayloads },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\t\n', '     ') },
);

/**
 * Phone-shaped text: valid E.164, `whatsapp:` in several spellings, other channels, separators,
 * non-ASCII digits, far too many digits, and plain junk.
 */
export const phoneLike: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '+5511987654321', 'whatsapp:+5511987654321', 'WhatsApp:+5511987654321', 'whatsapp: +5511987654321', ' whatsapp:+5511987654321 ',
    'whatsapp:5511987654321', 'whatsapp:', 'whatsapp:+', 'whatsapp:whatsapp:+5511987654321', 'messenger:1234567890', 'sms:+5511987654321',
    'tel:+5511987654321', '+55 (11) 98765-4321', '+00000000000', '+0', '+', '', '٠٥٥١١٩٨٧٦٥٤٣٢١', '+５５１１９８７６５４３２１', '+5511987654321\u0000',
    '\u202e+5511987654321', '+5511987654321' + '9'.repeat(200), '+1' + '2'.repeat(14), '+1' + '2'.repeat(15),
  ),
  fc.tuple(fc.constantFrom('', '+', 'whatsapp:+', 'WHATSAPP:', 'whatsapp:%2B'), fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 70 })).map(([p, d]) => p + d),
  fc.tuple(fc.constantFrom('whatsapp:+', '+'), hostileString).map(([p, s]) => p + s),
);

/** A string of `size` UTF-16 units built from a repeated hostile fragment (cheap to generate at any size). */
export function hugeString(size: number): fc.Arbitrary<string> {
  return fc.oneof(fc.constantFrom('a', '9', '😀', 'é', '\u0000', '%', '<b>', '\ud800'), hostileString.filter((s) => s.length > 0)).map((unit) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size));
}

/** Keys that reach Object.prototype, or shadow its methods, when code copies objects carelessly. */
export const PROTO_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf', '__defineGetter__', 'isAdmin'];

/** `[[[…]]]` or `{"a":{"a":…}}` nested `depth` deep, as JSON text (JSON.stringify would be the one to overflow). */
export function deepJsonText(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** A JSON value with hostile strings at the leaves and hostile keys in the objects. */
export const hostileJsonValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double(),
    fc.constantFrom(Number.MAX_SAFE_INTEGER + 2, -0, 1e308, 5e-324),
    hostileString,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(hostileString, fc.constantFrom(...PROTO_KEYS)), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/**
 * JSON text with keys JSON.stringify can't produce from an object literal: `__proto__` as an own key
 * (what JSON.parse makes of it, and what a careless merge turns into prototype pollution).
 */
export function withOwnKey(objectJson: string, key: string, valueJson: string): string {
  const inner = objectJson.trim();
  if (!inner.startsWith('{')) return `{${JSON.stringify(key)}:${valueJson}}`;
  const rest = inner.slice(1);
  return `{${JSON.stringify(key)}:${valueJson}${rest.trim() === '}' ? '' : ','}${rest}`;
}

/** Text that is not JSON, or is JSON of a shape no route takes. */
export const notJsonText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', ' ', '{', '}', '{"to":', '{"to":"+5511987654321",}', "{'to':'x'}", '{to:1}', 'undefined', 'NaN', '[1,]', '\u0000', '\ufeff{}', '{"a":1}{"a":2}', '"\\ud800"', '{"\\u0000":1}', '0', '-', '1e999', 'null', 'true', '[]', '""'),
  fc.string({ unit: anyCodeUnit, maxLength: 40 }),
  fc.tuple(fc.nat({ max: 3000 }), fc.constantFrom<'array' | 'object'>('array', 'object')).map(([d, k]) => deepJsonText(d, k)),
);
