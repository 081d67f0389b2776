/**
 * The OTLP/gRPC backend of the end-to-end tests: a grpc-js server in the test process
 * (LogsService and TraceService) that decodes every request with kata-otel's own codec
 * (pdata/otlp/codec.ts) and records what arrives. `mode` decides how requests are
 * answered, so a test can play a healthy backend, a slow one, one answering UNAVAILABLE,
 * and (with stop()/start()) one that is down and refuses connections. The port stays the
 * same across stop() and start().
 */
import * as grpc from '@grpc/grpc-js';
import type { ExportLogsServiceRequest, ExportTraceServiceRequest, PbAnyValue, PbKeyValue } from '../../pdata/otlp/codec';
import { countSpans } from '../../exporter/helper/exporters';
import { addOtlpExportServices, type DecodedExport, type ExportSignal } from '../exporter/otlp-grpc-services';

export type BackendMode =
  /** Accept and answer OK at once. */
  | { kind: 'ok' }
  /** Answer UNAVAILABLE (retryable); nothing is kept. */
  | { kind: 'unavailable' }
  /** Keep the data, answer OK after `delayMs` (a kill in between leaves it unanswered). */
  | { kind: 'slow'; delayMs: number };

/** One log record as it arrived, reduced to what the tests check. */
export interface ArrivedRecord {
  body: string;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
  severityText: string;
  timeUnixNano: string;
  /** Index of the request it came in. */
  request: number;
}

function value(v: PbAnyValue | null | undefined): unknown {
  if (v == null) return undefined;
  if (v.stringValue != null) return v.stringValue;
  if (v.boolValue != null) return v.boolValue;
  if (v.intValue != null) return Number(v.intValue);
  if (v.doubleValue != null) return v.doubleValue;
  if (v.arrayValue != null) return (v.arrayValue.values ?? []).map(value);
  if (v.bytesValue != null) return Buffer.from(v.bytesValue).toString('base64');
  return undefined;
}

function attributes(kvs: PbKeyValue[] | null | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of kvs ?? []) out[kv.key ?? ''] = value(kv.value);
  return out;
}

export function flatten(req: ExportLogsServiceRequest, request: number): ArrivedRecord[] {
  const out: ArrivedRecord[] = [];
  for (const rl of req.resourceLogs ?? []) {
    const resource = attributes(rl.resource?.attributes);
    for (const sl of rl.scopeLogs ?? []) {
      for (const r of sl.logRecords ?? []) {
        out.push({
          body: String(value(r.body) ?? ''),
          attributes: attributes(r.attributes),
          resource,
          severityText: r.severityText ?? '',
          timeUnixNano: String(r.timeUnixNano ?? '0'),
          request,
        });
      }
    }
  }
  return out;
}

export class Backend {
  mode: BackendMode = { kind: 'ok' };
  /** Log records kept, in arrival order (requests answered UNAVAILABLE are not kept). */
  readonly records: ArrivedRecord[] = [];
  /** Trace requests kept, decoded, in arrival order. */
  readonly traces: ExportTraceServiceRequest[] = [];
  /** Every request seen, with how it was answered. */
  readonly calls: Array<{ signal: 'logs' | 'traces'; answer: BackendMode['kind']; items: number }> = [];
  port = 0;
  private server: grpc.Server | undefined;
  private keptRequests = 0;

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  /** Listens (again) on `port`, or on a free port the first time. */
  async start(): Promise<void> {
    if (this.server !== undefined) return;
    const server = new grpc.Server();
    addOtlpExportServices(server, (signal, decoded, _call, cb) => this.take(signal, decoded, cb));
    this.port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`127.0.0.1:${this.port}`, grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port)));
    });
    this.server = server;
  }

  /** Closes the listener and every connection: the sidecar now gets connection refused. */
  stop(): void {
    this.server?.forceShutdown();
    this.server = undefined;
  }

  callsAnswered(kind: BackendMode['kind'], signal: 'logs' | 'traces' = 'logs'): number {
    return this.calls.filter((c) => c.answer === kind && c.signal === signal).length;
  }

  private take(signal: ExportSignal, { logs, traces }: DecodedExport, cb: grpc.sendUnaryData<Buffer>): void {
    const mode = this.mode;
    const arrived = logs === undefined ? [] : flatten(logs, this.keptRequests);
    const items = arrived.length + (traces === undefined ? 0 : countSpans(traces));
    this.calls.push({ signal, answer: mode.kind, items });
    if (mode.kind === 'unavailable') {
      cb({ code: grpc.status.UNAVAILABLE, details: 'e2e backend: unavailable' });
      return;
    }
    this.keptRequests++;
    for (const r of arrived) this.records.push(r);
    if (traces !== undefined) this.traces.push(traces);
    if (mode.kind === 'slow') setTimeout(() => cb(null, Buffer.alloc(0)), mode.delayMs);
    else cb(null, Buffer.alloc(0));
  }
}
