/**
 * Fakes for receiver tests, in the spirit of the Collector's consumertest: a consumer
 * that records what it accepts and can be told to refuse, and a telemetry that keeps
 * counts and log lines in memory.
 */
import type { Host } from '../../component/component';
import { RetryableError } from '../../component/errors';
import type { Counter, Gauge, Logger, Telemetry } from '../../component/telemetry';
import type { LogsConsumer } from '../../consumer/consumer';
import type { LogRecord } from '../../pdata/log-record';

export interface LoggedLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  fields: Record<string, unknown> | undefined;
}

export class MemoryTelemetry implements Telemetry {
  readonly lines: LoggedLine[] = [];
  readonly values = new Map<string, number>();
  readonly logger: Logger;

  constructor() {
    const log = (level: LoggedLine['level']) => (msg: string, fields?: Record<string, unknown>): void => {
      this.lines.push({ level, msg, fields });
    };
    this.logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  }

  counter(name: string): Counter {
    return {
      inc: (labels?: Record<string, string>, value = 1): void => {
        const key = MemoryTelemetry.key(name, labels);
        this.values.set(key, (this.values.get(key) ?? 0) + value);
      },
    };
  }

  gauge(name: string): Gauge {
    return {
      set: (value: number, labels?: Record<string, string>): void => {
        this.values.set(MemoryTelemetry.key(name, labels), value);
      },
    };
  }

  static key(name: string, labels?: Record<string, string>): string {
    if (labels === undefined) return name;
    const parts = Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`);
    return `${name}{${parts.join(',')}}`;
  }
}

export class TestHost implements Host {
  readonly fatal: Error[] = [];
  constructor(readonly telemetry: Telemetry = new MemoryTelemetry()) {}
  reportFatalError(err: Error): void {
    this.fatal.push(err);
  }
}

/** Records accepted batches; `refuse` makes it reject with a retryable error until cleared. */
export class SinkConsumer implements LogsConsumer {
  readonly records: LogRecord[] = [];
  readonly batches: number[] = [];
  calls = 0;
  refusals = 0;
  refuse = false;
  /** An error to throw instead of the default retryable one. */
  error: Error | undefined;
  private waiters: Array<{ n: number; resolve: () => void }> = [];

  async consumeLogs(records: LogRecord[]): Promise<void> {
    this.calls++;
    if (this.refuse || this.error !== undefined) {
      this.refusals++;
      throw this.error ?? new RetryableError('KO_ERR_TEST_BUSY', 'test sink is refusing');
    }
    this.batches.push(records.length);
    for (const r of records) this.records.push(r);
    this.waiters = this.waiters.filter((w) => {
      if (this.records.length < w.n) return true;
      w.resolve();
      return false;
    });
  }

  /** Resolves once at least `n` records were accepted; rejects after `timeoutMs`. */
  waitFor(n: number, timeoutMs = 10_000): Promise<void> {
    if (this.records.length >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${n} records, have ${this.records.length}`)), timeoutMs);
      this.waiters.push({
        n,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  bodies(): string[] {
    return this.records.map((r) => r.body);
  }
}

/** Polls `cond` every 10 ms until it holds; rejects with `what` after `timeoutMs`. */
export async function eventually(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
