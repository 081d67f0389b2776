/**
 * A real OTLP backend for the exporter tests: a grpc-js server (LogsService and
 * TraceService) and a node:http server (/v1/logs, /v1/traces; protobuf and JSON; gzip),
 * both decoding with kata-otel's own schema. Each request is answered by `reply` (default:
 * success), so a test can play an outage (stop(): connections refused), 503/UNAVAILABLE,
 * throttling, permanent errors and partial success.
 */
import * as grpc from '@grpc/grpc-js';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { ExportLogsServiceRequest, ExportTraceServiceRequest } from '../../pdata/otlp/codec';
import {
  decodeExportLogsRequest, decodeExportTraceRequest, encodeExportLogsResponse, encodeExportTraceResponse,
  ExportLogsServiceRequestType, ExportTraceServiceRequestType, otlpObjectFromJson,
} from '../../pdata/otlp/codec';
import { countSpans } from '../../exporter/helper/exporters';
import { encodeRpcStatus } from '../../exporter/helper/outcome';
import { addOtlpExportServices } from './otlp-grpc-services';

export interface ReceivedRecord {
  body: string;
  timeUnixNano: string;
  observedTimeUnixNano: string;
  severityNumber: number;
  severityText: string;
  eventName: string;
  traceId: string;
  spanId: string;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
  scope: string;
}

export interface IncomingRequest {
  transport: 'grpc' | 'http';
  signal: 'logs' | 'traces';
  records: ReceivedRecord[];
  spans: number;
  headers: Record<string, string>;
  encoding: 'proto' | 'json';
  gzip: boolean;
}

export type Reply =
  | { ok: true; rejected?: number; message?: string }
  | { httpStatus: number; retryAfter?: string; message?: string }
  | { grpcCode: number; retryDelayMs?: number; message?: string }
  /** Accept the data, then answer only after `ms`. */
  | { delayMs: number };

function anyValue(v: Record<string, unknown> | null | undefined): unknown {
  if (v == null) return undefined;
  if (v.stringValue != null) return v.stringValue;
  if (v.boolValue != null) return v.boolValue;
  if (v.intValue != null) return `int:${String(v.intValue)}`;
  if (v.doubleValue != null) return v.doubleValue;
  if (v.arrayValue != null) return ((v.arrayValue as { values?: Array<Record<string, unknown>> }).values ?? []).map(anyValue);
  return undefined;
}

function attrs(kvs: Array<{ key?: string | null; value?: unknown }> | null | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of kvs ?? []) out[kv.key ?? ''] = anyValue(kv.value as Record<string, unknown>);
  return out;
}

const hex = (b: Uint8Array | null | undefined): string => (b == null ? '' : Buffer.from(b).toString('hex'));

export function flattenLogs(req: ExportLogsServiceRequest): ReceivedRecord[] {
  const out: ReceivedRecord[] = [];
  for (const rl of req.resourceLogs ?? []) {
    const resource = attrs(rl.resource?.attributes);
    for (const sl of rl.scopeLogs ?? []) {
      for (const r of sl.logRecords ?? []) {
        out.push({
          body: String(anyValue(r.body as Record<string, unknown>) ?? ''),
          timeUnixNano: String(r.timeUnixNano ?? '0'),
          observedTimeUnixNano: String(r.observedTimeUnixNano ?? '0'),
          severityNumber: r.severityNumber ?? 0,
          severityText: r.severityText ?? '',
          eventName: r.eventName ?? '',
          traceId: hex(r.traceId),
          spanId: hex(r.spanId),
          attributes: attrs(r.attributes),
          resource,
          scope: `${sl.scope?.name ?? ''}@${sl.scope?.version ?? ''}`,
        });
      }
    }
  }
  return out;
}

/** PEM material for a TLS backend; with `ca`, clients must present a certificate it signed (mTLS). */
export interface BackendTls {
  key: Buffer;
  cert: Buffer;
  ca?: Buffer;
}

export class OtlpBackend {
  constructor(private readonly tls?: BackendTls) {}

