/**
 * Small components for service tests. Every instance writes what happens to it into a
 * shared journal (`start exporter test_exporter/a`, `consume ...`), and is kept in
 * `instances` under `<kind> <id>` so a test can drive or inspect it.
 */
import { z } from 'zod';
import type { Component, Host } from '../../component/component';
import { formatComponentId } from '../../component/component';
import { PermanentError, RetryableError } from '../../component/errors';
import type { ExporterFactory, ProcessorFactory, ReceiverFactory } from '../../component/factory';
import type { LogsConsumer, TracesConsumer, TracesRequest } from '../../consumer/consumer';
import type { LogRecord } from '../../pdata/log-record';
import { emptyRecord } from '../../pdata/log-record';
import type { ClaimsResources, ComponentRegistry } from '../../service/component-registry';
import { createRegistry } from '../../service/component-registry';
import type { LoadResult } from '../../service/config/types';
import { loadConfigText } from '../../service/config/load';
import {
  EXPORTER_FACTORIES, EXTENSION_FACTORIES, PROCESSOR_FACTORIES, RECEIVER_FACTORIES,
} from '../../service/registry';
import { ServiceTelemetry } from '../../service/telemetry/telemetry';

export class Journal {
  readonly events: string[] = [];
  readonly instances = new Map<string, unknown>();

  add(e: string): void {
    this.events.push(e);
  }

  /** Events starting with `prefix ` (e.g. 'start'), without the prefix. */
  of(prefix: string): string[] {
    return this.events.filter((e) => e.startsWith(`${prefix} `)).map((e) => e.slice(prefix.length + 1));
  }

  get<T>(key: string): T {
    const v = this.instances.get(key);
    if (v === undefined) throw new Error(`no instance ${key}; have ${[...this.instances.keys()].join(', ')}`);
    return v as T;
  }
}

/** The journal the factories below write to; reset it in beforeEach. */
export let journal = new Journal();
export function resetJournal(): Journal {
  journal = new Journal();
  return journal;
}

export function record(body: string, attributes: LogRecord['attributes'] = {}): LogRecord {
  const r = emptyRecord('1700000000000000000');
  r.body = body;
  r.attributes = attributes;
  return r;
}

// ---- receiver -------------------------------------------------------------------------

const receiverSchema = z.strictObject({
  endpoint: z.string().optional(),
  fail_start: z.boolean().default(false),
  /** Reports idle this many ms after start; absent: never idle. */
  idle_after_ms: z.number().optional(),
});
type ReceiverConfig = z.infer<typeof receiverSchema>;

export class TestReceiver implements Component {
  host: Host | undefined;
  private idleResolve!: () => void;
  protected readonly idle = new Promise<void>((r) => {
    this.idleResolve = r;
  });

  constructor(
    readonly label: string,
    readonly config: ReceiverConfig,
    readonly next: LogsConsumer,
  ) {}

  async start(host: Host): Promise<void> {
    journal.add(`start ${this.label}`);
    if (this.config.fail_start) throw new Error('cannot bind');
    this.host = host;
    if (this.config.idle_after_ms !== undefined) setTimeout(() => this.idleResolve(), this.config.idle_after_ms);
  }

  async shutdown(): Promise<void> {
    journal.add(`shutdown ${this.label}`);
  }

  emit(records: LogRecord[]): Promise<void> {
    return this.next.consumeLogs(records);
  }
}

/** A receiver that reports idle gets a whenIdle(); the one without cannot. */
class IdleTestReceiver extends TestReceiver {
  whenIdle(): Promise<void> {
    return this.idle;
  }
}

export const testReceiverFactory: ReceiverFactory<ReceiverConfig> & ClaimsResources<ReceiverConfig> = {
  type: 'test_receiver',
  schema: receiverSchema,
  claims: (c) => (c.endpoint === undefined ? [] : [{ kind: 'listen', value: c.endpoint, path: 'endpoint' }]),
  createLogs: (s, c, next) => {
    const label = `receiver ${formatComponentId(s.id)}`;
    const r = c.idle_after_ms !== undefined ? new IdleTestReceiver(label, c, next) : new TestReceiver(label, c, next);
    journal.instances.set(label, r);
    return r;
  },
};

