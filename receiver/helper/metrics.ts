/**
 * The counters every receiver keeps, named after the Collector's receiverhelper
 * (`otelcol_receiver_accepted_log_records`, `..._refused_log_records`) under kata-otel's
 * prefix, with the receiver's id as a label. Receiver-specific events (rotations,
 * duplicates suppressed, garbage on a port, UDP drops) go through `event`, one counter
 * `receiver_events_total{receiver,event}`, so a new event needs no new metric.
 * Every count is also kept locally (`snapshot()`), which tests and logs read.
 */
import type { Counter, Logger, Telemetry } from '../../component/telemetry';

export class ReceiverMetrics {
  private readonly labels: Record<string, string>;
  private readonly acceptedC: Counter;
  private readonly refusedC: Counter;
  private readonly retriedC: Counter;
  private readonly eventsC: Counter;
  private readonly counts = new Map<string, number>();
  readonly logger: Logger;

  constructor(telemetry: Telemetry, readonly receiver: string) {
    this.labels = { receiver };
    this.logger = telemetry.logger;
    this.acceptedC = telemetry.counter('receiver_accepted_log_records_total', 'Log records a receiver handed on and the next stage accepted', ['receiver']);
    this.refusedC = telemetry.counter('receiver_refused_log_records_total', 'Log records the next stage refused permanently (bad data, not retried)', ['receiver']);
    this.retriedC = telemetry.counter('receiver_retried_log_records_total', 'Log records offered again after the next stage asked to retry (backpressure; not a drop)', ['receiver']);
    this.eventsC = telemetry.counter('receiver_events_total', 'Receiver events by kind: rotations, truncations, duplicates suppressed, invalid input, drops', ['receiver', 'event']);
  }

  accepted(n: number): void {
    this.acceptedC.inc(this.labels, n);
    this.add('accepted', n);
  }

  refused(n: number, err: unknown): void {
    this.refusedC.inc(this.labels, n);
    this.add('refused', n);
    this.logger.error('next stage refused log records permanently', { receiver: this.receiver, records: n, error: (err as Error)?.message });
  }

  retried(n: number): void {
    this.retriedC.inc(this.labels, n);
    this.add('retried', n);
  }

  /** Counts `n` occurrences of `event` (lower_snake_case). */
  event(event: string, n = 1): void {
    this.eventsC.inc({ receiver: this.receiver, event }, n);
    this.add(event, n);
  }

  /** Local count of `accepted`, `refused`, `retried` or an event. */
  count(name: string): number {
    return this.counts.get(name) ?? 0;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  private add(name: string, n: number): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + n);
  }
}