  /** Records of accepted log requests, in arrival order. */
  readonly records: ReceivedRecord[] = [];
  readonly traces: ExportTraceServiceRequest[] = [];
  readonly requests: IncomingRequest[] = [];
  /** Answers per request; default success. */
  reply: (req: IncomingRequest) => Reply = () => ({ ok: true });
  grpcPort = 0;
  httpPort = 0;
  private grpcServer: grpc.Server | undefined;
  private httpServer: http.Server | undefined;
  private readonly sockets = new Set<import('node:net').Socket>();

  get grpcEndpoint(): string {
    return `${this.tls === undefined ? 'http' : 'https'}://127.0.0.1:${this.grpcPort}`;
  }

  get httpEndpoint(): string {
    return `${this.tls === undefined ? 'http' : 'https'}://127.0.0.1:${this.httpPort}`;
  }

  async start(): Promise<void> {
    await Promise.all([this.startGrpc(), this.startHttp()]);
  }

  /** Closes both listeners and every open connection: clients now get ECONNREFUSED / UNAVAILABLE. */
  async stop(): Promise<void> {
    const g = this.grpcServer;
    this.grpcServer = undefined;
    g?.forceShutdown();
    const h = this.httpServer;
    this.httpServer = undefined;
    if (h !== undefined) {
      for (const s of this.sockets) s.destroy();
      await new Promise<void>((resolve) => h.close(() => resolve()));
    }
  }

  bodies(): string[] {
    return this.records.map((r) => r.body);
  }

  private accept(req: IncomingRequest, logs: ExportLogsServiceRequest | undefined, traces: ExportTraceServiceRequest | undefined): Reply {
    this.requests.push(req);
    const reply = this.reply(req);
    if ('ok' in reply || 'delayMs' in reply) {
      const rejected = 'ok' in reply ? reply.rejected ?? 0 : 0;
      if (logs !== undefined) this.records.push(...req.records.slice(0, req.records.length - rejected));
      if (traces !== undefined) this.traces.push(traces);
    }
    return reply;
  }

