/**
 * The exporter's metrics. Logs use the service's catalogue (service/telemetry/metrics.ts:
 * records_exported_total, records_retried_total, records_dropped_total{reason},
 * queue_depth, queue_bytes, export_latency_seconds) plus records_enqueued_total and
 * records_enqueue_refused_total{reason}. Traces, whose items are spans, get the same set
 * under span names so the two never add up in one series.
 */
import type { Counter, Gauge, Telemetry } from '../../component/telemetry';
import { componentMetrics } from '../../service/telemetry/metrics';
import type { SignalName } from './signals';

export interface ExporterMetrics {
  /** Items committed to the queue. */
  enqueued(n: number): void;
  /** Items an enqueue refused (queue full, write error): not lost, the source still has them. */
  enqueueRefused(n: number, reason: string): void;
  /** Items the backend accepted. */
  exported(n: number): void;
  /** Items offered again after a retryable failure (per attempt). */
  retried(n: number): void;
  /** Items given up on, by reason. */
  dropped(n: number, reason: string): void;
  queue(records: number, bytes: number): void;
  /** One successful request's round trip. */
  latency(seconds: number): void;
}

export function exporterMetrics(telemetry: Telemetry, signal: SignalName): ExporterMetrics {
  const lazyCounter = (name: string, help: string, labels: readonly string[] = []): Counter => {
    let c: Counter | undefined;
    return { inc: (l, v) => (c ??= telemetry.counter(name, help, labels)).inc(l, v) };
  };
  const lazyGauge = (name: string, help: string): Gauge => {
    let g: Gauge | undefined;
    return { set: (v, l) => (g ??= telemetry.gauge(name, help)).set(v, l) };
  };
  const base = componentMetrics(telemetry);
  const noun = signal === 'logs' ? 'records' : 'spans';
  const enqueued = lazyCounter(`${noun}_enqueued_total`, `${signal === 'logs' ? 'Log records' : 'Spans'} an exporter committed to its persistent queue`);
  const refused = lazyCounter(
    `${noun}_enqueue_refused_total`,
    `${signal === 'logs' ? 'Log records' : 'Spans'} an exporter queue refused (full or unwritable); the source keeps them and retries`,
    ['reason'],
  );
  const add = (c: Counter, n: number, labels?: Record<string, string>): void => {
    if (n > 0) c.inc(labels, n);
  };
  if (signal === 'logs') {
    return {
      enqueued: (n) => add(enqueued, n),
      enqueueRefused: (n, reason) => add(refused, n, { reason }),
      exported: (n) => base.exported(n),
      retried: (n) => base.retried(n),
      dropped: (n, reason) => base.dropped(n, reason),
      queue: (records, bytes) => {
        base.queueDepth(records);
        base.queueBytes(bytes);
      },
      latency: (s) => base.exportLatency(s),
    };
  }
  const exported = lazyCounter('spans_exported_total', 'Spans an exporter delivered (backend acknowledged)');
  const retried = lazyCounter('spans_retried_total', 'Spans offered again after a retryable failure (not a loss)');
  const dropped = lazyCounter('spans_dropped_total', 'Spans given up on, by reason', ['reason']);
  const depth = lazyGauge('span_queue_depth', 'Spans waiting in an exporter queue');
  const bytes = lazyGauge('span_queue_bytes', 'Bytes an exporter span queue holds');
  return {
    enqueued: (n) => add(enqueued, n),
    enqueueRefused: (n, reason) => add(refused, n, { reason }),
    exported: (n) => add(exported, n),
    retried: (n) => add(retried, n),
    dropped: (n, reason) => add(dropped, n, { reason }),
    queue: (r, b) => {
      depth.set(r);
      bytes.set(b);
    },
    latency: (s) => base.exportLatency(s),
  };
}