export class TestTracesReceiver implements Component {
  constructor(readonly next: TracesConsumer) {}
  async start(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

export const testTracesReceiverFactory: ReceiverFactory<Record<string, never>> = {
  type: 'test_traces_receiver',
  schema: z.strictObject({}),
  createTraces: (s, _c, next) => {
    const r = new TestTracesReceiver(next);
    journal.instances.set(`traces-receiver ${formatComponentId(s.id)}`, r);
    return r;
  },
};

// ---- processor ------------------------------------------------------------------------

const processorSchema = z.strictObject({
  /** Appends its tag to attribute `trail`, changing the records it is given. */
  mutate: z.boolean().default(false),
  tag: z.string().default('p'),
});
type ProcessorConfig = z.infer<typeof processorSchema>;

export class TestProcessor implements Component, LogsConsumer {
  readonly mutatesData: boolean;
  constructor(
    readonly label: string,
    readonly config: ProcessorConfig,
    readonly next: LogsConsumer,
  ) {
    this.mutatesData = config.mutate;
  }
  async start(): Promise<void> {
    journal.add(`start ${this.label}`);
  }
  async shutdown(): Promise<void> {
    journal.add(`shutdown ${this.label}`);
  }
  consumeLogs(records: LogRecord[]): Promise<void> {
    const tag = (r: LogRecord): string => `${(r.attributes.trail as string | undefined) ?? ''}${this.config.tag}`;
    if (this.config.mutate) {
      for (const r of records) r.attributes.trail = tag(r);
      return this.next.consumeLogs(records);
    }
    return this.next.consumeLogs(records.map((r) => ({ ...r, attributes: { ...r.attributes, trail: tag(r) } })));
  }
}

export const testProcessorFactory: ProcessorFactory<ProcessorConfig> = {
  type: 'test_processor',
  schema: processorSchema,
  createLogs: (s, c, next) => {
    // One instance per pipeline: the journal keeps them all under one label, in creation order.
    const label = `processor ${formatComponentId(s.id)}`;
    const p = new TestProcessor(label, c, next);
    const list = (journal.instances.get(label) as TestProcessor[] | undefined) ?? [];
    list.push(p);
    journal.instances.set(label, list);
    return p;
  },
};

// ---- exporter -------------------------------------------------------------------------

const exporterSchema = z.strictObject({
  path: z.string().optional(),
  fail: z.enum(['none', 'permanent', 'retryable']).default('none'),
  /** Changes records in place (to prove a fan-out gave it a copy). */
  mutate: z.boolean().default(false),
  delay_ms: z.number().default(0),
  /** shutdown never resolves. */
  hang_shutdown: z.boolean().default(false),
});
type ExporterConfig = z.infer<typeof exporterSchema>;

export class TestExporter implements Component, LogsConsumer, TracesConsumer {
  readonly batches: LogRecord[][] = [];
  readonly traces: TracesRequest[] = [];
  readonly mutatesData: boolean;
  host: Host | undefined;
  constructor(
    readonly label: string,
    readonly config: ExporterConfig,
  ) {
    this.mutatesData = config.mutate;
  }
  async start(host: Host): Promise<void> {
    this.host = host;
    journal.add(`start ${this.label}`);
  }
  shutdown(): Promise<void> {
    journal.add(`shutdown ${this.label}`);
    return this.config.hang_shutdown ? new Promise(() => undefined) : Promise.resolve();
  }
  async consumeLogs(records: LogRecord[]): Promise<void> {
    if (this.config.delay_ms > 0) await new Promise((r) => setTimeout(r, this.config.delay_ms));
    if (this.config.fail === 'permanent') throw new PermanentError('KO_ERR_TEST', 'bad data');
    if (this.config.fail === 'retryable') throw new RetryableError('KO_ERR_TEST', 'busy');
    if (this.config.mutate) for (const r of records) r.attributes.touched = this.label;
    this.batches.push(records);
  }
  async consumeTraces(request: TracesRequest): Promise<void> {
    this.traces.push(request);
  }
  get records(): LogRecord[] {
    return this.batches.flat();
  }
}

export const testExporterFactory: ExporterFactory<ExporterConfig> & ClaimsResources<ExporterConfig> = {
  type: 'test_exporter',
  schema: exporterSchema,
  claims: (c) => (c.path === undefined ? [] : [{ kind: 'file', value: c.path, path: 'path' }]),
  createLogs: (s, c) => {
    const e = new TestExporter(`exporter ${formatComponentId(s.id)}`, c);
    journal.instances.set(e.label, e);
    return e;
  },
  createTraces: (s, c) => {
    const e = new TestExporter(`traces-exporter ${formatComponentId(s.id)}`, c);
    journal.instances.set(e.label, e);
    return e;
  },
};

/** kata-otel's own factories plus the test ones. */
export function testRegistry(): ComponentRegistry {
  return createRegistry({
    receivers: [...RECEIVER_FACTORIES, testReceiverFactory, testTracesReceiverFactory],
    processors: [...PROCESSOR_FACTORIES, testProcessorFactory],
    exporters: [...EXPORTER_FACTORIES, testExporterFactory],
    extensions: EXTENSION_FACTORIES,
  });
}

export function load(text: string, env: Record<string, string> = {}): LoadResult {
  return loadConfigText(text, { registry: testRegistry(), env });
}

/** Log lines written by a ServiceTelemetry, parsed. */
export class LogCapture {
  readonly lines: Record<string, unknown>[] = [];
  write(line: string): void {
    for (const l of line.split('\n')) if (l !== '') this.lines.push(JSON.parse(l) as Record<string, unknown>);
  }
  messages(level?: string): string[] {
    return this.lines.filter((l) => level === undefined || l.level === level).map((l) => String(l.msg));
  }
}

export function testTelemetry(level: 'debug' | 'info' | 'warn' | 'error' = 'debug'): { telemetry: ServiceTelemetry; logs: LogCapture } {
  const logs = new LogCapture();
  return { telemetry: new ServiceTelemetry({ level, out: logs, processMetrics: false }), logs };
}
