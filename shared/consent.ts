/**
 * Consent keywords a contact can send on WhatsApp. Twilio's STOP handling is documented for SMS only, so the
 * relay must recognise opt-outs itself (reference §7); the panel uses the same list to explain what happened.
 *
 * Only a message that is *nothing but* the keyword counts. A false opt-out silently stops a real conversation and
 * a false opt-in sends to someone who said no, so every word here must be one a person would not send as an
 * ordinary reply. That is why "no", "ok", "fin", "yes", "sí", "oui", "ja" are absent: they answer questions.
 */

export type KeywordKind = 'opt_out' | 'opt_in';
export type KeywordLanguage = 'en' | 'es' | 'pt' | 'fr' | 'de';

export interface KeywordMatch {
  kind: KeywordKind;
  /** The keyword as listed below (canonical spelling, accents kept), not as typed. */
  keyword: string;
  language: KeywordLanguage;
}

type KeywordTable = Readonly<Record<KeywordLanguage, readonly string[]>>;

/**
 * Matched case- and accent-insensitively, so one spelling per word is enough ("ARRÊT" also matches "arret").
 * English follows Twilio's SMS defaults (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, OPTOUT, REVOKE), which
 * contacts have learnt to use everywhere. CANCEL/END/QUIT can collide with "reply CANCEL to cancel your booking"
 * flows; templates must not ask for those words as answers.
 */
export const OPT_OUT_KEYWORDS: KeywordTable = Object.freeze({
  en: Object.freeze(['STOP', 'STOPALL', 'STOP ALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'OPTOUT', 'OPT OUT', 'REVOKE']),
  es: Object.freeze(['PARAR', 'BAJA', 'DARSE DE BAJA', 'DAR DE BAJA', 'CANCELAR', 'DETENER', 'ALTO']),
  // "NÃO QUERO" alone is a refusal of the whole channel in practice; "não" alone is an answer, so it is not listed.
  pt: Object.freeze(['PARAR', 'SAIR', 'CANCELAR', 'DESCADASTRAR', 'NÃO QUERO', 'NÃO QUERO MAIS']),
  // "FIN" is deliberately missing: it ends sentences and games as often as subscriptions.
  fr: Object.freeze(['STOP', 'ARRÊT', 'DÉSABONNER']),
  de: Object.freeze(['STOPP', 'ABMELDEN', 'ENDE', 'AUS']),
});

/**
 * Opt-in words are held to a stricter bar than opt-outs: a wrong opt-in makes us message someone who said no.
 * "YES"/"SÍ"/"OUI"/"JA" answer any question, and Spanish "INICIAR" is what menu bots ask people to type to start a
 * conversation, so none of them re-subscribe a contact.
 */
export const OPT_IN_KEYWORDS: KeywordTable = Object.freeze({
  en: Object.freeze(['START', 'UNSTOP', 'SUBSCRIBE', 'OPT IN', 'OPTIN']),
  es: Object.freeze(['ALTA', 'DARSE DE ALTA', 'SUSCRIBIR', 'SUSCRIBIRME']),
  pt: Object.freeze(['VOLTAR', 'ASSINAR']),
  fr: Object.freeze(['DÉMARRER']),
  de: Object.freeze(['ANMELDEN', 'START']),
});

const LANGUAGES: readonly KeywordLanguage[] = ['en', 'es', 'pt', 'fr', 'de'];

/** Longer than any keyword plus generous decoration; anything longer is a sentence, not a keyword. */
const MAX_KEYWORD_MESSAGE_LENGTH = 200;

/** Upper case, no accents, no emoji, no surrounding punctuation, single spaces: the form keywords are compared in. */
function normalizeKeyword(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '') // accents, and the emoji variation selectors/keycaps
    .replace(/[\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}\u200b-\u200d\u2060\ufeff]/gu, '')
    .toUpperCase()
    .replace(/[-_]+/g, ' ') // "opt-out", "opt_out"
    .replace(/\s+/g, ' ')
    .replace(/^[\s.,!¡¿?;:…"'“”«»()]+|[\s.,!¡¿?;:…"'“”«»()]+$/g, '');
}

interface Entry { kind: KeywordKind; keyword: string; language: KeywordLanguage }

const LOOKUP: ReadonlyMap<string, Entry> = (() => {
  const map = new Map<string, Entry>();
  // Opt-out first: when a word were ever listed both ways, stopping is the safe reading.
  for (const [kind, table] of [['opt_out', OPT_OUT_KEYWORDS], ['opt_in', OPT_IN_KEYWORDS]] as const) {
    // Languages in a fixed order, so a word shared by two ("STOP", "PARAR") reports the first listed.
    for (const language of LANGUAGES) {
      for (const keyword of table[language]) {
        const key = normalizeKeyword(keyword);
        if (!map.has(key)) map.set(key, { kind, keyword, language });
      }
    }
  }
  return map;
})();

/** The consent keyword the whole message consists of, or null. "  Stop! " is an opt-out; "stop by tomorrow" isn't. */
export function matchConsentKeyword(body: string | null | undefined): KeywordMatch | null {
  if (typeof body !== 'string' || body.length === 0 || body.length > MAX_KEYWORD_MESSAGE_LENGTH) return null;
  const hit = LOOKUP.get(normalizeKeyword(body));
  return hit === undefined ? null : { ...hit };
}
