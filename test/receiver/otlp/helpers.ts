/**
 * Test kit for the otlp receiver: a recording Telemetry and consumers, a receiver started on
 * ephemeral loopback ports, raw HTTP and gRPC clients, and certificates made with openssl.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { Host } from '../../../component/component';
import type { Counter, Gauge, Telemetry } from '../../../component/telemetry';
import type { LogsConsumer, TracesConsumer, TracesRequest } from '../../../consumer/consumer';
import type { LogRecord } from '../../../pdata/log-record';
import { encodeExportLogsRequest, type ExportLogsServiceRequest, type PbLogRecord } from '../../../pdata/otlp/codec';
import { otlpReceiverFactory } from '../../../receiver/otlp';
import type { OtlpReceiverConfig } from '../../../receiver/otlp/config';
import type { OtlpReceiverPart } from '../../../receiver/otlp/receiver';

// ---- telemetry --------------------------------------------------------------------------

export interface LoggedLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  fields: Record<string, unknown>;
}

export class RecordingTelemetry implements Telemetry {
  readonly lines: LoggedLine[] = [];
  private readonly values = new Map<string, number>();

  readonly logger = {
    debug: (msg: string, fields: Record<string, unknown> = {}) => this.lines.push({ level: 'debug', msg, fields }),
    info: (msg: string, fields: Record<string, unknown> = {}) => this.lines.push({ level: 'info', msg, fields }),
    warn: (msg: string, fields: Record<string, unknown> = {}) => this.lines.push({ level: 'warn', msg, fields }),
    error: (msg: string, fields: Record<string, unknown> = {}) => this.lines.push({ level: 'error', msg, fields }),
  };

  private static key(name: string, labels: Record<string, string> = {}): string {
    return `${name}{${Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(',')}}`;
  }

  counter(name: string): Counter {
    return { inc: (labels, value = 1) => {
      const k = RecordingTelemetry.key(name, labels);
      this.values.set(k, (this.values.get(k) ?? 0) + value);
    } };
  }

  gauge(name: string): Gauge {
    return { set: (value, labels) => void this.values.set(RecordingTelemetry.key(name, labels), value) };
  }

  /** Sum of a metric over all label sets that include `labels`. */
  value(name: string, labels: Record<string, string> = {}): number {
    let sum = 0;
    for (const [k, v] of this.values) {
      if (!k.startsWith(`${name}{`)) continue;
      if (Object.entries(labels).every(([lk, lv]) => k.includes(`${lk}=${lv}`))) sum += v;
    }
    return sum;
  }

  warnings(): LoggedLine[] {
    return this.lines.filter((l) => l.level === 'warn');
  }
}

// ---- consumers --------------------------------------------------------------------------

/** Collects what it accepts; `behaviour` may reject a call instead. */
export class RecordingLogsConsumer implements LogsConsumer {
  readonly records: LogRecord[] = [];
  readonly batches: LogRecord[][] = [];
  behaviour: ((records: LogRecord[]) => Error | undefined) | undefined;
  private waiters: { n: number; resolve: () => void }[] = [];

  async consumeLogs(records: LogRecord[]): Promise<void> {
    const err = this.behaviour?.(records);
    if (err !== undefined) throw err;
    this.batches.push(records);
    this.records.push(...records);
    this.waiters = this.waiters.filter((w) => (this.records.length >= w.n ? (w.resolve(), false) : true));
  }

  /** Resolves once at least n records arrived (the exporters are flushed before, so this is quick). */
  waitFor(n: number, timeoutMs = 10000): Promise<void> {
    if (this.records.length >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`only ${this.records.length} of ${n} records arrived`)), timeoutMs);
      this.waiters.push({ n, resolve: () => { clearTimeout(t); resolve(); } });
    });
  }
}

export class RecordingTracesConsumer implements TracesConsumer {
  readonly requests: TracesRequest[] = [];
  behaviour: ((req: TracesRequest) => Error | undefined) | undefined;

