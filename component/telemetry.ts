/**
 * What a component needs to report about itself: a structured logger that never writes
 * record content or secrets, and counters/gauges that end up on the Prometheus endpoint.
 * Components receive it through Host, never from a global.
 */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface Counter {
  inc(labels?: Record<string, string>, value?: number): void;
}

export interface Gauge {
  set(value: number, labels?: Record<string, string>): void;
}

export interface Telemetry {
  logger: Logger;
  /** Metric names are `kata_otel_<name>`; the same name returns the same metric. */
  counter(name: string, help: string, labelNames?: readonly string[]): Counter;
  gauge(name: string, help: string, labelNames?: readonly string[]): Gauge;
}
