import { describe, expect, it } from 'vitest';
import { displayUrl, sameWebhookUrl, webhookUrls } from './webhook-urls.ts';

describe('webhookUrls', () => {
  it('appends the relay routes to PUBLIC_URL, prefix included', () => {
    expect(webhookUrls('https://relay.example.com')).toEqual({
      inbound: 'https://relay.example.com/twilio/inbound',
      status: 'https://relay.example.com/twilio/status',
      fallback: 'https://relay.example.com/twilio/fallback',
    });
    expect(webhookUrls('https://example.com/relay/').inbound).toBe('https://example.com/relay/twilio/inbound');
  });
});

describe('sameWebhookUrl', () => {
  const expected = 'https://relay.example.com/twilio/inbound';
  it.each([
    ['identical', expected],
    ['host case', 'https://Relay.Example.COM/twilio/inbound'],
    ['the default port spelled out', 'https://relay.example.com:443/twilio/inbound'],
    ['a query string (signed as received)', 'https://relay.example.com/twilio/inbound?src=wa'],
    ['connection overrides in a fragment', 'https://relay.example.com/twilio/inbound#rc=3&ct=2000'],
    ['surrounding spaces pasted into the console', `  ${expected} `],
  ])('matches with %s', (_name, actual) => {
    expect(sameWebhookUrl(expected, actual)).toBe(true);
  });

  it.each([
    ['http instead of https', 'http://relay.example.com/twilio/inbound'],
    ['a trailing slash', 'https://relay.example.com/twilio/inbound/'],
    ['another path', 'https://relay.example.com/twilio/status'],
    ['path case', 'https://relay.example.com/Twilio/inbound'],
    ['another host', 'https://old.example.com/twilio/inbound'],
    ['another port', 'https://relay.example.com:8443/twilio/inbound'],
    ['credentials the relay does not sign with', 'https://u:p@relay.example.com/twilio/inbound'],
    ['nothing', null],
    ['an empty string', ''],
    ['not a URL', 'relay.example.com/twilio/inbound'],
  ])('does not match with %s', (_name, actual) => {
    expect(sameWebhookUrl(expected, actual)).toBe(false);
  });
});

describe('displayUrl', () => {
  it('masks a Basic-auth password and leaves other URLs alone', () => {
    expect(displayUrl('https://user:s3cret@hooks.example.com/in')).toBe('https://user:***@hooks.example.com/in');
    expect(displayUrl('https://hooks.example.com/in?a=1')).toBe('https://hooks.example.com/in?a=1');
    expect(displayUrl('not a url')).toBe('not a url');
  });
});
