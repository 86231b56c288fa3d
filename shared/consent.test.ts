import { describe, it, expect } from 'vitest';
import { matchConsentKeyword, OPT_OUT_KEYWORDS, OPT_IN_KEYWORDS, type KeywordKind } from './consent.ts';

const kindOf = (body: string | null | undefined): KeywordKind | null => matchConsentKeyword(body)?.kind ?? null;

describe('matchConsentKeyword: opt-out', () => {
  it.each([
    // en
    'STOP', 'stop', 'Stop', 'STOPALL', 'stop all', 'UNSUBSCRIBE', 'cancel', 'END', 'quit', 'OPTOUT', 'opt out', 'Opt-Out', 'revoke',
    // es
    'PARAR', 'baja', 'Darse de baja', 'CANCELAR', 'detener', 'alto',
    // pt
    'sair', 'DESCADASTRAR', 'não quero', 'NAO QUERO', 'nao quero mais',
    // fr
    'ARRET', 'arrêt', 'Arrêt', 'DESABONNER', 'désabonner',
    // de
    'STOPP', 'abmelden', 'Ende', 'AUS',
  ])('%j → opt_out', (body) => {
    expect(kindOf(body)).toBe('opt_out');
  });

  it('tolerates surrounding whitespace, punctuation and emoji', () => {
    for (const body of [
      '  Stop! ', 'STOP.', 'stop!!!', 'Stop?', '¡Baja!', '¿Parar?', '\n\tstop\n', 'Stop 🛑', '🛑STOP🛑', '✋🏽 stop',
      'stop 👍🏻', 'STOP…', '"STOP"', 'opt   out', 'darse  de   baja', 'S\u200bTOP', 'ＳＴＯＰ', 'stop\u00a0',
    ]) {
      expect(kindOf(body), JSON.stringify(body)).toBe('opt_out');
    }
  });

  it('reports the canonical keyword and language', () => {
    expect(matchConsentKeyword('  Stop! ')).toEqual({ kind: 'opt_out', keyword: 'STOP', language: 'en' });
    expect(matchConsentKeyword('PARAR')).toEqual({ kind: 'opt_out', keyword: 'PARAR', language: 'es' });
    expect(matchConsentKeyword('arret')).toEqual({ kind: 'opt_out', keyword: 'ARRÊT', language: 'fr' });
    expect(matchConsentKeyword('Nao quero')).toEqual({ kind: 'opt_out', keyword: 'NÃO QUERO', language: 'pt' });
    expect(matchConsentKeyword('stopp')).toEqual({ kind: 'opt_out', keyword: 'STOPP', language: 'de' });
  });

  it('returns a fresh object each time (callers may mutate it)', () => {
    const a = matchConsentKeyword('stop');
    const b = matchConsentKeyword('stop');
    expect(a).not.toBe(b);
    if (a !== null) a.keyword = 'changed';
    expect(matchConsentKeyword('stop')?.keyword).toBe('STOP');
  });
});

describe('matchConsentKeyword: opt-in', () => {
  it.each(['START', 'start', 'Unstop', 'SUBSCRIBE', 'opt in', 'opt-in', 'ALTA', 'suscribir', 'VOLTAR', 'assinar', 'démarrer',
    'DEMARRER', 'anmelden', 'Start!'])('%j → opt_in', (body) => {
    expect(kindOf(body)).toBe('opt_in');
  });
});

