/**
 * `npm run bench`: every figure measured in one run on this machine, printed beside its goal and
 * written to test/bench/results.md (which the README shows).
 */
import { cpus } from 'node:os';
import { writeFileSync } from 'node:fs';
import { benchPanelTiming } from './panel-timing.ts';
import { benchReportQueries } from './report-queries.ts';
import { benchWebhookIngest } from './webhook-ingest.ts';

const log = (s: string) => process.stderr.write(`  ${s}\n`);
const rows: [string, string, string, string][] = [];
const add = (what: string, value: string, goal: string, met: boolean | null) => {
  rows.push([what, value, goal, met === null ? '—' : met ? 'met' : 'MISSED']);
  process.stdout.write(`${what}: ${value} (goal ${goal})${met === false ? '  ← MISSED' : ''}\n`);
};

process.stderr.write('webhook ingest (signed status callbacks, durable SQLite write) vs bare node:http\n');
const ingest = await benchWebhookIngest({ log });
add('Webhook ingest, relay req/s', ingest.relay.rps.toFixed(0), '—', null);
add('Webhook ingest, bare node:http req/s', ingest.bare.rps.toFixed(0), '—', null);
add(`Webhook ingest ratio relay / bare node:http (median of ${ingest.rounds} rounds: ${ingest.ratios.map((r) => r.toFixed(2)).join(', ')})`, ingest.ratio.toFixed(3), '≥ 0.5', ingest.ratio >= 0.5);
add('Webhook latency p50 / p99 (ms, 50 connections)', `${ingest.relay.p50} / ${ingest.relay.p99}`, '—', null);
add('Twilio peak 2,000 msg/s × 3 callbacks = 6,000 req/s absorbed', `${(ingest.relay.rps / 6000).toFixed(2)}×`, '≥ 1×', ingest.relay.rps >= 6000);
if (ingest.relay.non2xx || ingest.relay.errors) add('Webhook non-2xx / errors', `${ingest.relay.non2xx} / ${ingest.relay.errors}`, '0', false);
add('Messages whose status the run moved (durable writes checked after)', `${ingest.applied} of ${ingest.messages}`, '—', null);

process.stderr.write('extension: content script size and time to panel (headless Chromium, local relay)\n');
const panel = await benchPanelTiming({ log });
add('Content script injected into every CRM page, gzipped (panel included)', `${(panel.contentScriptGzipBytes / 1024).toFixed(1)} KB (${(panel.contentScriptBytes / 1024).toFixed(0)} KB raw)`, '≤ 30 KB', panel.contentScriptGzipBytes <= 30 * 1024);
if (panel.p50 === null) add('Time from DOMContentLoaded to consent + session shown', `not measured: ${panel.skipped}`, 'p50 ≤ 150 ms', false);
else add(`Time from DOMContentLoaded to consent + session shown, p50 / p95 over ${panel.loads} loads`, `${panel.p50.toFixed(0)} / ${panel.p95!.toFixed(0)} ms`, 'p50 ≤ 150 ms', panel.p50 <= 150);

// BENCH_REPORTS=0 skips it (it writes a ~0.9 GB temporary file and takes about a minute).
if (process.env.BENCH_REPORTS !== '0') {
  process.stderr.write('manager reports: 1,000,000 outbound messages over 90 days in SQLite\n');
  const reports = await benchReportQueries({ log });
  add(`Report data: ${reports.messages.toLocaleString('en')} outbound messages seeded in one transaction`, `${(reports.seedMs / 1000).toFixed(1)} s (${reports.fileMb.toFixed(0)} MB)`, '≤ 60 s', reports.seedMs <= 60_000);
  for (const t of reports.timings) {
    const digits = t.p50 < 10 ? 1 : 0;
    add(`${t.label}, p50 / p95 over ${t.runs} runs`, `${t.p50.toFixed(digits)} / ${t.p95.toFixed(digits)} ms`, 'p50 ≤ 500 ms', t.p50 <= 500);
  }
}

const table = [
  `Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}.`,
  '',
  '| figure | value | goal | |',
  '| --- | --- | --- | --- |',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
  '',
].join('\n');
writeFileSync(new URL('./results.md', import.meta.url), table);
process.stdout.write('\nWritten to test/bench/results.md\n');
