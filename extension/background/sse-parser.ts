/**
 * A small Server-Sent Events parser (the WHATWG "event stream interpretation"), fed with text chunks
 * that may split lines anywhere, including between a CR and its LF.
 */

export interface SseMessage {
  /** The `event:` field, 'message' when absent. */
  event: string;
  data: string;
  /** The last event id seen so far on this stream (it persists across events, as in EventSource). */
  id: string | undefined;
  /** A `retry:` value received with or before this event, in ms. */
  retry?: number;
}

export interface SseHandlers {
  onMessage(message: SseMessage): void;
  /** Comment lines (": ping"), without the colon and the one leading space. */
  onComment?(text: string): void;
  onRetry?(ms: number): void;
}

export class SseParser {
  private buffer = '';
  private sawCR = false;
  private started = false;
  private data: string[] = [];
  private eventType = '';
  private lastEventId: string | undefined;
  private retry: number | undefined;

  constructor(private readonly handlers: SseHandlers) {}

  /** The id to send back as Last-Event-ID when reconnecting. */
  get lastId(): string | undefined {
    return this.lastEventId;
  }

  push(chunk: string): void {
    if (chunk === '') return;
    let text = chunk;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.sawCR && text.startsWith('\n')) text = text.slice(1); // the LF of a CRLF split across chunks
    this.sawCR = false;
    this.buffer += text;

    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const ch = this.buffer.charCodeAt(i);
      if (ch !== 0x0a && ch !== 0x0d) continue;
      this.line(this.buffer.slice(start, i));
      if (ch === 0x0d) {
        if (i + 1 < this.buffer.length) {
          if (this.buffer.charCodeAt(i + 1) === 0x0a) i++;
        } else {
          this.sawCR = true;
        }
      }
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
  }

  /** At end of stream: a final event without its blank line is discarded, as the spec says. */
  end(): void {
    this.buffer = '';
    this.data = [];
    this.eventType = '';
    this.sawCR = false;
  }

  private line(line: string): void {
    if (line === '') {
      this.dispatch();
      return;
    }
    if (line.startsWith(':')) {
      const text = line.slice(1);
      this.handlers.onComment?.(text.startsWith(' ') ? text.slice(1) : text);
      return;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.eventType = value;
        break;
      case 'data':
        this.data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) {
          this.retry = Number(value);
          this.handlers.onRetry?.(this.retry);
        }
        break;
      default:
        break; // unknown fields are ignored
    }
  }

  private dispatch(): void {
    if (this.data.length === 0) {
      this.eventType = '';
      return;
    }
    const message: SseMessage = {
      event: this.eventType || 'message',
      data: this.data.join('\n'),
      id: this.lastEventId,
      ...(this.retry !== undefined ? { retry: this.retry } : {}),
    };
    this.data = [];
    this.eventType = '';
    this.handlers.onMessage(message);
  }
}