describe('matchConsentKeyword: not keywords', () => {
  it.each([
    'stop by tomorrow', 'please stop calling me at work', 'Can you stop?', "don't stop", 'STOP STOP', 'stopped', 'stops', 'nonstop',
    'S T O P', 'st op', 'restart', 'start tomorrow?', 'end of the month', 'the end', 'quitter',
    // ordinary replies that must never change consent
    'yes', 'YES', 'Sí', 'si', 'oui', 'ja', 'no', 'NO', 'não', 'nein', 'non', 'ok', 'OK', 'fin', 'Fin', 'thanks', 'obrigado',
    'iniciar', 'hola', '1', '👍', '🛑', '...', '',
    // hostile
    '<b>STOP</b>', '<script>STOP</script>', 'STOP<br>', 'javascript:STOP',
  ])('%j → null', (body) => {
    expect(matchConsentKeyword(body)).toBeNull();
  });

  it('handles null, undefined and non-strings', () => {
    expect(matchConsentKeyword(null)).toBeNull();
    expect(matchConsentKeyword(undefined)).toBeNull();
    expect(matchConsentKeyword(42 as unknown as string)).toBeNull();
  });

  it('gives up quickly on huge messages, even keyword-shaped ones', () => {
    const started = Date.now();
    expect(matchConsentKeyword(' '.repeat(1_000_000) + 'STOP')).toBeNull();
    expect(matchConsentKeyword('STOP' + '!'.repeat(1_000_000))).toBeNull();
    expect(matchConsentKeyword('🛑'.repeat(500_000))).toBeNull();
    expect(Date.now() - started).toBeLessThan(200);
  });
});

describe('keyword tables', () => {
  it('list the spec minimums per language', () => {
    expect(OPT_OUT_KEYWORDS.en).toEqual(expect.arrayContaining(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'OPTOUT',
      'OPT OUT', 'STOP ALL']));
    expect(OPT_OUT_KEYWORDS.es).toEqual(expect.arrayContaining(['PARAR', 'BAJA', 'DARSE DE BAJA', 'CANCELAR', 'DETENER', 'ALTO']));
    expect(OPT_OUT_KEYWORDS.pt).toEqual(expect.arrayContaining(['PARAR', 'SAIR', 'CANCELAR', 'DESCADASTRAR', 'NÃO QUERO']));
    expect(OPT_OUT_KEYWORDS.fr).toEqual(expect.arrayContaining(['STOP', 'ARRÊT', 'DÉSABONNER']));
    expect(OPT_OUT_KEYWORDS.de).toEqual(expect.arrayContaining(['STOPP', 'ABMELDEN', 'ENDE', 'AUS']));
    expect(OPT_IN_KEYWORDS.en).toEqual(expect.arrayContaining(['START', 'UNSTOP', 'SUBSCRIBE', 'OPT IN']));
    expect(OPT_IN_KEYWORDS.es).toEqual(expect.arrayContaining(['ALTA', 'SUSCRIBIR']));
    expect(OPT_IN_KEYWORDS.pt).toEqual(expect.arrayContaining(['VOLTAR', 'ASSINAR']));
    expect(OPT_IN_KEYWORDS.fr).toEqual(expect.arrayContaining(['DÉMARRER']));
    expect(OPT_IN_KEYWORDS.de).toEqual(expect.arrayContaining(['ANMELDEN', 'START']));
  });

  it('never lists a word both ways or an ambiguous reply', () => {
    const norm = (s: string) => s.normalize('NFKD').replace(/\p{M}/gu, '').toUpperCase();
    const outs = new Set(Object.values(OPT_OUT_KEYWORDS).flat().map(norm));
    const ins = new Set(Object.values(OPT_IN_KEYWORDS).flat().map(norm));
    for (const w of ins) expect(outs.has(w), w).toBe(false);
    for (const w of ['YES', 'NO', 'OK', 'FIN', 'SI', 'OUI', 'JA', 'NEIN', 'NAO', 'INICIAR']) {
      expect(outs.has(w) || ins.has(w), w).toBe(false);
    }
  });

  it('every listed keyword matches itself, in lower case too', () => {
    for (const [kind, table] of [['opt_out', OPT_OUT_KEYWORDS], ['opt_in', OPT_IN_KEYWORDS]] as const) {
      for (const words of Object.values(table)) {
        for (const w of words) {
          expect(kindOf(w), w).toBe(kind);
          expect(kindOf(w.toLowerCase()), w).toBe(kind);
        }
      }
    }
  });

  it('is frozen', () => {
    expect(Object.isFrozen(OPT_OUT_KEYWORDS)).toBe(true);
    expect(Object.isFrozen(OPT_OUT_KEYWORDS.en)).toBe(true);
    expect(Object.isFrozen(OPT_IN_KEYWORDS.de)).toBe(true);
  });
});