  private async startGrpc(): Promise<void> {
    const server = new grpc.Server();
    addOtlpExportServices(server, (signal, { logs, traces }, call, cb) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(call.metadata.getMap())) headers[k] = String(v);
      const req: IncomingRequest = {
        transport: 'grpc', signal, records: logs === undefined ? [] : flattenLogs(logs), spans: traces === undefined ? 0 : countSpans(traces),
        headers, encoding: 'proto', gzip: false,
      };
      const reply = this.accept(req, logs, traces);
      this.answerGrpc(reply, signal, cb);
    });
    this.grpcPort = await new Promise<number>((resolve, reject) => {
      const creds = this.tls === undefined
        ? grpc.ServerCredentials.createInsecure()
        : grpc.ServerCredentials.createSsl(this.tls.ca ?? null, [{ private_key: this.tls.key, cert_chain: this.tls.cert }], this.tls.ca !== undefined);
      server.bindAsync(`127.0.0.1:${this.grpcPort}`, creds, (err, port) => (err ? reject(err) : resolve(port)));
    });
    this.grpcServer = server;
  }

  private answerGrpc(reply: Reply, signal: 'logs' | 'traces', cb: grpc.sendUnaryData<Buffer>): void {
    const okBody = (rejected: number, message: string): Buffer => {
      if (rejected === 0 && message === '') return Buffer.alloc(0);
      return Buffer.from(signal === 'logs'
        ? encodeExportLogsResponse({ partialSuccess: { rejectedLogRecords: String(rejected), errorMessage: message } })
        : encodeExportTraceResponse({ partialSuccess: { rejectedSpans: String(rejected), errorMessage: message } }));
    };
    if ('ok' in reply) return cb(null, okBody(reply.rejected ?? 0, reply.message ?? ''));
    if ('delayMs' in reply) {
      setTimeout(() => cb(null, okBody(0, '')), reply.delayMs);
      return;
    }
    if ('grpcCode' in reply) {
      const metadata = new grpc.Metadata();
      if (reply.retryDelayMs !== undefined) {
        metadata.set('grpc-status-details-bin', Buffer.from(encodeRpcStatus({ code: reply.grpcCode, message: reply.message ?? '', retryDelayMs: reply.retryDelayMs })));
      }
      return cb({ code: reply.grpcCode, details: reply.message ?? 'test failure', metadata });
    }
    cb({ code: grpc.status.UNAVAILABLE, details: `HTTP-only reply ${reply.httpStatus}` });
  }

  private async startHttp(): Promise<void> {
    const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.handleHttp(req, Buffer.concat(chunks), res));
    };
    const server: http.Server = this.tls === undefined
      ? http.createServer(onRequest)
      : https.createServer({ key: this.tls.key, cert: this.tls.cert, ...(this.tls.ca !== undefined ? { ca: this.tls.ca, requestCert: true, rejectUnauthorized: true } : {}) }, onRequest);
    server.on(this.tls === undefined ? 'connection' : 'secureConnection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.httpPort, '127.0.0.1', () => resolve());
    });
    this.httpPort = (server.address() as AddressInfo).port;
    this.httpServer = server;
  }

  private handleHttp(req: http.IncomingMessage, raw: Buffer, res: http.ServerResponse): void {
    const signal = req.url === '/v1/logs' ? 'logs' : req.url === '/v1/traces' ? 'traces' : undefined;
    if (req.method !== 'POST' || signal === undefined) {
      res.writeHead(404).end();
      return;
    }
    const gz = req.headers['content-encoding'] === 'gzip';
    const json = (req.headers['content-type'] ?? '').includes('json');
    let logs: ExportLogsServiceRequest | undefined;
    let traces: ExportTraceServiceRequest | undefined;
    try {
      const body = gz ? gunzipSync(raw) : raw;
      if (json) {
        const parsed = JSON.parse(body.toString('utf8')) as unknown;
        if (signal === 'logs') logs = otlpObjectFromJson<ExportLogsServiceRequest>(ExportLogsServiceRequestType, parsed);
        else traces = otlpObjectFromJson<ExportTraceServiceRequest>(ExportTraceServiceRequestType, parsed);
      } else if (signal === 'logs') logs = decodeExportLogsRequest(body);
      else traces = decodeExportTraceRequest(body);
    } catch (err) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end(`undecodable: ${(err as Error).message}`);
      return;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = String(v);
    const incoming: IncomingRequest = {
      transport: 'http', signal, records: logs === undefined ? [] : flattenLogs(logs), spans: traces === undefined ? 0 : countSpans(traces),
      headers, encoding: json ? 'json' : 'proto', gzip: gz,
    };
    const reply = this.accept(incoming, logs, traces);
    const ct = json ? 'application/json' : 'application/x-protobuf';
    const okBody = (rejected: number, message: string): Buffer | string => {
      if (rejected === 0 && message === '') return json ? '{}' : Buffer.alloc(0);
      if (json) {
        return JSON.stringify({ partialSuccess: signal === 'logs' ? { rejectedLogRecords: String(rejected), errorMessage: message } : { rejectedSpans: String(rejected), errorMessage: message } });
      }
      return Buffer.from(signal === 'logs'
        ? encodeExportLogsResponse({ partialSuccess: { rejectedLogRecords: String(rejected), errorMessage: message } })
        : encodeExportTraceResponse({ partialSuccess: { rejectedSpans: String(rejected), errorMessage: message } }));
    };
    if ('ok' in reply) {
      res.writeHead(200, { 'content-type': ct }).end(okBody(reply.rejected ?? 0, reply.message ?? ''));
    } else if ('delayMs' in reply) {
      setTimeout(() => res.writeHead(200, { 'content-type': ct }).end(okBody(0, '')), reply.delayMs);
    } else if ('httpStatus' in reply) {
      const h: Record<string, string> = { 'content-type': ct };
      if (reply.retryAfter !== undefined) h['retry-after'] = reply.retryAfter;
      const status = Buffer.from(encodeRpcStatus({ code: 14, message: reply.message ?? `status ${reply.httpStatus}` }));
      res.writeHead(reply.httpStatus, h).end(json ? JSON.stringify({ code: 14, message: reply.message ?? `status ${reply.httpStatus}` }) : status);
    } else {
      res.writeHead(503, { 'content-type': ct }).end();
    }
  }
}
