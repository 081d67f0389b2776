/** Test doubles for the exporter tests: an in-memory Telemetry, settings, and record makers. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Host } from '../../component/component';
import type { CreateSettings } from '../../component/factory';
import type { Counter, Gauge, Logger, Telemetry } from '../../component/telemetry';
import type { Attributes, LogRecord } from '../../pdata/log-record';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  fields: Record<string, unknown>;
}

function key(name: string, labels: Record<string, string> | undefined): string {
  const l = Object.entries(labels ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(',');
  return `${name}{${l}}`;
}

export class MemoryTelemetry implements Telemetry {
  readonly counters = new Map<string, number>();
  readonly gauges = new Map<string, number>();
  readonly lines: LogLine[] = [];
  readonly logger: Logger = {
    debug: (msg, fields) => this.lines.push({ level: 'debug', msg, fields: fields ?? {} }),
    info: (msg, fields) => this.lines.push({ level: 'info', msg, fields: fields ?? {} }),
    warn: (msg, fields) => this.lines.push({ level: 'warn', msg, fields: fields ?? {} }),
    error: (msg, fields) => this.lines.push({ level: 'error', msg, fields: fields ?? {} }),
  };

  counter(name: string): Counter {
    return { inc: (labels, value) => this.counters.set(key(name, labels), (this.counters.get(key(name, labels)) ?? 0) + (value ?? 1)) };
  }

  gauge(name: string): Gauge {
    return { set: (value, labels) => this.gauges.set(key(name, labels), value) };
  }

  /** Sum of a counter over every label set matching `labels`. */
  count(name: string, labels: Record<string, string> = {}): number {
    let n = 0;
    for (const [k, v] of this.counters) {
      if (!k.startsWith(`${name}{`)) continue;
      if (Object.entries(labels).every(([lk, lv]) => k.includes(`${lk}=${lv}`))) n += v;
    }
    return n;
  }

  gaugeValue(name: string): number | undefined {
    return this.gauges.get(`${name}{}`);
  }

  logged(level: LogLine['level'], pattern: RegExp): LogLine[] {
    return this.lines.filter((l) => l.level === level && pattern.test(l.msg));
  }
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `kata-otel-${prefix}-`));
}

export function settingsFor(storageDir: string, telemetry = new MemoryTelemetry(), name = ''): { settings: CreateSettings; telemetry: MemoryTelemetry; host: Host } {
  return {
    settings: { id: { type: 'otlp', name }, telemetry, storageDir },
    telemetry,
    host: { telemetry, reportFatalError: (err) => { throw err; } },
  };
}

export const RESOURCE_A: Readonly<Attributes> = Object.freeze({ 'service.name': 'kata-runtime', 'host.name': 'node-1' });
export const RESOURCE_B: Readonly<Attributes> = Object.freeze({ 'service.name': 'kata-agent', 'host.name': 'node-1', 'kata.sandbox.id': 'sb1' });

const BASE_NS = 1_700_000_000_000_000_000n;

/** Records `from`..`from+n-1`: body `record <i>`, time BASE+i µs, typed attributes, alternating resources. */
export function makeRecords(from: number, n: number): LogRecord[] {
  const out: LogRecord[] = [];
  for (let i = from; i < from + n; i++) {
    out.push({
      timeUnixNano: String(BASE_NS + BigInt(i) * 1000n),
      observedTimeUnixNano: String(BASE_NS + BigInt(i) * 1000n + 7n),
      severityNumber: i % 2 === 0 ? 9 : 17,
      severityText: i % 2 === 0 ? 'info' : 'error',
      body: `record ${i}`,
      eventName: i % 10 === 0 ? 'kata.test.event' : '',
      traceId: i % 3 === 0 ? '0af7651916cd43dd8448eb211c80319c' : '',
      spanId: i % 3 === 0 ? 'b7ad6b7169203331' : '',
      attributes: { 'test.seq': i, 'test.ratio': i + 0.5, 'test.flag': i % 2 === 0, 'kata.subsystem': 'katautils', 'test.list': ['a', String(i)] },
      resource: i % 4 === 3 ? RESOURCE_B : RESOURCE_A,
    });
  }
  return out;
}

export async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The `record <i>` number of a body. */
export function seqOf(body: string): number {
  return Number(/^record (\d+)$/.exec(body)?.[1] ?? NaN);
}

/**
 * OTLP groups a request's records by resource, so order holds per resource (per source):
 * checks that, per resource, the sequence numbers rise, and returns how many times each
 * of 0..n-1 arrived (all ≥ 1 when nothing was lost).
 */
export function orderAndCounts(records: ReadonlyArray<{ body: string; resource: Record<string, unknown> }>, n: number): { inOrder: boolean; counts: number[]; missing: number[]; duplicates: number } {
  const last = new Map<string, number>();
  let inOrder = true;
  const counts = new Array<number>(n).fill(0);
  for (const r of records) {
    const seq = seqOf(r.body);
    const res = JSON.stringify(r.resource);
    const prev = last.get(res) ?? -1;
    // A duplicate replay after a crash restarts from an older record; anything else must rise.
    if (seq <= prev && (counts[seq] ?? 0) === 0) inOrder = false;
    last.set(res, seq);
    if (seq >= 0 && seq < n) counts[seq]! += 1;
  }
  const missing = counts.flatMap((c, i) => (c === 0 ? [i] : []));
  const duplicates = counts.reduce((a, c) => a + Math.max(0, c - 1), 0);
  return { inOrder, counts, missing, duplicates };
}
