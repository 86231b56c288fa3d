import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.ts';

describe('metrics', () => {
  it('renders counters, histograms and gauges in Prometheus text format', () => {
    const m = createMetrics('t');
    m.webhooks.inc({ path: '/twilio/status', outcome: 'applied' });
    m.webhooks.inc({ path: '/twilio/status', outcome: 'applied' });
    m.webhooks.inc({ outcome: 'duplicate', path: '/twilio/status' });
    m.twilioLatency.observe({ operation: 'send' }, 0.2);
    m.twilioLatency.observe({ operation: 'send' }, 3);
    m.gauge('live_clients', 'Open live streams.', () => 7);
    const text = m.render();
    expect(text).toContain('# TYPE t_webhooks_total counter');
    expect(text).toContain('t_webhooks_total{outcome="applied",path="/twilio/status"} 2');
    expect(text).toContain('t_webhooks_total{outcome="duplicate",path="/twilio/status"} 1');
    expect(text).toContain('t_twilio_request_seconds_bucket{operation="send",le="0.25"} 1');
    expect(text).toContain('t_twilio_request_seconds_bucket{operation="send",le="5"} 2');
    expect(text).toContain('t_twilio_request_seconds_bucket{operation="send",le="+Inf"} 2');
    expect(text).toContain('t_twilio_request_seconds_count{operation="send"} 2');
    expect(text).toContain('t_live_clients 7');
    expect(m.webhooks.get({ path: '/twilio/status', outcome: 'applied' })).toBe(2);
  });

  it('escapes label values', () => {
    const m = createMetrics('t');
    m.sends.inc({ kind: 'a"b\\c\nd', outcome: 'x' });
    expect(m.render()).toContain('kind="a\\"b\\\\c\\nd"');
  });
});