  async consumeTraces(request: TracesRequest): Promise<void> {
    const err = this.behaviour?.(request);
    if (err !== undefined) throw err;
    this.requests.push(request);
  }
}

// ---- a running receiver -----------------------------------------------------------------

export interface RunningReceiver {
  logs: RecordingLogsConsumer;
  traces: RecordingTracesConsumer;
  telemetry: RecordingTelemetry;
  logsPart: OtlpReceiverPart;
  tracesPart: OtlpReceiverPart;
  fatal: Error[];
  grpcPort: number;
  httpPort: number;
  config: OtlpReceiverConfig;
  stop(): Promise<void>;
}

/** Raw config (YAML-shaped) with loopback ephemeral ports unless it says otherwise. */
export function receiverConfig(raw: { grpc?: Record<string, unknown> | null; http?: Record<string, unknown> | null } = {}): OtlpReceiverConfig {
  const protocols: Record<string, unknown> = {};
  if (raw.grpc !== null) protocols.grpc = { endpoint: '127.0.0.1:0', ...(raw.grpc ?? {}) };
  if (raw.http !== null) protocols.http = { endpoint: '127.0.0.1:0', ...(raw.http ?? {}) };
  return otlpReceiverFactory.schema.parse({ protocols });
}

export function host(telemetry: Telemetry, fatal: Error[] = []): Host {
  return { telemetry, reportFatalError: (e) => void fatal.push(e) };
}

export async function startReceiver(raw: Parameters<typeof receiverConfig>[0] = {}, name = 'test'): Promise<RunningReceiver> {
  const config = receiverConfig(raw);
  const telemetry = new RecordingTelemetry();
  const logs = new RecordingLogsConsumer();
  const traces = new RecordingTracesConsumer();
  const settings = { id: { type: 'otlp', name }, telemetry, storageDir: tmpdir() };
  const logsPart = otlpReceiverFactory.createLogs!(settings, config, logs) as OtlpReceiverPart;
  const tracesPart = otlpReceiverFactory.createTraces!(settings, config, traces) as OtlpReceiverPart;
  const fatal: Error[] = [];
  await logsPart.start(host(telemetry, fatal));
  await tracesPart.start(host(telemetry, fatal));
  return {
    logs, traces, telemetry, logsPart, tracesPart, fatal, config,
    grpcPort: logsPart.grpcPort ?? 0,
    httpPort: logsPart.httpPort ?? 0,
    stop: async () => {
      await logsPart.shutdown();
      await tracesPart.shutdown();
    },
  };
}

// ---- raw clients ------------------------------------------------------------------------

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface PostOptions {
  headers?: Record<string, string | number>;
  method?: string;
  tls?: { ca: Buffer; cert?: Buffer; key?: Buffer };
  /** Send without Content-Length, in 1 KiB chunks (Transfer-Encoding: chunked). */
  chunked?: boolean;
}

export function httpPost(port: number, path: string, body: Buffer | string, opts: PostOptions = {}): Promise<HttpAnswer> {
  const data = typeof body === 'string' ? Buffer.from(body) : body;
  return new Promise((resolve, reject) => {
    const options: https.RequestOptions = {
      host: '127.0.0.1', port, path, method: opts.method ?? 'POST', agent: false,
      headers: opts.chunked ? { ...opts.headers } : { 'Content-Length': data.length, ...opts.headers },
      ...(opts.tls === undefined ? {} : { ca: opts.tls.ca, cert: opts.tls.cert, key: opts.tls.key, servername: 'localhost' }),
    };
    const req = (opts.tls === undefined ? http : https).request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (!opts.chunked) return void req.end(data);
    for (let i = 0; i < data.length; i += 1024) req.write(data.subarray(i, i + 1024));
    req.end();
  });
}

