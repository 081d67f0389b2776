/**
 * The running sidecar: pipelines built from a loaded configuration, started and stopped
 * in the order that lets each stage drain into a live consumer.
 *
 * Wiring, per signal: receiver → processors in order → fan-out to the exporters. A
 * receiver listed in several pipelines is one instance fanning out to each pipeline; an
 * exporter listed in several pipelines is one instance; each pipeline has its own
 * processor instances (as in the Collector). Fan-outs copy records only for consumers
 * that change them (fanout.ts).
 *
 * Order: the telemetry endpoint, extensions, exporters, processors (last first),
 * receivers; stop in the reverse (receivers first), within a deadline. `shutdown` is
 * idempotent and safe before or during `start`. A component reporting a fatal error
 * stops the service; `done` says why it stopped.
 */
import { join } from 'node:path';
import type { Component, Host } from '../component/component';
import { isPermanent } from '../component/errors';
import type { CreateSettings } from '../component/factory';
import type { Logger, Telemetry } from '../component/telemetry';
import type { LogsConsumer, TracesConsumer } from '../consumer/consumer';
import type { LogRecord } from '../pdata/log-record';
import type { PipelineConfig, ResolvedComponent, ServiceConfig, Signal } from './config/types';
import type { FanoutTarget } from './fanout';
import { logsFanout, mutatesData, tracesFanout } from './fanout';
import type { ComponentMetrics } from './telemetry/metrics';
import { componentMetrics, METRICS } from './telemetry/metrics';
import { TelemetryServer } from './telemetry/server';
import type { ComponentKind, ServiceTelemetry } from './telemetry/telemetry';

export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 15_000;

export interface ServiceOptions {
  telemetry: ServiceTelemetry;
  /** Time allowed for stopping every component; default 15 s. */
  shutdownTimeoutMs?: number;
}

/**
 * A receiver with finite input implements this: the promise resolves once it has read
 * all its input and the pipeline accepted all of it (`kata-otel run --exit-when-idle`).
 */
export interface ReportsIdle {
  whenIdle(): Promise<void>;
}

export function reportsIdle(c: unknown): c is ReportsIdle {
  return typeof (c as Partial<ReportsIdle> | null)?.whenIdle === 'function';
}

export type ServiceState = 'built' | 'starting' | 'running' | 'stopping' | 'stopped';

export interface ServiceResult {
  /** Why the service stopped ("SIGTERM", "all receivers idle", "fatal error in exporter file"). */
  reason: string;
  /** Set when a component's fatal error (or a failed start) stopped the service. */
  error?: Error;
}

interface Node {
  kind: ComponentKind;
  key: string;
  /** `exporter file`, `processor kata_parser (pipeline logs)` */
  label: string;
  component: Component;
  telemetry: Telemetry;
  signal: Signal;
}

/** Counts what the pipeline accepted from (or refused to) a receiver. */
class ReceiverOutput implements LogsConsumer {
  constructor(
    private readonly next: LogsConsumer,
    private readonly metrics: ComponentMetrics,
    /** Some processor or exporter behind it changes records in place (receivers then copy). */
    readonly mutatesData: boolean,
  ) {}

  async consumeLogs(records: LogRecord[]): Promise<void> {
    const n = records.length;
    try {
      await this.next.consumeLogs(records);
    } catch (err) {
      if (isPermanent(err)) this.metrics.refused(n);
      throw err;
    }
    this.metrics.received(n);
  }
}

function componentDir(kind: ComponentKind, c: ResolvedComponent<unknown>): string {
  return c.id.name === '' ? `${kind}-${c.id.type}` : `${kind}-${c.id.type}-${c.id.name}`;
}

export class Service {
  readonly done: Promise<ServiceResult>;
  private stateValue: ServiceState = 'built';
  private readonly nodes: Node[] = [];
  private readonly startOrder: Node[];
  private readonly stopOrder: Node[];
  private readonly receiverNodes: Node[] = [];
  private readonly logger: Logger;
  private readonly shutdownTimeoutMs: number;
  private server: TelemetryServer | undefined;
  private startPromise: Promise<void> | undefined;
  private shutdownPromise: Promise<void> | undefined;
  private stopRequested = false;
  private failure: Error | undefined;
  private resolveDone!: (r: ServiceResult) => void;

  /** Creates every component (no I/O yet); throws when a factory does. */
  constructor(
    private readonly config: ServiceConfig,
    private readonly opts: ServiceOptions,
  ) {
    this.logger = opts.telemetry.logger;
    this.shutdownTimeoutMs = opts.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
    const { extensions, exporters, processors, receivers } = this.build();
    this.startOrder = [...extensions, ...exporters, ...processors.slice().reverse(), ...receivers];
    this.stopOrder = [...receivers, ...processors, ...exporters, ...extensions];
  }

  get state(): ServiceState {
    return this.stateValue;
  }

  /** Every component started and shutdown has not begun (what /readyz reports). */
  isReady(): boolean {
    return this.stateValue === 'running';
  }

  /** The telemetry endpoint's address once started (its port when 0 was configured). */
  get telemetryAddress(): string | undefined {
    return this.server?.address;
  }

