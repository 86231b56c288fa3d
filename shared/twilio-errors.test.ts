import { describe, it, expect } from 'vitest';
import { explainTwilioError, TWILIO_ERRORS } from './twilio-errors.ts';

describe('explainTwilioError', () => {
  it.each([
    [63016, 'The 24-hour reply window is closed. Choose an approved template.'],
    [63015, "This number hasn't joined the sandbox, or its 3 days are up. Ask them to send `join <code>`."],
    [63018, "WhatsApp's sending limit was reached. Try again later."],
    [63017, 'Too many messages at once. Retry in a moment.'],
    [63032, "WhatsApp held back this marketing message. Don't resend it."],
    [63049, "WhatsApp didn't deliver this marketing message. Don't resend it now."],
    [63003, "This number can't be reached on WhatsApp. Check it."],
    [63024, 'WhatsApp says this recipient is invalid.'],
    [63005, 'WhatsApp refused this message.'],
    [63007, 'The WhatsApp sender is misconfigured. Tell an admin.'],
    [63014, 'The contact has blocked this business.'],
    [63021, 'The message content is invalid (media, or too long).'],
    [63027, "This template can't be used. Pick another, or tell an admin."],
    [63028, "This template can't be used. Pick another, or tell an admin."],
    [63029, "This template can't be used. Pick another, or tell an admin."],
    [63030, "This template can't be used. Pick another, or tell an admin."],
    [21211, 'The phone number is not valid.'],
    [21610, 'The contact has unsubscribed.'],
    [20003, "The relay can't sign in to Twilio. Tell an admin."],
    [20429, 'Twilio is busy. Try again.'],
  ])('%d → %s', (code, text) => {
    expect(explainTwilioError(code)).toBe(text);
  });

  it('explains 21408 and 21614 too', () => {
    expect(explainTwilioError(21408)).toMatch(/country/);
    expect(explainTwilioError(21614)).toMatch(/can't receive/);
  });

  it('falls back to the bare code for unknown codes', () => {
    expect(explainTwilioError(12345)).toBe('Twilio reported error 12345.');
    expect(explainTwilioError(0)).toBe('Twilio reported error 0.');
    expect(explainTwilioError(63026)).toBe('Twilio reported error 63026.');
  });

  it('is empty when there is no error', () => {
    expect(explainTwilioError(null)).toBe('');
    expect(explainTwilioError(undefined)).toBe('');
    expect(explainTwilioError(NaN)).toBe('');
    expect(explainTwilioError(Infinity)).toBe('');
    expect(explainTwilioError(1.5)).toBe('');
    expect(explainTwilioError('63016' as unknown as number)).toBe('');
  });

  it('does not read inherited properties', () => {
    expect(explainTwilioError('constructor' as unknown as number)).toBe('');
    expect(explainTwilioError(Number('__proto__'))).toBe('');
  });
});

describe('TWILIO_ERRORS', () => {
  it('flags the codes that mean the contact opted out', () => {
    const optOut = Object.entries(TWILIO_ERRORS).filter(([, v]) => v.optOut === true).map(([k]) => Number(k)).sort();
    expect(optOut).toEqual([21610, 63014]);
  });

  it('flags the codes that are safe to retry', () => {
    const retryable = Object.entries(TWILIO_ERRORS).filter(([, v]) => v.retryable).map(([k]) => Number(k)).sort();
    expect(retryable).toEqual([20429, 63017, 63018]);
  });

  it('has a short, plain sentence for every code', () => {
    for (const [code, info] of Object.entries(TWILIO_ERRORS)) {
      expect(info.explain, code).toMatch(/^[A-Z].*[.!]$/);
      expect(info.explain.length, code).toBeLessThan(120);
      expect(info.explain, code).not.toMatch(/\d{5}/); // the code itself is shown elsewhere
    }
  });

  it('is frozen', () => {
    expect(Object.isFrozen(TWILIO_ERRORS)).toBe(true);
    expect(Object.isFrozen(TWILIO_ERRORS[63016])).toBe(true);
  });
});
