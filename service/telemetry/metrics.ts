/**
 * Every metric kata-otel's components report, in one place. Components use
 * `componentMetrics(settings.telemetry)` and never spell a name themselves, so dashboards
 * and alerts can rely on this list.
 *
 * On /metrics each name gets the `kata_otel_` prefix and, because the service hands every
 * component a Telemetry bound to it, the labels `kind` (receiver|processor|exporter|extension)
 * and `component` (the id, `type` or `type/name`):
 *
 *   kata_otel_records_received_total{kind="receiver",component="static_file"} 212
 *   kata_otel_export_latency_seconds_bucket{kind="exporter",component="file",le="0.01"} 1
 *
 * Who counts what:
 * - received / refused: the service, for every receiver (what the pipeline accepted from
 *   it, or refused permanently). Receivers do not count these themselves.
 * - parsed / parse_failed: the kata_parser processor.
 * - exported / retried / dropped / queue depth and bytes / export latency: exporters
 *   (exported = accepted by the destination: written and synced, or acknowledged by the
 *   backend; retried = records offered again after a retryable failure, never a drop).
 * - dropped: anyone who loses records on purpose or by configuration, with a `reason`.
 */
import type { Counter, Gauge, Telemetry } from '../../component/telemetry';

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricDef {
  /** Without the `kata_otel_` prefix. */
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  /** Labels besides kind and component. */
  readonly labels: readonly string[];
}

export const METRIC_PREFIX = 'kata_otel_';

export const METRICS = {
  recordsReceived: {
    name: 'records_received_total', type: 'counter', labels: [],
    help: 'Log records a receiver read from its source and the pipeline accepted',
  },
  recordsRefused: {
    name: 'records_refused_total', type: 'counter', labels: [],
    help: 'Log records the pipeline refused permanently (invalid data, not retried)',
  },
  recordsParsed: {
    name: 'records_parsed_total', type: 'counter', labels: [],
    help: 'Log records the Kata parser produced from raw text (any kata.parse.status)',
  },
  recordsParseFailed: {
    name: 'records_parse_failed_total', type: 'counter', labels: [],
    help: 'Parsed log records no parser recognised (kata.parse.status=failed; raw text kept as body)',
  },
  recordsExported: {
    name: 'records_exported_total', type: 'counter', labels: [],
    help: 'Log records an exporter delivered (file written and synced, or backend acknowledged)',
  },
  recordsRetried: {
    name: 'records_retried_total', type: 'counter', labels: [],
    help: 'Log records offered again after a retryable failure (not a loss)',
  },
  recordsDropped: {
    name: 'records_dropped_total', type: 'counter', labels: ['reason'],
    help: 'Log records given up on, by reason (blank_line, queue_full, permanent_error, shutdown, ...)',
  },
  queueDepth: {
    name: 'queue_depth', type: 'gauge', labels: [],
    help: 'Log records waiting in an exporter queue',
  },
  queueBytes: {
    name: 'queue_bytes', type: 'gauge', labels: [],
    help: 'Bytes an exporter queue holds',
  },
  exportLatency: {
    name: 'export_latency_seconds', type: 'histogram', labels: [],
    help: 'Time from an exporter taking a batch to its destination accepting it',
  },
} as const satisfies Record<string, MetricDef>;

/** Seconds; from a local fsync (ms) to a slow backend (tens of seconds). */
export const LATENCY_BUCKETS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export interface Histogram {
  observe(value: number, labels?: Record<string, string>): void;
}

/**
 * The service's Telemetry also makes histograms. It is a separate interface so fakes of
 * the plain Telemetry contract keep working; `componentMetrics` falls back to a no-op.
 */
export interface HistogramTelemetry extends Telemetry {
  histogram(name: string, help: string, labelNames?: readonly string[], buckets?: readonly number[]): Histogram;
}

export function hasHistograms(t: Telemetry): t is HistogramTelemetry {
  return typeof (t as Partial<HistogramTelemetry>).histogram === 'function';
}

/** Typed handles on the catalogue for one component. */
export interface ComponentMetrics {
  received(n: number): void;
  refused(n: number): void;
  parsed(n: number): void;
  parseFailed(n: number): void;
  exported(n: number): void;
  retried(n: number): void;
  dropped(n: number, reason: string): void;
  queueDepth(records: number): void;
  queueBytes(bytes: number): void;
  exportLatency(seconds: number): void;
}

const NOP_HISTOGRAM: Histogram = { observe: () => undefined };

