/**
 * Turning per-group aggregates into the report rows of shared/reports.ts, engine-neutral: an engine
 * supplies, per group, the counts and the raw durations; the rates, medians, failure breakdown and
 * totals are computed here once, so SQLite and PostgreSQL report identical numbers.
 */
import type { ReportRow } from '../../shared/reports.ts';
import { explainTwilioError } from '../../shared/twilio-errors.ts';

export interface GroupAggregate {
  key: string;
  sent: number;
  delivered: number;
  read: number;
  failed: number;
  /** Milliseconds from creation to first delivered-or-read, one per delivered message (any order). */
  toDeliveredMs: Float64Array;
  /** Milliseconds from creation to first read, one per read message (any order). */
  toReadMs: Float64Array;
  /** Failed messages per Twilio error code (null = none reported). */
  failures: Map<number | null, number>;
}

/** One report cell as both engines' queries return it: counts as comma-separated lists (engine docs). */
export interface CellLists {
  sent: number;
  /** One entry per delivered (delivered or read) message: its milliseconds to delivered, '' when unknown. */
  to_delivered: string | null;
  /** One entry per read message: its milliseconds to read. */
  to_read: string | null;
  /** One entry per failed message: its error code, '' for none. */
  failure_codes: string | null;
}

/** A group being summed up, cell by cell. */
export type RunningGroup = Omit<GroupAggregate, 'toDeliveredMs' | 'toReadMs'> & { d: Durations; r: Durations };

/** Adds one cell's numbers to its group; each list's entries are also its count. */
export function accumulateCell(groups: Map<string, RunningGroup>, key: string, cell: CellLists): void {
  let g = groups.get(key);
  if (g === undefined) {
    g = { key, sent: 0, delivered: 0, read: 0, failed: 0, failures: new Map(), d: new Durations(4096), r: new Durations(4096) };
    groups.set(key, g);
  }
  g.sent += cell.sent;
  g.delivered += g.d.appendList(cell.to_delivered);
  g.read += g.r.appendList(cell.to_read);
  if (cell.failure_codes !== null) {
    for (const c of cell.failure_codes.split(',')) {
      const code = c === '' ? null : Number(c);
      g.failures.set(code, (g.failures.get(code) ?? 0) + 1);
      g.failed++;
    }
  }
}

/** Median as defined in shared/reports.ts (mean of the two middle values for an even count); reorders `values`. */
export function medianInPlace(values: Float64Array): number | null {
  const n = values.length;
  if (n === 0) return null;
  const k = n >> 1;
  select(values, k);
  if (n % 2 === 1) return values[k]!;
  // After selection everything left of k is <= values[k]: the lower middle is their maximum.
  let lower = -Infinity;
  for (let i = 0; i < k; i++) if (values[i]! > lower) lower = values[i]!;
  return (lower + values[k]!) / 2;
}

/** Hoare quickselect: puts the k-th smallest at index k, smaller ones before it. O(n) expected. */
function select(a: Float64Array, k: number): void {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    // Median of three as pivot keeps sorted and reversed inputs linear.
    const mid = (lo + hi) >> 1;
    const x = a[lo]!, y = a[mid]!, z = a[hi]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

/** Most frequent first, ties by code ascending, no-code last. */
function failuresOf(failures: Map<number | null, number>): ReportRow['failuresByCode'] {
  return [...failures]
    .sort(([ca, na], [cb, nb]) => nb - na || (ca === null ? 1 : cb === null ? -1 : ca - cb))
    .map(([code, count]) => ({ code, count, explanation: code === null ? 'Twilio reported no error code.' : explainTwilioError(code) }));
}

/** `consume`: the durations may be reordered (they are not needed afterwards). */
export function reportRow(g: GroupAggregate, consume = false): ReportRow {
  return {
    key: g.key,
    sent: g.sent,
    delivered: g.delivered,
    read: g.read,
    failed: g.failed,
    deliveryRate: g.sent === 0 ? 0 : g.delivered / g.sent,
    readRate: g.delivered === 0 ? 0 : g.read / g.delivered,
    // Selection reorders the values: copied unless the caller is done with them.
    medianToDeliveredMs: medianInPlace(consume ? g.toDeliveredMs : g.toDeliveredMs.slice()),
    medianToReadMs: medianInPlace(consume ? g.toReadMs : g.toReadMs.slice()),
    failuresByCode: failuresOf(g.failures),
  };
}

function concat(arrays: Float64Array[]): Float64Array {
  const out = new Float64Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

/** The rows (groups without messages dropped, sorted by key) and the totals over all of them. */
export function buildReport(groups: GroupAggregate[], totalsKey = 'total'): { rows: ReportRow[]; totals: ReportRow } {
  const kept = groups.filter((g) => g.sent > 0).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const failures = new Map<number | null, number>();
  for (const g of kept) for (const [code, n] of g.failures) failures.set(code, (failures.get(code) ?? 0) + n);
  const sum = (f: (g: GroupAggregate) => number) => kept.reduce((n, g) => n + f(g), 0);
  const totals: GroupAggregate = {
    key: totalsKey,
    sent: sum((g) => g.sent),
    delivered: sum((g) => g.delivered),
    read: sum((g) => g.read),
    failed: sum((g) => g.failed),
    toDeliveredMs: concat(kept.map((g) => g.toDeliveredMs)),
    toReadMs: concat(kept.map((g) => g.toReadMs)),
    failures,
  };
  // Groups first, consuming their arrays (the totals already hold their own copy of the values).
  const rows = kept.map((g) => reportRow(g, true));
  return { rows, totals: reportRow(totals, true) };
}

/** A growable list of durations, so a group's values from many index ranges land in one array. */
export class Durations {
  values: Float64Array;
  length = 0;

  constructor(capacity = 256) {
    this.values = new Float64Array(Math.max(16, capacity));
  }

  push(v: number): void {
    if (this.length === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.length++] = v;
  }

  /**
   * Appends a comma-separated list of integers (SQL group_concat) without building a string per
   * value: a 90-day report reads about a million and a half of them. Returns how many entries the
   * list had, empty ones (a message without a duration) included: null is no list, '' one empty entry.
   */
  appendList(text: string | null): number {
    if (text === null) return 0;
    let entries = 1;
    let value = 0;
    let negative = false;
    let digits = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 48 && c <= 57) {
        value = value * 10 + (c - 48);
        digits++;
      } else if (c === 44) {
        // ','
        entries++;
        if (digits > 0) this.push(negative ? -value : value);
        value = 0;
        negative = false;
        digits = 0;
      } else if (c === 45) negative = true; // '-'
      else if (c === 46) {
        // '.': a REAL slipped in; keep the integer part.
        while (i + 1 < text.length && text.charCodeAt(i + 1) !== 44) i++;
      }
    }
    if (digits > 0) this.push(negative ? -value : value);
    return entries;
  }

  /** The values, without a copy. */
  view(): Float64Array {
    return this.values.subarray(0, this.length);
  }
}

/** A comma-separated list of integers as a Float64Array (see Durations.appendList). */
export function parseIntegerList(text: string | null, expected = 0): Float64Array {
  const d = new Durations(expected);
  d.appendList(text);
  return d.view();
}