export interface GrpcAnswer {
  error?: grpc.ServiceError;
  response?: Buffer;
}

export interface UnaryOptions {
  metadata?: Record<string, string>;
  gzip?: boolean;
  credentials?: grpc.ChannelCredentials;
}

const identity = (b: Buffer): Buffer => b;

/** One unary call with a raw Buffer as the message, through grpc-js's generic client. */
export function grpcUnary(port: number, path: string, message: Buffer, opts: UnaryOptions = {}): Promise<GrpcAnswer> {
  const options: grpc.ChannelOptions = {};
  if (opts.gzip) options['grpc.default_compression_algorithm'] = 2; // gzip
  if (opts.credentials !== undefined) options['grpc.ssl_target_name_override'] = 'localhost';
  const client = new grpc.Client(`127.0.0.1:${port}`, opts.credentials ?? grpc.credentials.createInsecure(), options);
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(opts.metadata ?? {})) md.set(k, v);
  return new Promise((resolve) => {
    client.makeUnaryRequest(path, identity, identity, message, md, { deadline: Date.now() + 10000 }, (error, response) => {
      client.close();
      resolve(error ? { error } : { response: response ?? Buffer.alloc(0) });
    });
  });
}

// ---- certificates -----------------------------------------------------------------------

export interface TestCerts {
  dir: string;
  caFile: string;
  ca: Buffer;
  serverCertFile: string;
  serverKeyFile: string;
  clientCert: Buffer;
  clientKey: Buffer;
  /** A client certificate from a CA the server does not trust. */
  strangerCert: Buffer;
  strangerKey: Buffer;
  cleanup(): void;
}

export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A CA, a server certificate for 127.0.0.1/localhost, a client certificate, and a stranger's. */
export function makeCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'kata-otel-otlp-tls-'));
  const f = (name: string) => join(dir, name);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const ca = (name: string) => ssl('req', '-x509', ...ec, '-keyout', f(`${name}.key`), '-out', f(`${name}.pem`), '-days', '2', '-subj', `/CN=kata-otel test ${name}`);
  const leaf = (name: string, caName: string, ext: string) => {
    ssl('req', ...ec, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${name}`);
    writeFileSync(f(`${name}.ext`), ext);
    ssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f(`${caName}.pem`), '-CAkey', f(`${caName}.key`), '-CAcreateserial',
      '-out', f(`${name}.pem`), '-days', '2', '-extfile', f(`${name}.ext`));
  };
  ca('ca');
  ca('otherca');
  leaf('server', 'ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  leaf('client', 'ca', 'extendedKeyUsage=clientAuth\n');
  leaf('stranger', 'otherca', 'extendedKeyUsage=clientAuth\n');
  const read = (name: string) => readFileSync(f(name));
  return {
    dir,
    caFile: f('ca.pem'),
    ca: read('ca.pem'),
    serverCertFile: f('server.pem'),
    serverKeyFile: f('server.key'),
    clientCert: read('client.pem'),
    clientKey: read('client.key'),
    strangerCert: read('stranger.pem'),
    strangerKey: read('stranger.key'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

// ---- payloads ---------------------------------------------------------------------------

/** A binary ExportLogsServiceRequest with one resource and scope holding `records`. */
export function logsRequestBytes(records: PbLogRecord[], resource: Record<string, string> = { 'service.name': 'svc' }): Buffer {
  const req: ExportLogsServiceRequest = {
    resourceLogs: [{
      resource: { attributes: Object.entries(resource).map(([key, v]) => ({ key, value: { stringValue: v } })) },
      scopeLogs: [{ scope: { name: 'raw-client' }, logRecords: records }],
    }],
  };
  const bytes = encodeExportLogsRequest(req);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function textRecord(body: string, extra: PbLogRecord = {}): PbLogRecord {
  return { timeUnixNano: '1700000000000000000', severityNumber: 9, body: { stringValue: body }, ...extra };
}