  /** Labels of the components in start order, e.g. `exporter file` (tests, logs). */
  get componentsInStartOrder(): string[] {
    return this.startOrder.map((n) => n.label);
  }

  /**
   * Resolves when every receiver reports idle, or undefined when one cannot (it follows
   * live input), in which case the service runs until it is stopped.
   */
  whenIdle(): Promise<void> | undefined {
    const idle: Promise<void>[] = [];
    for (const n of this.receiverNodes) {
      if (!reportsIdle(n.component)) return undefined;
      idle.push(n.component.whenIdle());
    }
    return Promise.all(idle).then(() => undefined);
  }

  /** Starts everything; rejects (after stopping what started) when a component cannot start. */
  async start(): Promise<void> {
    if (this.startPromise !== undefined) return this.startPromise;
    this.startPromise = this.startAll();
    try {
      await this.startPromise;
    } catch (err) {
      this.failure ??= err as Error;
      this.logger.error('start failed; stopping', { error: err });
      await this.shutdown('start failed');
      throw err;
    }
  }

  /** Stops everything once; later calls return the same promise. */
  shutdown(reason = 'shutdown requested'): Promise<void> {
    this.shutdownPromise ??= this.stopAll(reason);
    return this.shutdownPromise;
  }

  private build(): { extensions: Node[]; exporters: Node[]; processors: Node[]; receivers: Node[] } {
    const c = this.config;
    const t = this.opts.telemetry;
    const settings = (kind: ComponentKind, rc: ResolvedComponent<unknown>, telemetry: Telemetry): CreateSettings => ({
      id: rc.id, telemetry, storageDir: join(c.storageDir, componentDir(kind, rc)),
    });
    const add = (node: Node, list: Node[]): void => {
      this.nodes.push(node);
      list.push(node);
    };

    const extensions: Node[] = [];
    for (const key of c.serviceExtensions) {
      const rc = c.extensions.get(key)!;
      const telemetry = t.forComponent('extension', key);
      add({ kind: 'extension', key, label: `extension ${key}`, signal: 'logs', telemetry, component: rc.factory.create(settings('extension', rc, telemetry), rc.config) }, extensions);
    }

    // Exporters: one per (signal, id), shared by the pipelines of that signal.
    const exporters: Node[] = [];
    const exporterBy = new Map<string, Node>();
    const exporter = (signal: Signal, key: string): Node => {
      let node = exporterBy.get(`${signal}\u0000${key}`);
      if (node === undefined) {
        const rc = c.exporters.get(key)!;
        const telemetry = t.forComponent('exporter', key);
        const s = settings('exporter', rc, telemetry);
        const component = signal === 'logs' ? rc.factory.createLogs!(s, rc.config) : rc.factory.createTraces!(s, rc.config);
        node = { kind: 'exporter', key, label: `exporter ${key}${signal === 'traces' ? ' (traces)' : ''}`, signal, telemetry, component };
        exporterBy.set(`${signal}\u0000${key}`, node);
        add(node, exporters);
      }
      return node;
    };

    // Processors: built back to front so each gets its successor.
    const processors: Node[] = [];
    const heads = new Map<string, FanoutTarget<LogsConsumer | TracesConsumer>>();
    for (const p of c.pipelines.values()) {
      const exps = p.exporters.map((key) => exporter(p.signal, key));
      let next: LogsConsumer | TracesConsumer = p.signal === 'logs'
        ? logsFanout(exps.map((n) => ({ consumer: n.component as unknown as LogsConsumer, mutates: mutatesData(n.component) })))
        : tracesFanout(exps.map((n) => n.component as unknown as TracesConsumer));
      // With one exporter the pipeline hands it the very records it got, so its habits count.
      let mutates = exps.some((n) => mutatesData(n.component));
      const chain: Node[] = [];
      for (let i = p.processors.length - 1; i >= 0; i--) {
        const key = p.processors[i]!;
        const rc = c.processors.get(key)!;
        const telemetry = t.forComponent('processor', key, { pipeline: p.key });
        const s = settings('processor', rc, telemetry);
        const component = p.signal === 'logs'
          ? rc.factory.createLogs!(s, rc.config, next as LogsConsumer)
          : rc.factory.createTraces!(s, rc.config, next as TracesConsumer);
        mutates ||= mutatesData(component);
        chain.unshift({ kind: 'processor', key, label: `processor ${key} (pipeline ${p.key})`, signal: p.signal, telemetry, component });
        next = component;
      }
      for (const n of chain) add(n, processors);
      heads.set(p.key, { consumer: next, mutates });
    }

    // Receivers: one per (signal, id), fanning out to every pipeline that lists it.
    const receivers: Node[] = [];
    const seen = new Set<string>();
    for (const p of c.pipelines.values()) {
      for (const key of p.receivers) {
        if (seen.has(`${p.signal}\u0000${key}`)) continue;
        seen.add(`${p.signal}\u0000${key}`);
        const targets = [...c.pipelines.values()].filter((q) => q.signal === p.signal && q.receivers.includes(key)).map((q) => heads.get(q.key)!);
        const rc = c.receivers.get(key)!;
        const telemetry = t.forComponent('receiver', key);
        const s = settings('receiver', rc, telemetry);
        const component = p.signal === 'logs'
          ? rc.factory.createLogs!(s, rc.config, new ReceiverOutput(logsFanout(targets as FanoutTarget<LogsConsumer>[]), componentMetrics(telemetry), targets.some((x) => x.mutates)))
          : rc.factory.createTraces!(s, rc.config, tracesFanout(targets.map((x) => x.consumer as TracesConsumer)));
        const node: Node = { kind: 'receiver', key, label: `receiver ${key}${p.signal === 'traces' ? ' (traces)' : ''}`, signal: p.signal, telemetry, component };
        add(node, receivers);
        this.receiverNodes.push(node);
      }
    }
    return { extensions, exporters, processors, receivers };
  }

