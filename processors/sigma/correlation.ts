/**
 * Sliding-window state of one correlation rule, per group-by key.
 *
 * Memory is bounded twice: a group keeps at most what its condition needs (the lower bound
 * of an event_count or value_count, one timestamp per rule of a temporal one), and there
 * are at most `maxGroups` groups, the least recently seen evicted first (counted). Groups
 * whose window has passed are dropped as time moves on.
 *
 * A correlation decides when an event arrives: it fires at the first event that makes its
 * condition true, then the group starts over, so a burst of 100 events with `gte: 10`
 * fires ten times, not ninety-one. Time is the record's event time (observed time when it
 * has none); a late record is placed by its own time, and windows slide rather than align.
 */
import type { LogRecord } from '../../pdata/log-record';
import type { FieldValue } from './fields';
import { fieldGetter } from './fields';
import type { CompiledCorrelation } from './pack';

export interface Fired {
  correlation: CompiledCorrelation;
  groupValues: readonly (readonly [string, FieldValue])[];
  count: number;
  firstMs: number;
  lastMs: number;
}

interface Group {
  values: readonly (readonly [string, FieldValue])[];
  lastMs: number;
  /** event_count: times in the window, oldest first. */
  times: number[];
  /** value_count: distinct value → last time seen. */
  distinct: Map<string, number>;
  /** temporal: last time each rule matched; temporal_ordered: start time of the chain reaching each step. */
  steps: number[];
}

/** Group-by and counted values longer than this are cut for the key (a value can be a whole body). */
const MAX_KEY_PART = 1024;

function keyPart(v: FieldValue): string {
  const s = v === undefined ? '' : Array.isArray(v) ? v.join(',') : String(v);
  return s.length > MAX_KEY_PART ? s.slice(0, MAX_KEY_PART) : s;
}

export function recordMillis(r: LogRecord): number {
  const t = r.timeUnixNano !== '0' && r.timeUnixNano !== '' ? r.timeUnixNano : r.observedTimeUnixNano;
  return t.length > 6 ? Number(t.slice(0, -6)) : 0;
}

export class CorrelationState {
  private readonly groups = new Map<string, Group>();
  private readonly getters: ((r: LogRecord) => FieldValue)[];
  private readonly valueGetter?: (r: LogRecord) => FieldValue;
  /** Events (or distinct values) that satisfy the lower bound. */
  readonly needed: number;
  evicted = 0;

  constructor(
    readonly c: CompiledCorrelation,
    private readonly maxGroups: number,
  ) {
    this.getters = c.groupBy.map(fieldGetter);
    if (c.field !== undefined) this.valueGetter = fieldGetter(c.field);
    const k = c.condition;
    this.needed = c.type === 'event_count' || c.type === 'value_count'
      ? Math.max(1, k.gt !== undefined ? k.gt + 1 : (k.gte ?? k.eq ?? 1))
      : c.refs.length;
  }

  get size(): number {
    return this.groups.size;
  }

  private holds(n: number): boolean {
    const k = this.c.condition;
    return (k.gt === undefined || n > k.gt) && (k.gte === undefined || n >= k.gte) && (k.lt === undefined || n < k.lt)
      && (k.lte === undefined || n <= k.lte) && (k.eq === undefined || n === k.eq) && (k.neq === undefined || n !== k.neq);
  }

  /** One record matched the rule at `refIndex` of `rules:`; returns what fired, if anything. */
  observe(refIndex: number, r: LogRecord): Fired | undefined {
    const now = recordMillis(r);
    const span = this.c.timespanMs;
    this.expire(now - span);
    let key = '';
    const values: [string, FieldValue][] = [];
    for (let i = 0; i < this.getters.length; i++) {
      const v = this.getters[i]!(r);
      values.push([this.c.groupBy[i]!, v]);
      key += `${i === 0 ? '' : '\u0000'}${keyPart(v)}`;
    }
    let g = this.groups.get(key);
    if (g === undefined) {
      g = { values, lastMs: now, times: [], distinct: new Map(), steps: this.c.refs.map(() => NaN) };
      while (this.groups.size >= this.maxGroups) {
        const oldest = this.groups.keys().next().value as string;
        this.groups.delete(oldest);
        this.evicted++;
      }
    } else {
      this.groups.delete(key);
    }
    this.groups.set(key, g);
    g.lastMs = Math.max(g.lastMs, now);
    const from = now - span;
    let count = 0;
    let first = now;
    switch (this.c.type) {
      case 'event_count': {
        const t = g.times;
        t.push(now);
        if (t.length > 1 && t[t.length - 2]! > now) t.sort((a, b) => a - b);
        while (t.length > 0 && t[0]! < from) t.shift();
        while (t.length > this.needed) t.shift();
        count = t.length;
        first = t[0] ?? now;
        break;
      }
      case 'value_count': {
        const v = this.valueGetter!(r);
        if (v === undefined) return undefined;
        const d = g.distinct;
        const text = keyPart(v);
        d.delete(text);
        d.set(text, now);
        for (const [val, at] of d) {
          if (at < from || d.size > this.needed) d.delete(val);
        }
        count = d.size;
        for (const at of d.values()) first = Math.min(first, at);
        break;
      }
      case 'temporal': {
        g.steps[refIndex] = now;
        count = 0;
        for (const at of g.steps) {
          if (at >= from) {
            count++;
            first = Math.min(first, at);
          }
        }
        if (count < g.steps.length) return undefined;
        break;
      }
      case 'temporal_ordered': {
        const s = g.steps;
        if (refIndex === 0) s[0] = now;
        else if (s[refIndex - 1]! >= from) s[refIndex] = s[refIndex - 1]!;
        else return undefined;
        if (refIndex < s.length - 1) return undefined;
        count = s.length;
        first = s[refIndex]!;
        break;
      }
    }
    if ((this.c.type === 'event_count' || this.c.type === 'value_count') && !(count >= this.needed && this.holds(count))) return undefined;
    this.groups.delete(key);
    return { correlation: this.c, groupValues: g.values, count, firstMs: first, lastMs: now };
  }

  /** Drops groups last seen before `before`; the map is in last-seen order, so it stops early. */
  private expire(before: number): void {
    for (const [k, g] of this.groups) {
      if (g.lastMs >= before) break;
      this.groups.delete(k);
    }
  }
}
