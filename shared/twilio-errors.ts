/**
 * What the rep should be told when Twilio reports an error code, and what the relay should do about it.
 * Wording and meanings follow the Twilio WhatsApp reference §5; codes the reference doesn't cover are marked.
 */

export interface TwilioErrorInfo {
  /** One sentence for the rep: what happened and what to do, without Twilio jargon. */
  explain: string;
  /** Safe to send again automatically or by a retry button: Twilio never processed it, or the limit is momentary. */
  retryable: boolean;
  /** The contact refused messages: the relay records an opt-out so later sends are refused before Twilio is called. */
  optOut?: boolean;
}

const TEMPLATE_UNUSABLE = "This template can't be used. Pick another, or tell an admin.";

export const TWILIO_ERRORS: Readonly<Record<number, Readonly<TwilioErrorInfo>>> = freezeTable({
  63016: { explain: 'The 24-hour reply window is closed. Choose an approved template.', retryable: false },
  63015: {
    explain: "This number hasn't joined the sandbox, or its 3 days are up. Ask them to send `join <code>`.",
    retryable: false,
  },
  63018: { explain: "WhatsApp's sending limit was reached. Try again later.", retryable: true },
  63017: { explain: 'Too many messages at once. Retry in a moment.', retryable: true },
  // Meta's marketing experiments and per-user marketing limits: resending soon only gets refused again.
  63032: { explain: "WhatsApp held back this marketing message. Don't resend it.", retryable: false },
  63049: { explain: "WhatsApp didn't deliver this marketing message. Don't resend it now.", retryable: false },
  63003: { explain: "This number can't be reached on WhatsApp. Check it.", retryable: false },
  63024: { explain: 'WhatsApp says this recipient is invalid.', retryable: false },
  63005: { explain: 'WhatsApp refused this message.', retryable: false },
  63007: { explain: 'The WhatsApp sender is misconfigured. Tell an admin.', retryable: false },
  // Blocked or consent withdrawn: honour it like a STOP (reference §7).
  63014: { explain: 'The contact has blocked this business.', retryable: false, optOut: true },
  63021: { explain: 'The message content is invalid (media, or too long).', retryable: false },
  63027: { explain: TEMPLATE_UNUSABLE, retryable: false },
  63028: { explain: TEMPLATE_UNUSABLE, retryable: false },
  63029: { explain: TEMPLATE_UNUSABLE, retryable: false },
  63030: { explain: TEMPLATE_UNUSABLE, retryable: false },
  21211: { explain: 'The phone number is not valid.', retryable: false },
  // Documented for SMS STOP only, but if Twilio ever reports it the contact has said no.
  21610: { explain: 'The contact has unsubscribed.', retryable: false, optOut: true },
  20003: { explain: "The relay can't sign in to Twilio. Tell an admin.", retryable: false },
  // Never processed by Twilio, so always safe to retry (the relay retries silently first).
  20429: { explain: 'Twilio is busy. Try again.', retryable: true },
  // Not in the reference table; meanings from Twilio's public error dictionary.
  // 21408: the account's geographic permissions don't allow the destination country.
  21408: { explain: "Sending to this country isn't enabled for the Twilio account. Tell an admin.", retryable: false },
  // 21614: the 'To' number is not a mobile number that can receive messages.
  21614: { explain: "This number can't receive messages. Check it.", retryable: false },
} satisfies Record<number, TwilioErrorInfo>);

function freezeTable<T extends Record<number, TwilioErrorInfo>>(table: T): Readonly<T> {
  for (const info of Object.values(table)) Object.freeze(info);
  return Object.freeze(table);
}

/** The rep-facing sentence for a Twilio error code; "" when there is no error. */
export function explainTwilioError(code: number | null | undefined): string {
  if (code === null || code === undefined || typeof code !== 'number' || !Number.isInteger(code)) return '';
  const known = Object.hasOwn(TWILIO_ERRORS, code) ? TWILIO_ERRORS[code] : undefined;
  return known?.explain ?? `Twilio reported error ${code}.`;
}
