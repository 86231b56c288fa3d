/** Timing a query several times after a warm-up, for the database benchmarks. */
export interface Timing {
  label: string;
  /** A few words for the chart. */
  short: string;
  runs: number;
  p50: number;
  p95: number;
  /** What the query returned, to show it did real work. */
  detail: string;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** `runs` timed calls after one warm-up call (page cache, statement, JIT); the detail of the last. */
export async function time(label: string, short: string, runs: number, f: () => Promise<string>): Promise<Timing> {
  await f();
  const ms: number[] = [];
  let detail = '';
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    detail = await f();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { label, short, runs, p50: percentile(ms, 50), p95: percentile(ms, 95), detail };
}
