/**
 * OTLP/HTTP (default port 4318), per the OTLP specification:
 * - `POST /v1/logs` and `POST /v1/traces`; other paths 404, other methods 405 (`Allow: POST`);
 * - `application/x-protobuf` and `application/json` on the same port, 415 otherwise;
 * - `Content-Encoding: gzip` accepted (any other coding: 415); the size limit applies to the
 *   body AFTER decompression, and a body over it gets 413;
 * - the response (success or google.rpc.Status error) in the request's content type;
 *   protobuf when the request's type was unusable;
 * - an empty body is an empty request and succeeds;
 * - 503 with `Retry-After` when the pipeline is busy; 401 with `WWW-Authenticate: Bearer`.
 * Checks run cheapest first (path, method, auth, type, declared length) so a rejected
 * request's body is never read into memory; such responses close the connection.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { gunzip } from 'node:zlib';
import {
  encodeExportLogsResponse, encodeExportTraceResponse, ExportLogsServiceResponseType, ExportTraceServiceResponseType,
  otlpObjectToJson,
} from '../../pdata/otlp/codec';
import type { BearerAuth } from './auth';
import { maxHttpBodyBytes, parseEndpoint, type HttpConfig } from './config';
import {
  CONTENT_TYPE, decodeLogsBody, decodeTracesBody, encodingOfContentType, RequestDecodeError, type Encoding, type Signal,
} from './decode';
import type { ExportHandler, Outcome } from './export-handler';
import type { TlsMaterial } from './grpc-server';
import { encodeRpcStatus, grpcCodeOf, httpStatusOf, jsonRpcStatus, retryAfterSeconds, type Failure } from './status';

/** How long shutdown waits for in-flight requests before closing their connections. */
export const HTTP_SHUTDOWN_GRACE_MS = 5000;

const ROUTES: Record<string, Signal> = { '/v1/logs': 'logs', '/v1/traces': 'traces' };

class BodyTooLarge extends Error {}

function gunzipCapped(body: Buffer, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    gunzip(body, { maxOutputLength: Math.max(1, max) }, (err, out) => {
      if (err === null) resolve(out);
      else if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') reject(new BodyTooLarge());
      else reject(new RequestDecodeError('request body is not valid gzip'));
    });
  });
}

export class OtlpHttpServer {
  private server: http.Server | undefined;
  private boundPort = 0;
  private closing = false;
  private inFlight = 0;
  private readonly maxBody: number;

  constructor(
    private readonly handler: ExportHandler,
    private readonly config: HttpConfig,
    private readonly auth: BearerAuth | undefined,
    private readonly tls: TlsMaterial | undefined,
    /** Called when the listening socket fails after start (the service stops). */
    private readonly onFatal: (err: Error) => void,
  ) {
    this.maxBody = maxHttpBodyBytes(config);
  }

  get port(): number {
    return this.boundPort;
  }

