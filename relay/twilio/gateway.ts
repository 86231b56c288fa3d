/**
 * What the relay needs from Twilio. Two implementations: the official SDK (twilio-gateway.ts) and
 * the embedded simulator (simulator.ts). Services only ever see this interface.
 */
import type { MessageStatus, Template } from '../../shared/api.ts';

export interface SendRequest {
  /** whatsapp:+E164 */
  to: string;
  /** Either a template (contentSid + contentVariables) or free-form body, never both. */
  contentSid?: string;
  /** Sent to Twilio as a JSON string. */
  contentVariables?: Record<string, string>;
  body?: string;
  /** PUBLIC_URL + /twilio/status */
  statusCallback: string;
}

export interface SendResult {
  sid: string;
  status: MessageStatus;
}

/** A message as Twilio's Messages list returns it: what the reconciler needs to recognise one of ours. */
export interface SentRecord {
  sid: string;
  status: MessageStatus;
  /** The text Twilio sent (a template's rendered text); null when Twilio shows none. */
  body: string | null;
  /** ISO time Twilio created it. */
  createdAt: string;
}

export interface TwilioGateway {
  /** true for the embedded simulator: every answer and the panel say so. */
  readonly simulated: boolean;
  /** The sender, e.g. whatsapp:+14155238886, or the Messaging Service sid. */
  readonly sender: string;
  /** true when the sender is Twilio's shared sandbox number. */
  readonly sandbox: boolean;
  /**
   * Throws RelayError('TWILIO_REJECTED' | 'TWILIO_UNAVAILABLE' | 'RATE_LIMITED', …, {twilioCode}) when
   * Twilio refuses or fails. `details.sendOutcome === 'unknown'` marks a failure after which Twilio may
   * still have created the message (timeout, cut connection, 5xx): never resend blindly after one.
   */
  send(req: SendRequest): Promise<SendResult>;
  /**
   * Twilio's own record of recent messages to `to` (whatsapp:+E164), created at or after `since`,
   * newest first (at most 50). Asked only when a send's outcome is unknown.
   */
  findRecent(to: string, since: Date): Promise<SentRecord[]>;
  /** Approved WhatsApp templates only (ContentAndApprovals, approval status compared case-insensitively). */
  listApprovedTemplates(): Promise<Template[]>;
  close?(): Promise<void>;
}