/**
 * Handles for the component `telemetry` belongs to. Metrics are registered on first use,
 * so /metrics lists only what a component reports.
 */
export function componentMetrics(telemetry: Telemetry): ComponentMetrics {
  const counters = new Map<string, Counter>();
  const gauges = new Map<string, Gauge>();
  let latency: Histogram | undefined;
  const counter = (d: MetricDef): Counter => {
    let c = counters.get(d.name);
    if (c === undefined) {
      c = telemetry.counter(d.name, d.help, d.labels);
      counters.set(d.name, c);
    }
    return c;
  };
  const gauge = (d: MetricDef): Gauge => {
    let g = gauges.get(d.name);
    if (g === undefined) {
      g = telemetry.gauge(d.name, d.help, d.labels);
      gauges.set(d.name, g);
    }
    return g;
  };
  const add = (d: MetricDef, n: number, labels?: Record<string, string>): void => {
    if (n > 0) counter(d).inc(labels, n);
  };
  return {
    received: (n) => add(METRICS.recordsReceived, n),
    refused: (n) => add(METRICS.recordsRefused, n),
    parsed: (n) => add(METRICS.recordsParsed, n),
    parseFailed: (n) => add(METRICS.recordsParseFailed, n),
    exported: (n) => add(METRICS.recordsExported, n),
    retried: (n) => add(METRICS.recordsRetried, n),
    dropped: (n, reason) => add(METRICS.recordsDropped, n, { reason }),
    queueDepth: (v) => gauge(METRICS.queueDepth).set(v),
    queueBytes: (v) => gauge(METRICS.queueBytes).set(v),
    exportLatency: (s) => {
      if (latency === undefined) {
        const d = METRICS.exportLatency;
        latency = hasHistograms(telemetry) ? telemetry.histogram(d.name, d.help, d.labels, LATENCY_BUCKETS) : NOP_HISTOGRAM;
      }
      latency.observe(s);
    },
  };
}

/**
 * The sigma processor's own figures. Kept apart from ComponentMetrics so fakes of that
 * interface stay small; the names are in the same catalogue (SECURITY_METRICS) so
 * dashboards can rely on them.
 */
export const SECURITY_METRICS = {
  ruleMatches: {
    name: 'security_rule_matches_total', type: 'counter', labels: ['rule'],
    help: 'Records a Sigma rule matched and tagged, by rule id',
  },
  ruleSuppressed: {
    name: 'security_rule_suppressed_total', type: 'counter', labels: ['rule', 'reason'],
    help: 'Sigma matches silenced by configuration (reason=exception), by rule id; the record passes untagged',
  },
  correlations: {
    name: 'security_correlations_total', type: 'counter', labels: ['rule'],
    help: 'Correlation events a Sigma correlation rule emitted, by rule id',
  },
  correlationEvictions: {
    name: 'security_correlation_evictions_total', type: 'counter', labels: ['rule'],
    help: 'Correlation groups dropped before their window ended because the group limit was reached, by rule id',
  },
  correlationGroups: {
    name: 'security_correlation_groups', type: 'gauge', labels: [],
    help: 'Correlation groups (windows in progress) held by the processor',
  },
} as const satisfies Record<string, MetricDef>;

export interface SecurityMetrics {
  matched(rule: string, n: number): void;
  suppressed(rule: string, reason: string, n: number): void;
  correlations(rule: string, n: number): void;
  evicted(rule: string, n: number): void;
  groups(n: number): void;
}

export function securityMetrics(telemetry: Telemetry): SecurityMetrics {
  const counters = new Map<string, Counter>();
  let groups: Gauge | undefined;
  const add = (d: MetricDef, n: number, labels: Record<string, string>): void => {
    if (n <= 0) return;
    let c = counters.get(d.name);
    if (c === undefined) {
      c = telemetry.counter(d.name, d.help, d.labels);
      counters.set(d.name, c);
    }
    c.inc(labels, n);
  };
  const M = SECURITY_METRICS;
  return {
    matched: (rule, n) => add(M.ruleMatches, n, { rule }),
    suppressed: (rule, reason, n) => add(M.ruleSuppressed, n, { rule, reason }),
    correlations: (rule, n) => add(M.correlations, n, { rule }),
    evicted: (rule, n) => add(M.correlationEvictions, n, { rule }),
    groups: (n) => {
      groups ??= telemetry.gauge(M.correlationGroups.name, M.correlationGroups.help, M.correlationGroups.labels);
      groups.set(n);
    },
  };
}
