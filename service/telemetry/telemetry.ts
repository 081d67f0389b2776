/**
 * The Telemetry implementation: a JSON logger and a prom-client Registry of its own (no
 * global default registry), from which each component gets a view bound to it. A
 * component's counters carry `kind` and `component` labels without the component naming
 * them, and its log lines carry the same two fields.
 */
import * as prom from 'prom-client';
import { KataOtelError } from '../../component/errors';
import type { Counter, Gauge, Logger } from '../../component/telemetry';
import type { LineWriter, LogLevel } from './logger';
import { JsonLogger } from './logger';
import type { Histogram, HistogramTelemetry } from './metrics';
import { METRIC_PREFIX } from './metrics';

export type ComponentKind = 'receiver' | 'processor' | 'exporter' | 'extension';

export interface ServiceTelemetryOptions {
  level: LogLevel;
  /** Where log lines go (default process.stderr). */
  out?: LineWriter;
  /** Process metrics (CPU, RSS, heap, event loop lag) under the kata_otel_ prefix; default true. */
  processMetrics?: boolean;
}

type AnyMetric = prom.Counter<string> | prom.Gauge<string> | prom.Histogram<string>;

export class ServiceTelemetry implements HistogramTelemetry {
  readonly registry: prom.Registry;
  readonly logger: JsonLogger;
  private readonly metrics = new Map<string, { type: string; labelNames: string; metric: AnyMetric }>();

  constructor(opts: ServiceTelemetryOptions) {
    this.registry = new prom.Registry();
    this.logger = new JsonLogger({ level: opts.level, out: opts.out ?? process.stderr });
    if (opts.processMetrics !== false) prom.collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
  }

  /**
   * The Telemetry handed to one component: its logger and metrics carry its kind and id.
   * `logFields` go on its log lines only (a processor's pipeline, say).
   */
  forComponent(kind: ComponentKind, id: string, logFields: Record<string, string> = {}): HistogramTelemetry {
    return new BoundTelemetry(this, this.logger.child({ kind, component: id, ...logFields }), { kind, component: id });
  }

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    const c = this.register('counter', name, labelNames, () => new prom.Counter({ name: METRIC_PREFIX + name, help, labelNames, registers: [this.registry] })) as prom.Counter<string>;
    return { inc: (labels, value) => (labels === undefined ? c.inc(value ?? 1) : c.inc(labels, value ?? 1)) };
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    const g = this.register('gauge', name, labelNames, () => new prom.Gauge({ name: METRIC_PREFIX + name, help, labelNames, registers: [this.registry] })) as prom.Gauge<string>;
    return { set: (value, labels) => (labels === undefined ? g.set(value) : g.set(labels, value)) };
  }

  histogram(name: string, help: string, labelNames: readonly string[] = [], buckets?: readonly number[]): Histogram {
    const h = this.register('histogram', name, labelNames, () => new prom.Histogram({
      name: METRIC_PREFIX + name, help, labelNames, registers: [this.registry], ...(buckets !== undefined ? { buckets: [...buckets] } : {}),
    })) as prom.Histogram<string>;
    return { observe: (value, labels) => (labels === undefined ? h.observe(value) : h.observe(labels, value)) };
  }

  /** The Prometheus text exposition. */
  async scrape(): Promise<string> {
    return this.registry.metrics();
  }

  /** The current value of a counter or gauge with exactly these labels (tests, summaries). */
  async value(name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
    const m = this.metrics.get(name);
    if (m === undefined) return undefined;
    const data = await m.metric.get();
    const want = Object.entries(labels);
    for (const v of data.values) {
      const have = v.labels as Record<string, string | number>;
      if (want.every(([k, x]) => String(have[k]) === x) && Object.keys(have).length === want.length) return v.value;
    }
    return undefined;
  }

  private register(type: string, name: string, labelNames: readonly string[], make: () => AnyMetric): AnyMetric {
    const key = labelNames.join(',');
    const existing = this.metrics.get(name);
    if (existing !== undefined) {
      if (existing.type !== type || existing.labelNames !== key) {
        throw new KataOtelError(
          'KO_ERR_METRIC_CONFLICT',
          `metric ${METRIC_PREFIX}${name} is already a ${existing.type} with labels [${existing.labelNames}]; asked for a ${type} with [${key}]`,
        );
      }
      return existing.metric;
    }
    const metric = make();
    this.metrics.set(name, { type, labelNames: key, metric });
    return metric;
  }
}

/** A component's view: same metrics, with its kind and id bound as labels. */
class BoundTelemetry implements HistogramTelemetry {
  constructor(
    private readonly root: ServiceTelemetry,
    readonly logger: Logger,
    private readonly bound: Record<string, string>,
  ) {}

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    const c = this.root.counter(name, help, this.labelNames(labelNames));
    return { inc: (labels, value) => c.inc({ ...this.bound, ...labels }, value) };
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    const g = this.root.gauge(name, help, this.labelNames(labelNames));
    return { set: (value, labels) => g.set(value, { ...this.bound, ...labels }) };
  }

  histogram(name: string, help: string, labelNames: readonly string[] = [], buckets?: readonly number[]): Histogram {
    const h = this.root.histogram(name, help, this.labelNames(labelNames), buckets);
    return { observe: (value, labels) => h.observe(value, { ...this.bound, ...labels }) };
  }

  private labelNames(own: readonly string[]): string[] {
    return [...Object.keys(this.bound), ...own.filter((l) => !(l in this.bound))];
  }
}
