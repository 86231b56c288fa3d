/**
 * The import boundary: shared/ is pure (no Node built-ins, no browser or extension globals, no I/O, nothing from
 * outside shared/ but zod), because both the extension and the relay load it. This test reads the sources rather
 * than trusting review, and tests its own scanner so a broken scanner can't pass silently.
 */
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const SHARED_DIR = dirname(fileURLToPath(import.meta.url));

/** Packages shared/ may import. Anything else would be bundled into the extension and the relay alike. */
const ALLOWED_PACKAGES = ['zod'];

const FORBIDDEN_GLOBALS: readonly [RegExp, string][] = [
  [/\bchrome\s*\??\.\s*\w/, 'chrome.*'],
  [/\bbrowser\s*\??\.\s*\w/, 'browser.*'],
  [/\bdocument\b/, 'document'],
  [/\bwindow\b/, 'window'],
  [/\bprocess\b/, 'process'],
  // The way around the rules above ("globalThis.chrome"), so it is banned too.
  [/\bglobalThis\b/, 'globalThis'],
  [/\brequire\s*\(/, 'require()'],
];

interface Stripped {
  /** Comments blanked, string and regex literals kept: where import specifiers are read from. */
  withStrings: string;
  /** Comments, string, template and regex literal contents blanked: where identifiers are looked for. */
  codeOnly: string;
}

const KEYWORDS_BEFORE_REGEX = new Set(['return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'new', 'delete', 'void',
  'throw', 'yield', 'await', 'instanceof']);

/**
 * A small TypeScript lexer: enough to tell code from comments, strings, template text and regex literals, so that
 * "the reply window is closed" in a message or "no window here" in a comment isn't mistaken for the global.
 * Newlines are kept in both outputs, so line numbers stay right.
 */
function stripSource(src: string): Stripped {
  let withStrings = '';
  let codeOnly = '';
  const emit = (ch: string, keepInCode: boolean, keepInStrings = true): void => {
    const blank = ch === '\n' ? '\n' : ' ';
    withStrings += keepInStrings ? ch : blank;
    codeOnly += keepInCode ? ch : blank;
  };
  // Each entry is the brace depth inside a template literal's ${ … }.
  const templateStack: number[] = [];
  let lastSignificant = '';
  let lastWord = '';
  let i = 0;

  const readString = (quote: string): void => {
    emit(quote, true);
    i++;
    while (i < src.length && src[i] !== quote && src[i] !== '\n') {
      if (src[i] === '\\') {
        emit(src[i] ?? '', false);
        i++;
      }
      emit(src[i] ?? '', false);
      i++;
    }
    if (i < src.length) {
      emit(src[i] ?? '', true);
      i++;
    }
  };

  /** Template text up to the closing backtick or a `${`; returns true when it stopped at `${`. */
  const readTemplateText = (): boolean => {
    while (i < src.length) {
      const ch = src[i] ?? '';
      if (ch === '\\') {
        emit(ch, false);
        emit(src[i + 1] ?? '', false);
        i += 2;
        continue;
      }
      if (ch === '`') {
        emit(ch, true);
        i++;
        return false;
      }
      if (ch === '$' && src[i + 1] === '{') {
        emit('$', true);
        emit('{', true);
        i += 2;
        return true;
      }
      emit(ch, false);
      i++;
    }
    return false;
  };

  while (i < src.length) {
    const ch = src[i] ?? '';
    const next = src[i + 1] ?? '';
    if (ch === '/' && next === '/') {
      while (i < src.length && src[i] !== '\n') emit(src[i++] ?? '', false, false);
      continue;
    }
    if (ch === '/' && next === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end === -1 ? src.length : end + 2;
      while (i < stop) emit(src[i++] ?? '', false, false);
      continue;
    }
    if (ch === '"' || ch === "'") {
      readString(ch);
      lastSignificant = ch;
      lastWord = '';
      continue;
    }
    if (ch === '`') {
      emit(ch, true);
      i++;
      if (readTemplateText()) templateStack.push(0);
      lastSignificant = '`';
      lastWord = '';
      continue;
    }
    if (templateStack.length > 0 && (ch === '{' || ch === '}')) {
      const depth = templateStack[templateStack.length - 1] ?? 0;
      if (ch === '}' && depth === 0) {
        templateStack.pop();
        emit(ch, true);
        i++;
        if (readTemplateText()) templateStack.push(0);
        lastSignificant = '`';
        continue;
      }
      templateStack[templateStack.length - 1] = depth + (ch === '{' ? 1 : -1);
    }
    if (ch === '/') {
      const regexAllowed = lastSignificant === '' || '(,=:[!&|?{};+-*%<>~^'.includes(lastSignificant)
        || KEYWORDS_BEFORE_REGEX.has(lastWord);
      if (regexAllowed) {
        emit(ch, true);
        i++;
        let inClass = false;
        while (i < src.length && src[i] !== '\n') {
          const c = src[i] ?? '';
          if (c === '\\') {
            emit(c, false);
            emit(src[i + 1] ?? '', false);
            i += 2;
            continue;
          }
          if (c === '[') inClass = true;
          else if (c === ']') inClass = false;
          else if (c === '/' && !inClass) break;
          emit(c, false);
          i++;
        }
        if (i < src.length && src[i] === '/') emit(src[i++] ?? '', true);
        lastSignificant = '/';
        lastWord = '';
        continue;
      }
    }
    emit(ch, true);
    i++;
    if (/\S/.test(ch)) {
      lastSignificant = ch;
      if (/[\w$]/.test(ch)) {
        lastWord = /[\w$]/.test(src[i - 2] ?? '') ? lastWord + ch : ch;
      } else {
        lastWord = '';
      }
    }
  }
  return { withStrings, codeOnly };
}

interface Violation { line: number; problem: string }

const lineOf = (text: string, index: number): number => text.slice(0, index).split('\n').length;

/**
 * Import specifiers, found in the code-only view (so the word "import" inside a string or comment is ignored)
 * and read back from the same offsets of the view that kept string contents.
 */
function importSpecifiers({ withStrings, codeOnly }: Stripped): { spec: string | null; index: number }[] {
  const found: { spec: string | null; index: number }[] = [];
  const patterns = [
    /\b(?:import|export)\b[^'"`;]*?\bfrom\s*(['"])([^'"\n]*)\1/dg,
    /\bimport\s*(['"])([^'"\n]*)\1/dg,
  ];
  for (const re of patterns) {
    for (const m of codeOnly.matchAll(re)) {
      const [from, to] = m.indices?.[2] ?? [0, 0];
      found.push({ spec: withStrings.slice(from, to), index: m.index });
    }
  }
  for (const m of codeOnly.matchAll(/\bimport\s*\(([^)]*)\)/dg)) {
    const [from, to] = m.indices?.[1] ?? [0, 0];
    const literal = /^(['"])([^'"]*)\1$/.exec(withStrings.slice(from, to).trim());
    found.push({ spec: literal === null ? null : (literal[2] ?? ''), index: m.index });
  }
  return found;
}

/** Every boundary violation in one source file of shared/. */
function checkSource(src: string, file: string): Violation[] {
  const stripped = stripSource(src);
  const { withStrings, codeOnly } = stripped;
  const violations: Violation[] = [];
  for (const { spec, index } of importSpecifiers(stripped)) {
    const line = lineOf(withStrings, index);
    if (spec === null) {
      violations.push({ line, problem: 'dynamic import of a computed path' });
    } else if (spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0] ?? '')) {
      violations.push({ line, problem: `imports Node built-in "${spec}"` });
    } else if (spec.startsWith('.')) {
      const target = resolve(dirname(file), spec);
      if (target !== SHARED_DIR && !target.startsWith(SHARED_DIR + sep)) {
        violations.push({ line, problem: `imports "${spec}" from outside shared/` });
      }
    } else if (spec.startsWith('/') || /^[a-z]+:/i.test(spec)) {
      violations.push({ line, problem: `imports absolute or URL path "${spec}"` });
    } else if (!ALLOWED_PACKAGES.some((p) => spec === p || spec.startsWith(`${p}/`))) {
      violations.push({ line, problem: `imports package "${spec}" (only ${ALLOWED_PACKAGES.join(', ')} allowed)` });
    }
  }
  for (const [re, name] of FORBIDDEN_GLOBALS) {
    const global = new RegExp(re.source, 'g');
    for (const m of codeOnly.matchAll(global)) {
      violations.push({ line: lineOf(codeOnly, m.index), problem: `references ${name}` });
    }
  }
  return violations;
}

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) files.push(...sourceFiles(path));
    } else if (/\.(?:ts|tsx|mts|cts)$/.test(entry.name) && !/\.test\.(?:ts|tsx|mts|cts)$/.test(entry.name)
      && !entry.name.endsWith('.d.ts')) {
      files.push(path);
    }
  }
  return files.sort();
}

