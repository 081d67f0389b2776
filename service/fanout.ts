/**
 * One consumer feeding several: a receiver in two pipelines, a pipeline with two
 * exporters. As in the Collector's fanoutconsumer, consumers that only read share the
 * records they are given; a consumer that changes records in place (`mutatesData`) gets
 * its own copy, except that when every consumer mutates, the last one takes the original.
 *
 * The result waits for every consumer. Any failure fails the whole (the sender keeps its
 * input and offers it again, so consumers that accepted see it twice: at least once). A
 * retryable failure outranks a permanent one, so the sender retries rather than gives up.
 */
import { isPermanent } from '../component/errors';
import type { LogsConsumer, TracesConsumer, TracesRequest } from '../consumer/consumer';
import type { AttributeValue, Attributes, LogRecord } from '../pdata/log-record';

/** A processor or exporter that changes the records it is given sets this to true. */
export interface MutatesData {
  readonly mutatesData?: boolean;
}

export function mutatesData(c: unknown): boolean {
  return (c as MutatesData | null)?.mutatesData === true;
}

export interface FanoutTarget<C> {
  consumer: C;
  /** The consumer, or anything behind it in its pipeline, changes records in place. */
  mutates: boolean;
}

function copyValue(v: AttributeValue): AttributeValue {
  return Array.isArray(v) ? v.slice() : v;
}

/** A deep copy of a record, sharing only the read-only interned resource. */
export function cloneRecord(r: LogRecord): LogRecord {
  const attributes: Attributes = {};
  for (const k in r.attributes) attributes[k] = copyValue(r.attributes[k]!);
  return { ...r, attributes };
}

export function cloneRecords(records: readonly LogRecord[]): LogRecord[] {
  return records.map(cloneRecord);
}

/** The first retryable failure, else the first permanent one, else undefined. */
function pickFailure(results: PromiseSettledResult<void>[]): unknown {
  let permanent: unknown;
  for (const r of results) {
    if (r.status !== 'rejected') continue;
    if (!isPermanent(r.reason)) return r.reason;
    permanent ??= r.reason;
  }
  return permanent;
}

export class LogsFanout implements LogsConsumer {
  readonly mutatesData = false;
  private readonly lastMutating: number;
  private readonly anyReadOnly: boolean;

  constructor(private readonly targets: readonly FanoutTarget<LogsConsumer>[]) {
    let last = -1;
    targets.forEach((t, i) => {
      if (t.mutates) last = i;
    });
    this.lastMutating = last;
    this.anyReadOnly = targets.some((t) => !t.mutates);
  }

  async consumeLogs(records: LogRecord[]): Promise<void> {
    const results = await Promise.allSettled(
      this.targets.map((t, i) => {
        const own = t.mutates && (this.anyReadOnly || i !== this.lastMutating);
        return t.consumer.consumeLogs(own ? cloneRecords(records) : records);
      }),
    );
    const failure = pickFailure(results);
    if (failure !== undefined) throw failure;
  }
}

/** Trace requests pass through kata-otel untouched, so every consumer shares the request. */
export class TracesFanout implements TracesConsumer {
  constructor(private readonly targets: readonly TracesConsumer[]) {}

  async consumeTraces(request: TracesRequest): Promise<void> {
    const results = await Promise.allSettled(this.targets.map((t) => t.consumeTraces(request)));
    const failure = pickFailure(results);
    if (failure !== undefined) throw failure;
  }
}

/** `targets[0]` itself when there is one and it cannot be harmed; else a fan-out. */
export function logsFanout(targets: readonly FanoutTarget<LogsConsumer>[]): LogsConsumer {
  if (targets.length === 1) return targets[0]!.consumer;
  return new LogsFanout(targets);
}

export function tracesFanout(targets: readonly TracesConsumer[]): TracesConsumer {
  if (targets.length === 1) return targets[0]!;
  return new TracesFanout(targets);
}
