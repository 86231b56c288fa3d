/**
 * The relay's one error type. Every refusal is a RelayError with a code from the contract; one
 * onError turns it into `{error: {code, message}}` with the code's HTTP status.
 */
import { ERROR_CODES, type ErrorCode } from '../shared/api.ts';

export interface RelayErrorDetails {
  twilioCode?: number;
  issues?: { path: string; message: string }[];
  /** 'unknown': Twilio may have created the message although the call failed (see gateway.ts). */
  sendOutcome?: 'unknown';
}

export class RelayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: RelayErrorDetails;

  constructor(code: ErrorCode, message: string, details: RelayErrorDetails = {}) {
    super(message);
    this.name = 'RelayError';
    this.code = code;
    this.status = ERROR_CODES[code];
    this.details = details;
  }

  toJSON(): { error: { code: ErrorCode; message: string } & RelayErrorDetails } {
    // sendOutcome steers the relay's own handling (send-message.ts); it is not part of the answer.
    const { sendOutcome: _internal, ...shown } = this.details;
    return { error: { code: this.code, message: this.message, ...shown } };
  }
}
