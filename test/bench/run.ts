/**
 * `npm run bench`: every figure measured in one run on this machine, printed beside its goal and
 * written to test/bench/results.md (which the README shows) and test/bench/results.svg (each figure
 * as a fraction of its goal).
 *
 * Everything runs by default. Switches for a quicker partial run:
 *   BENCH_LIVE=0     no live-latency runs (webhook → SSE client, webhook → panel in Chromium)
 *   BENCH_STREAMS=0  no 1,000-stream memory and CPU run
 *   BENCH_REPORTS=0  no one-million-message runs at all (SQLite and PostgreSQL)
 *   BENCH_PG=0       no PostgreSQL one-million-message run (SQLite still runs)
 */
import { cpus, loadavg } from 'node:os';
import { writeFileSync } from 'node:fs';
import pg from 'pg';
import { parsePostgresUrl } from '../../relay/store/postgres/postgres-url.ts';
import { TEST_DATABASE_URL } from '../../relay/store/postgres/test-database.ts';
import { isMet, renderChart, type ChartBar } from './chart.ts';
import { benchLiveLatency } from './live-latency.ts';
import { benchPanelLiveLatency } from './panel-live-latency.ts';
import { benchPanelTiming } from './panel-timing.ts';
import { benchPgReportQueries } from './report-queries-pg.ts';
import { benchReportQueries } from './report-queries.ts';
import { benchStreams } from './streams.ts';
import type { Timing } from './timing.ts';
import { benchWebhookIngest } from './webhook-ingest.ts';

const on = (name: string) => process.env[name] !== '0';
const log = (s: string) => process.stderr.write(`  ${s}\n`);
const section = (s: string) => process.stderr.write(`${s}\n`);
const rows: [string, string, string, string][] = [];
const bars: ChartBar[] = [];
const started = performance.now();
const loadAtStart = loadavg()[0]!;

type Bar = Omit<ChartBar, 'text'> & { unit: string };
const num = (x: number) => x.toFixed(Math.abs(x) < 1 ? 2 : Math.abs(x) < 10 ? 1 : 0);
/** A table row; `bar` also puts the figure on the chart (its value against the goal's number). */
const add = (what: string, value: string, goal: string, met: boolean | null, bar?: Bar) => {
  rows.push([what, value, goal, met === null ? '—' : met ? 'met' : 'MISSED']);
  process.stdout.write(`${what}: ${value} (goal ${goal})${met === false ? '  ← MISSED' : ''}\n`);
  if (bar) bars.push({ label: bar.label, value: bar.value, goal: bar.goal, better: bar.better, text: `${num(bar.value)}${bar.unit} vs ${goal}` });
};
/** A figure with a numeric goal: met is computed, and it goes on the chart. */
const goal = (what: string, value: string, goalText: string, bar: Bar) => add(what, value, goalText, isMet({ ...bar, text: '' }), bar);
const ms = (x: number) => x.toFixed(x < 10 ? 1 : 0);

section('webhook ingest (signed status callbacks, durable SQLite write) vs bare node:http');
const ingest = await benchWebhookIngest({ log });
add('Webhook ingest, relay req/s', ingest.relay.rps.toFixed(0), '—', null);
add('Webhook ingest, bare node:http req/s', ingest.bare.rps.toFixed(0), '—', null);
goal(`Webhook ingest ratio relay / bare node:http (median of ${ingest.rounds} rounds: ${ingest.ratios.map((r) => r.toFixed(2)).join(', ')})`, ingest.ratio.toFixed(3), '≥ 0.5', { label: 'webhook ingest, relay / bare node:http', value: ingest.ratio, goal: 0.5, better: 'higher', unit: '' });
add('Webhook latency p50 / p99 (ms, 50 connections)', `${ingest.relay.p50} / ${ingest.relay.p99}`, '—', null);
goal('Twilio peak 2,000 msg/s × 3 callbacks = 6,000 req/s absorbed', `${(ingest.relay.rps / 6000).toFixed(2)}×`, '≥ 1×', { label: 'Twilio peak (6,000 callbacks/s) absorbed', value: ingest.relay.rps / 6000, goal: 1, better: 'higher', unit: '×' });
if (ingest.relay.non2xx || ingest.relay.errors) add('Webhook non-2xx / errors', `${ingest.relay.non2xx} / ${ingest.relay.errors}`, '0', false);
add('Messages whose status the run moved (durable writes checked after)', `${ingest.applied} of ${ingest.messages}`, '—', null);

section('extension: content script size and time to panel (headless Chromium, local relay)');
const panel = await benchPanelTiming({ log });
goal('Content script injected into every CRM page, gzipped (panel included)', `${(panel.contentScriptGzipBytes / 1024).toFixed(1)} KB (${(panel.contentScriptBytes / 1024).toFixed(0)} KB raw)`, '≤ 30 KB', { label: 'content script, gzipped', value: panel.contentScriptGzipBytes / 1024, goal: 30, better: 'lower', unit: ' KB' });
if (panel.p50 === null) add('Time from DOMContentLoaded to consent + session shown', `not measured: ${panel.skipped}`, 'p50 ≤ 150 ms', false);
else goal(`Time from DOMContentLoaded to consent + session shown, p50 / p95 over ${panel.loads} loads`, `${panel.p50.toFixed(0)} / ${panel.p95!.toFixed(0)} ms`, 'p50 ≤ 150 ms', { label: 'time to panel, p50', value: panel.p50, goal: 150, better: 'lower', unit: ' ms' });

