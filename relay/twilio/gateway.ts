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

export interface TwilioGateway {
  /** true for the embedded simulator: every answer and the panel say so. */
  readonly simulated: boolean;
  /** The sender, e.g. whatsapp:+14155238886, or the Messaging Service sid. */
  readonly sender: string;
  /** true when the sender is Twilio's shared sandbox number. */
  readonly sandbox: boolean;
  /** Throws RelayError('TWILIO_REJECTED' | 'TWILIO_UNAVAILABLE', …, {twilioCode}) when Twilio refuses or fails. */
  send(req: SendRequest): Promise<SendResult>;
  /** Approved WhatsApp templates only (ContentAndApprovals, approval status compared case-insensitively). */
  listApprovedTemplates(): Promise<Template[]>;
  close?(): Promise<void>;
}
