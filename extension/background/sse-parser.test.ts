import { describe, expect, it } from 'vitest';
import { SseParser, type SseMessage } from './sse-parser.ts';

function collect() {
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  const retries: number[] = [];
  const parser = new SseParser({
    onMessage: (m) => messages.push(m),
    onComment: (c) => comments.push(c),
    onRetry: (ms) => retries.push(ms),
  });
  return { parser, messages, comments, retries };
}

/** Feeds `text` to a fresh parser split at every possible pair of points, and checks the result is the same. */
function everySplit(text: string): SseMessage[][] {
  const results: SseMessage[][] = [];
  for (let i = 0; i <= text.length; i++) {
    for (let j = i; j <= text.length; j += 3) {
      const { parser, messages } = collect();
      parser.push(text.slice(0, i));
      parser.push(text.slice(i, j));
      parser.push(text.slice(j));
      results.push(messages);
    }
  }
  return results;
}

describe('SseParser', () => {
  it('parses events with type, id and data', () => {
    const { parser, messages } = collect();
    parser.push('id: 7\nevent: message.inbound\ndata: {"a":1}\n\n');
    expect(messages).toEqual([{ event: 'message.inbound', data: '{"a":1}', id: '7' }]);
  });

  it('joins multi-line data with newlines and defaults the type to message', () => {
    const { parser, messages } = collect();
    parser.push('data: first\ndata:second\ndata:  third\ndata\n\n');
    expect(messages).toEqual([{ event: 'message', data: 'first\nsecond\n third\n', id: undefined }]);
  });

  it('reports comments and never dispatches them', () => {
    const { parser, messages, comments } = collect();
    parser.push(': connected\n\n:ping\n\n');
    expect(messages).toEqual([]);
    expect(comments).toEqual(['connected', 'ping']);
  });

  it('handles chunks split mid-line, mid-field and between CR and LF', () => {
    const text = ': connected\r\n\r\nid: 1\r\nevent: message.status\r\ndata: {"x":"y"}\r\n\r\nid: 2\rdata: two\r\rdata: three\n\n';
    const expected: SseMessage[] = [
      { event: 'message.status', data: '{"x":"y"}', id: '1' },
      { event: 'message', data: 'two', id: '2' },
      { event: 'message', data: 'three', id: '2' },
    ];
    for (const result of everySplit(text)) expect(result).toEqual(expected);
  });

  it('feeds one character at a time', () => {
    const { parser, messages } = collect();
    for (const ch of 'event: a\ndata: 1\n\nevent: b\ndata: 2\n\n') parser.push(ch);
    expect(messages.map((m) => [m.event, m.data])).toEqual([['a', '1'], ['b', '2']]);
  });

  it('keeps the last event id across events and ignores ids with NUL', () => {
    const { parser, messages } = collect();
    parser.push('id: 10\ndata: a\n\ndata: b\n\nid: bad\u0000id\ndata: c\n\nid\ndata: d\n\n');
    expect(messages.map((m) => m.id)).toEqual(['10', '10', '10', '']);
    expect(parser.lastId).toBe('');
  });

  it('resets the event type after each event and skips events without data', () => {
    const { parser, messages } = collect();
    parser.push('event: only-type\n\ndata: x\n\n');
    expect(messages).toEqual([{ event: 'message', data: 'x', id: undefined }]);
  });

  it('reads retry, ignores unknown fields and a leading BOM', () => {
    const { parser, messages, retries } = collect();
    parser.push('\uFEFFretry: 2500\nfoo: bar\nretry: soon\ndata: y\n\n');
    expect(retries).toEqual([2500]);
    expect(messages).toEqual([{ event: 'message', data: 'y', id: undefined, retry: 2500 }]);
  });

  it('discards an unterminated last event at end of stream', () => {
    const { parser, messages } = collect();
    parser.push('data: complete\n\ndata: partial');
    parser.end();
    parser.push('\n\n');
    expect(messages.map((m) => m.data)).toEqual(['complete']);
  });
});