if (on('BENCH_LIVE')) {
  section('live latency: status webhook → SSE client (relay in its own process)');
  const live = await benchLiveLatency({ log });
  const l = live.latency;
  goal(
    `Status webhook → event at an SSE client, p50 / p95 / p99 (${live.callbacks} callbacks at ${live.rate}/s, ${live.clients} clients: ${live.clients / live.phones} per phone, ${live.phones} phones)`,
    `${ms(l.p50)} / ${ms(l.p95)} / ${ms(l.p99)} ms`,
    `p99 ≤ 100 ms at ${live.rate}/s`,
    { label: `webhook → SSE client, p99 at ${live.rate}/s`, value: l.p99, goal: 100, better: 'lower', unit: ' ms' },
  );
  add('Live events delivered (callbacks × clients watching the phone)', `${live.received} of ${live.expected}${live.failures ? `, ${live.failures} callbacks refused` : ''}`, 'all', live.received === live.expected && live.failures === 0);

  section('live latency: status webhook → tick in the panel (headless Chromium, e2e build)');
  const pl = await benchPanelLiveLatency({ log });
  if (pl.latency === null) add('Status webhook → tick shown in the panel', `not measured: ${pl.skipped ?? 'no status shown'}`, 'p99 ≤ 200 ms', false);
  else {
    goal(
      `Status webhook → tick's data-status changed in the panel, p50 / p95 / p99 (${pl.events} callbacks at ${pl.rate}/s; clocks ${pl.clock.offsetMs.toFixed(1)} ms apart ± ${(pl.clock.rttMs / 2).toFixed(1)})`,
      `${ms(pl.latency.p50)} / ${ms(pl.latency.p95)} / ${ms(pl.latency.p99)} ms`,
      'p99 ≤ 200 ms',
      { label: `webhook → tick in the panel, p99 at ${pl.rate}/s`, value: pl.latency.p99, goal: 200, better: 'lower', unit: ' ms' },
    );
    add('Panel statuses shown (of the callbacks sent)', `${pl.seen} of ${pl.events}`, 'all', pl.seen === pl.events && pl.failures === 0);
  }
}

if (on('BENCH_STREAMS')) {
  section('1,000 open live streams: relay memory and CPU (relay in its own process)');
  const st = await benchStreams({ log });
  const mb = (b: number) => b / 1024 / 1024;
  const rssGrowth = mb(st.after.rssBytes - st.before.rssBytes);
  goal(
    `Relay RSS with ${st.streams.toLocaleString('en')} open streams (${st.phones} phones × ${st.streams / st.phones}, ${st.tokens} tokens), after GC: before → after (growth)`,
    `${mb(st.before.rssBytes).toFixed(0)} → ${mb(st.after.rssBytes).toFixed(0)} MB (+${rssGrowth.toFixed(0)} MB, ${((rssGrowth * 1024) / st.streams).toFixed(0)} KB per stream)`,
    '≤ +100 MB',
    { label: 'RSS growth, 1,000 streams', value: rssGrowth, goal: 100, better: 'lower', unit: ' MB' },
  );
  add('Relay V8 heap used, after GC: before → after', `${mb(st.before.heapUsedBytes).toFixed(1)} → ${mb(st.after.heapUsedBytes).toFixed(1)} MB (${((mb(st.after.heapUsedBytes - st.before.heapUsedBytes) * 1024) / st.streams).toFixed(0)} KB per stream)`, '—', null);
  goal(
    `Relay CPU with ${st.streams.toLocaleString('en')} idle streams over ${st.idle.seconds.toFixed(0)} s (${st.idle.pings} keep-alive pings)`,
    `${st.idle.cpuPercent.toFixed(2)} % of one core`,
    '≤ 5 %',
    { label: 'CPU, 1,000 idle streams', value: st.idle.cpuPercent, goal: 5, better: 'lower', unit: ' %' },
  );
  goal(
    `Relay CPU fanning out ${st.fanout.rate} status callbacks/s to ${st.streams / st.phones} streams each, ${st.streams.toLocaleString('en')} open (${st.fanout.seconds.toFixed(0)} s)`,
    `${st.fanout.cpuPercent.toFixed(1)} % of one core`,
    '≤ 25 %',
    { label: `CPU, fan-out ${st.fanout.rate}/s to 1,000 streams`, value: st.fanout.cpuPercent, goal: 25, better: 'lower', unit: ' %' },
  );
  goal(
    `Status webhook → SSE client during that fan-out, p50 / p95 / p99 (${st.fanout.received} of ${st.fanout.expected} events delivered)`,
    `${ms(st.fanout.latency.p50)} / ${ms(st.fanout.latency.p95)} / ${ms(st.fanout.latency.p99)} ms`,
    'p99 ≤ 100 ms',
    { label: 'webhook → client, p99, 1,000 streams', value: st.fanout.latency.p99, goal: 100, better: 'lower', unit: ' ms' },
  );
  if (st.fanout.received !== st.fanout.expected || st.fanout.failures) add('Fan-out events lost / callbacks refused', `${st.fanout.expected - st.fanout.received} / ${st.fanout.failures}`, '0', false);
}

