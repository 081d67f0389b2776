/**
 * The `sigma` processor: evaluates the rule pack on every record, tags matches in place
 * (so it declares mutatesData and a fan-out before it copies) and adds correlation events
 * to the batch. It keeps correlation windows across batches; they are memory only and
 * start empty after a restart.
 */
import type { Component } from '../../component/component';
import type { LogsConsumer } from '../../consumer/consumer';
import type { LogRecord } from '../../pdata/log-record';
import type { SecurityMetrics } from '../../service/telemetry/metrics';
import type { SigmaEngine } from './engine';

export class SigmaProcessor implements Component, LogsConsumer {
  readonly mutatesData = true;

  constructor(
    readonly engine: SigmaEngine,
    private readonly next: LogsConsumer,
    private readonly metrics: SecurityMetrics,
  ) {}

  async start(): Promise<void> {}

  async shutdown(): Promise<void> {}

  consumeLogs(records: LogRecord[]): Promise<void> {
    const out = this.engine.process(records);
    this.report();
    return this.next.consumeLogs(out);
  }

  private report(): void {
    const c = this.engine.drainCounts();
    for (const [rule, n] of c.matched) this.metrics.matched(rule, n);
    for (const [rule, n] of c.suppressed) this.metrics.suppressed(rule, 'exception', n);
    for (const [rule, n] of c.correlations) this.metrics.correlations(rule, n);
    for (const [rule, n] of c.evicted) this.metrics.evicted(rule, n);
    this.metrics.groups(this.engine.groupCount());
  }
}