  async start(): Promise<void> {
    const listener = (req: http.IncomingMessage, res: http.ServerResponse) => this.onRequest(req, res);
    const server = this.tls === undefined
      ? http.createServer(listener)
      : https.createServer({
          cert: this.tls.cert,
          key: this.tls.key,
          ...(this.tls.ca === undefined ? {} : { ca: this.tls.ca, requestCert: true, rejectUnauthorized: true }),
        }, listener);
    const { host, port } = parseEndpoint(this.config.endpoint)!;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => {
      if (!this.closing) this.onFatal(err);
    });
    this.boundPort = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async shutdown(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    this.closing = true;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.closeAllConnections();
      }, HTTP_SHUTDOWN_GRACE_MS);
      server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      server.closeIdleConnections();
    });
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.inFlight++;
    res.once('close', () => {
      this.inFlight--;
    });
    this.handle(req, res).catch(() => {
      if (!res.headersSent) this.sendFailure(req, res, 'protobuf', { kind: 'internal', message: 'internal error' });
      else res.destroy();
    });
  }

  /** In-flight requests (for tests and the shutdown log). */
  get activeRequests(): number {
    return this.inFlight;
  }

  private peer(req: http.IncomingMessage): string {
    const s = req.socket;
    return s.remoteAddress === undefined ? 'unknown' : `${s.remoteAddress}:${s.remotePort ?? 0}`;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const requestEncoding = encodingOfContentType(req.headers['content-type']);
    const replyEncoding: Encoding = requestEncoding ?? 'protobuf';
    const q = req.url?.indexOf('?') ?? -1;
    const path = q === -1 ? (req.url ?? '') : req.url!.slice(0, q);
    const signal = Object.prototype.hasOwnProperty.call(ROUTES, path) ? ROUTES[path] : undefined;
    const reject = (failure: Failure, s: Signal = signal ?? 'logs') => {
      this.handler.requestFailed('http', s, failure, this.peer(req));
      this.sendFailure(req, res, replyEncoding, failure);
    };
    if (this.closing) return reject({ kind: 'shutting_down', message: 'the receiver is shutting down' });
    if (signal === undefined || !this.handler.configured[signal]) {
      return reject({ kind: 'not_found', message: `no OTLP endpoint at ${JSON.stringify(path.slice(0, 64))}; use POST /v1/logs or /v1/traces` });
    }
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return reject({ kind: 'method', message: `method ${String(req.method).slice(0, 16)} not allowed; use POST` });
    }
    if (this.auth !== undefined && !this.auth.check(req.headers.authorization)) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      return reject({ kind: 'unauthenticated', message: 'missing or invalid bearer token' });
    }
    if (requestEncoding === undefined) {
      return reject({ kind: 'media_type', message: 'Content-Type must be application/x-protobuf or application/json' });
    }
    const coding = (req.headers['content-encoding'] ?? '').trim().toLowerCase();
    const gzipped = coding === 'gzip' || coding === 'x-gzip';
    if (!gzipped && coding !== '' && coding !== 'identity') {
      return reject({ kind: 'media_type', message: 'Content-Encoding must be gzip or none' });
    }
    // Compressed data can be a little larger than its content (gzip adds ~0.03% + headers).
    const readCap = gzipped ? this.maxBody + Math.ceil(this.maxBody / 512) + 1024 : this.maxBody;
    const declared = Number(req.headers['content-length']);
    const tooLarge: Failure = { kind: 'too_large', message: `request body larger than ${this.maxBody} bytes` };
    if (Number.isFinite(declared) && declared > readCap) return reject(tooLarge);

    let body: Buffer;
    try {
      body = await this.readBody(req, readCap);
      if (gzipped && body.length > 0) body = await gunzipCapped(body, this.maxBody);
    } catch (err) {
      if (err instanceof BodyTooLarge) return reject(tooLarge);
      if (err instanceof RequestDecodeError) return reject({ kind: 'bad_request', message: err.message });
      res.destroy(); // the client went away mid-body
      return;
    }
    if (body.length > this.maxBody) return reject(tooLarge);

    let outcome: Outcome;
    const peer = this.peer(req);
    try {
      if (signal === 'logs') outcome = await this.handler.exportLogs(decodeLogsBody(body, requestEncoding), 'http', peer);
      else outcome = await this.handler.exportTraces(decodeTracesBody(body, requestEncoding), 'http', peer);
    } catch (err) {
      if (err instanceof RequestDecodeError) return reject({ kind: 'bad_request', message: err.message });
      throw err;
    }
    if (!outcome.ok) return this.sendFailure(req, res, requestEncoding, outcome.failure);
    this.sendSuccess(res, signal, requestEncoding, outcome);
  }

  /** Reads the body up to `cap` bytes; past it rejects with BodyTooLarge (the rest is drained, not stored). */
  private readBody(req: http.IncomingMessage, cap: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let over = false;
      req.on('data', (chunk: Buffer) => {
        if (over) return;
        size += chunk.length;
        if (size > cap) {
          over = true;
          chunks.length = 0;
          reject(new BodyTooLarge());
          return;
        }
        chunks.push(chunk);
      });
      req.once('end', () => {
        if (!over) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
      });
      req.once('error', reject);
      req.once('aborted', () => reject(new Error('request aborted')));
    });
  }

  private sendSuccess(res: http.ServerResponse, signal: Signal, encoding: Encoding, outcome: Outcome & { ok: true }): void {
    const partial = outcome.rejected > 0 || outcome.message !== '';
    const response = !partial ? {} : signal === 'logs'
      ? { partialSuccess: { rejectedLogRecords: String(outcome.rejected), errorMessage: outcome.message } }
      : { partialSuccess: { rejectedSpans: String(outcome.rejected), errorMessage: outcome.message } };
    let body: Buffer;
    if (encoding === 'json') {
      const type = signal === 'logs' ? ExportLogsServiceResponseType : ExportTraceServiceResponseType;
      body = Buffer.from(JSON.stringify(otlpObjectToJson(type, response)), 'utf8');
    } else {
      const bytes = signal === 'logs' ? encodeExportLogsResponse(response) : encodeExportTraceResponse(response);
      body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    if (this.closing) res.setHeader('Connection', 'close');
    res.writeHead(200, { 'Content-Type': CONTENT_TYPE[encoding], 'Content-Length': body.length });
    res.end(body);
  }

  private sendFailure(req: http.IncomingMessage, res: http.ServerResponse, encoding: Encoding, failure: Failure): void {
    const status = httpStatusOf(failure.kind);
    const code = grpcCodeOf(failure.kind);
    const body = encoding === 'json'
      ? Buffer.from(jsonRpcStatus(code, failure.message, failure.retryAfterMs), 'utf8')
      : encodeRpcStatus(code, failure.message, failure.retryAfterMs);
    res.setHeader('Content-Type', CONTENT_TYPE[encoding]);
    res.setHeader('Content-Length', body.length);
    if (failure.retryAfterMs !== undefined) res.setHeader('Retry-After', String(retryAfterSeconds(failure.retryAfterMs)));
    if (!req.complete) {
      // The body was not (fully) read: close the connection after answering, and drain what
      // the client is still sending so it can read the answer instead of seeing a reset.
      res.setHeader('Connection', 'close');
      req.resume();
    } else if (this.closing) {
      res.setHeader('Connection', 'close');
    }
    res.writeHead(status);
    res.end(body);
  }
}