const queryRows = (engine: string, timings: Timing[]) => {
  for (const t of timings) {
    const contact = t.label.startsWith('contact state');
    if (contact) {
      goal(`${engine}: ${t.label}, p50 / p95 over ${t.runs} runs`, `${t.p50.toFixed(2)} / ${t.p95.toFixed(2)} ms`, 'p95 ≤ 50 ms', { label: `${engine}: ${t.short}, p95`, value: t.p95, goal: 50, better: 'lower', unit: ' ms' });
    } else {
      goal(`${engine}: ${t.label}, p50 / p95 over ${t.runs} runs`, `${ms(t.p50)} / ${ms(t.p95)} ms`, 'p50 ≤ 500 ms', { label: `${engine}: ${t.short}, p50`, value: t.p50, goal: 500, better: 'lower', unit: ' ms' });
    }
  }
};

let pgVersion: string | null = null;
if (on('BENCH_REPORTS')) {
  section('manager reports and contact state: 1,000,000 outbound messages over 90 days in SQLite');
  const reports = await benchReportQueries({ log });
  goal(`SQLite: ${reports.messages.toLocaleString('en')} outbound messages seeded in one transaction`, `${(reports.seedMs / 1000).toFixed(1)} s (${reports.fileMb.toFixed(0)} MB)`, '≤ 60 s', { label: 'SQLite: seeding 1,000,000 messages', value: reports.seedMs / 1000, goal: 60, better: 'lower', unit: ' s' });
  queryRows('SQLite', reports.timings);

  if (on('BENCH_PG')) {
    section(`manager reports and contact state: the same 1,000,000 messages in PostgreSQL (${TEST_DATABASE_URL})`);
    const pgr = await benchPgReportQueries({ log });
    if (pgr.skipped) add('PostgreSQL: reports at one million messages', `not measured: ${pgr.skipped}`, 'p50 ≤ 500 ms', false);
    else {
      pgVersion = await serverVersion();
      add(
        `PostgreSQL: the same ${pgr.messages.toLocaleString('en')} messages loaded (INSERT … unnest in batches, indexes rebuilt, VACUUM ANALYZE until the pages are all-visible, as autovacuum leaves them)`,
        `${(pgr.seedMs / 1000).toFixed(1)} s (${pgr.tableMb.toFixed(0)} MB with indexes; ${(pgr.visible * 100).toFixed(0)} % of pages all-visible)`,
        '—',
        null,
      );
      queryRows('PostgreSQL', pgr.timings);
      // Same rows, same store contract: every report must say the same on both engines.
      const same = reports.timings.filter((t) => t.label.startsWith('deliveryReport')).filter((t) => pgr.timings.find((p) => p.label === t.label)?.detail === t.detail);
      const all = reports.timings.filter((t) => t.label.startsWith('deliveryReport')).length;
      add('SQLite and PostgreSQL report the same numbers (counts, medians) over the same million messages', `${same.length} of ${all} reports`, 'all', same.length === all);
    }
  }
}

async function serverVersion(): Promise<string | null> {
  const c = new pg.Client({ connectionString: parsePostgresUrl(TEST_DATABASE_URL).connectionString });
  try {
    await c.connect();
    return (await c.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]!.v.split(' ')[0]!;
  } catch {
    return null;
  } finally {
    await c.end().catch(() => {});
  }
}

const minutes = (performance.now() - started) / 60_000;
const header = `Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}${pgVersion ? `, PostgreSQL ${pgVersion}` : ''}; ${minutes.toFixed(1)} min, load average ${loadAtStart.toFixed(1)} at the start and ${loadavg()[0]!.toFixed(1)} at the end.`;
const table = [header, '', '![Each figure as a fraction of its goal](results.svg)', '', '| figure | value | goal | |', '| --- | --- | --- | --- |', ...rows.map((r) => `| ${r.join(' | ')} |`), ''].join('\n');
writeFileSync(new URL('./results.md', import.meta.url), table);
const subtitle = `${new Date().toISOString().slice(0, 10)}, ${cpus().length} CPUs, Node ${process.version}${pgVersion ? `, PostgreSQL ${pgVersion}` : ''}, load average ${loadAtStart.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}; details in results.md`;
writeFileSync(new URL('./results.svg', import.meta.url), renderChart(bars, subtitle));
const missed = rows.filter((r) => r[3] === 'MISSED').length;
process.stdout.write(`\n${rows.length} figures, ${missed} missed; ${minutes.toFixed(1)} min. Written to test/bench/results.md and test/bench/results.svg\n`);