  private async startAll(): Promise<void> {
    this.stateValue = 'starting';
    const metrics = this.config.telemetry.metrics;
    if (metrics.level !== 'none') {
      this.server = new TelemetryServer({ address: metrics.address, telemetry: this.opts.telemetry, ready: () => this.isReady(), logger: this.logger });
      await this.server.start();
    }
    for (const node of this.startOrder) {
      if (this.stopRequested) return;
      const host: Host = { telemetry: node.telemetry, reportFatalError: (err) => this.onFatal(node, err) };
      this.logger.debug('starting', { kind: node.kind, component: node.key });
      try {
        await node.component.start(host);
      } catch (err) {
        throw new Error(`${node.label} failed to start: ${(err as Error)?.message ?? String(err)}`, { cause: err });
      }
      if (this.failure !== undefined) throw this.failure;
    }
    if (this.stopRequested) return;
    this.stateValue = 'running';
    this.logger.info('kata-otel is running', { pipelines: describePipelines(this.config.pipelines.values()) });
  }

  /** Records received per receiver and exported per exporter, for the last log line. */
  private async totals(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    const t = this.opts.telemetry;
    for (const n of this.nodes) {
      const name = n.kind === 'receiver' ? METRICS.recordsReceived.name : n.kind === 'exporter' ? METRICS.recordsExported.name : undefined;
      if (name === undefined || n.signal !== 'logs') continue;
      const v = await t.value(name, { kind: n.kind, component: n.key }).catch(() => undefined);
      out[`${n.kind === 'receiver' ? 'received by' : 'exported by'} ${n.key}`] = v ?? 0;
    }
    return out;
  }

  private onFatal(node: Node, err: Error): void {
    if (this.stateValue === 'stopped') return;
    const error = err instanceof Error ? err : new Error(String(err));
    this.logger.error('component failed; stopping the service', { kind: node.kind, component: node.key, error });
    if (this.failure === undefined) this.failure = new Error(`${node.label} failed: ${error.message}`, { cause: error });
    void this.shutdown(`fatal error in ${node.label}`);
  }

  private async stopAll(reason: string): Promise<void> {
    this.stopRequested = true;
    if (this.stateValue !== 'built') this.stateValue = 'stopping';
    this.logger.info('shutting down', { reason, timeoutMs: this.shutdownTimeoutMs });
    const deadline = Date.now() + this.shutdownTimeoutMs;
    // Whatever was starting finishes its start first, so it can be stopped cleanly.
    if (this.startPromise !== undefined) {
      const started = await beforeDeadline(this.startPromise.catch(() => undefined), deadline);
      if (started === 'timeout') this.logger.error('start did not finish before the shutdown deadline', { timeoutMs: this.shutdownTimeoutMs });
    }
    this.stateValue = 'stopping';
    for (const node of this.stopOrder) {
      try {
        const outcome = await beforeDeadline(node.component.shutdown(), deadline);
        if (outcome === 'timeout') {
          this.logger.error('component did not stop before the shutdown deadline; going on without it', { kind: node.kind, component: node.key, timeoutMs: this.shutdownTimeoutMs });
        } else {
          this.logger.debug('stopped', { kind: node.kind, component: node.key });
        }
      } catch (err) {
        this.logger.error('component failed to stop cleanly', { kind: node.kind, component: node.key, error: err });
      }
    }
    await this.server?.stop();
    this.stateValue = 'stopped';
    this.logger.info('stopped', { reason, records: await this.totals() });
    this.resolveDone(this.failure === undefined ? { reason } : { reason, error: this.failure });
  }
}

/** 'done' when `p` settles before `deadline` (ms since the epoch), else 'timeout'; rejects with p. */
async function beforeDeadline(p: Promise<unknown>, deadline: number): Promise<'done' | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), Math.max(deadline - Date.now(), 0));
  });
  try {
    return await Promise.race([p.then(() => 'done' as const), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** `{"logs": "static_file → kata_parser → file"}` for the start-up log line. */
export function describePipelines(pipelines: Iterable<PipelineConfig>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pipelines) {
    out[p.key] = [p.receivers.join(', '), ...p.processors, p.exporters.join(', ')].join(' → ');
  }
  return out;
}