describe('shared/ import boundary', () => {
  const files = sourceFiles(SHARED_DIR);

  it('finds the shared modules', () => {
    const names = files.map((f) => relative(SHARED_DIR, f));
    for (const expected of ['api.ts', 'events.ts', 'phone.ts', 'consent.ts', 'message-status.ts', 'session-window.ts',
      'templates.ts', 'whatsapp-format.ts', 'twilio-errors.ts']) {
      expect(names).toContain(expected);
    }
    expect(names.some((n) => n.endsWith('.test.ts'))).toBe(false);
  });

  it.each(files.map((f) => [relative(SHARED_DIR, f), f]))('%s is pure', (_name, file) => {
    const violations = checkSource(readFileSync(file, 'utf8'), file);
    expect(violations.map((v) => `line ${v.line}: ${v.problem}`)).toEqual([]);
  });
});

describe('the boundary scanner itself', () => {
  const here = join(SHARED_DIR, 'example.ts');
  const problems = (src: string): string[] => checkSource(src, here).map((v) => v.problem);

  it('flags forbidden imports', () => {
    expect(problems("import { readFileSync } from 'node:fs';")).toEqual(['imports Node built-in "node:fs"']);
    expect(problems('import fs from "fs";')).toEqual(['imports Node built-in "fs"']);
    expect(problems("import { x } from '../relay/x.ts';")).toEqual(['imports "../relay/x.ts" from outside shared/']);
    expect(problems("export * from '../extension/y.ts';")).toEqual(['imports "../extension/y.ts" from outside shared/']);
    expect(problems("import type {\n  A,\n} from '../../etc/z.ts';")).toEqual(['imports "../../etc/z.ts" from outside shared/']);
    expect(problems("import 'node:process';")).toEqual(['imports Node built-in "node:process"']);
    expect(problems("const m = await import('node:path');")).toEqual(['imports Node built-in "node:path"']);
    expect(problems('const m = await import(name);')).toEqual(['dynamic import of a computed path']);
    expect(problems("import preact from 'preact';")).toEqual(['imports package "preact" (only zod allowed)']);
  });

  it('allows zod and paths inside shared/', () => {
    expect(problems("import { z } from 'zod';\nimport { A } from './api.ts';\nimport { B } from './sub/b.ts';")).toEqual([]);
    expect(problems("import { C } from '../shared/c.ts';")).toEqual([]);
    expect(problems("import { z } from 'zod/v4';")).toEqual([]);
  });

  it('flags forbidden globals in code', () => {
    expect(problems('chrome.storage.local.get()')).toEqual(['references chrome.*']);
    expect(problems('browser.runtime.sendMessage(x)')).toEqual(['references browser.*']);
    expect(problems('const el = document.body;')).toEqual(['references document']);
    expect(problems('if (typeof window !== "undefined") {}')).toEqual(['references window']);
    expect(problems('const env = process.env.X;')).toEqual(['references process']);
    expect(problems('const c = globalThis.chrome;')).toEqual(['references globalThis']);
    expect(problems('const t = `${window.location}`;')).toEqual(['references window']);
    expect(problems('const t = `a ${`b ${process.env.X}`} c`;')).toEqual(['references process']);
    expect(problems("const x = require('zod');")).toEqual(['references require()']);
  });

  it('ignores the words in comments, strings, templates and regexes', () => {
    const clean = [
      '// runs without a window or document',
      '/* chrome.storage is for the extension, process.env for the relay */',
      "const msg = 'The 24-hour reply window is closed.';",
      'const msg = "use browser.runtime in the extension";',
      'const t = `the window ${closes} at ${time}; process it later`;',
      'const re = /window|document/g;',
      "const s = 'it\\'s the window';",
      'const q = a / b / c; const windowed = 1; const processed = 2; const SESSION_WINDOW_MS = 3;',
      "const re2 = /[/'\"]window/;",
      "const SOURCES = ['keyword', 'import', 'twilio'] as const;",
      '// import { x } from "node:fs";',
    ];
    for (const line of clean) expect(problems(line), line).toEqual([]);
  });

  it('reports line numbers', () => {
    const [v] = checkSource("const a = 1;\n// window\nconst b = 'window';\nwindow.x = 1;", here);
    expect(v?.line).toBe(4);
  });
});
