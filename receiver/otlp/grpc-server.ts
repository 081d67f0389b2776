/**
 * OTLP/gRPC (default port 4317): LogsService/Export and TraceService/Export on one
 * @grpc/grpc-js server, no proto-loader. Messages cross grpc-js as raw Buffers and are
 * decoded here, so an undecodable request is INVALID_ARGUMENT (grpc-js would answer
 * INTERNAL) and is counted like any other bad request.
 *
 * grpc-js decompresses `grpc-encoding: gzip` itself and enforces
 * `grpc.max_receive_message_length` on the decompressed size, answering RESOURCE_EXHAUSTED
 * (without RetryInfo, so not retried) before our handler runs; an interceptor counts and
 * logs those answers.
 */
import * as grpc from '@grpc/grpc-js';
import { encodeExportLogsResponse, encodeExportTraceResponse } from '../../pdata/otlp/codec';
import { LOGS_EXPORT_METHOD_PATH, TRACES_EXPORT_METHOD_PATH } from '../../pdata/otlp/schema';
import type { BearerAuth } from './auth';
import { maxGrpcMessageBytes, type GrpcConfig } from './config';
import { decodeLogsBody, decodeTracesBody, RequestDecodeError, type Signal } from './decode';
import type { ExportHandler, Outcome } from './export-handler';
import { encodeRpcStatus, grpcCodeOf, type Failure } from './status';

/** PEM material read from the tls config. */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  /** Present: clients must present a certificate signed by it (mTLS). */
  ca?: Buffer;
}

/** How long shutdown waits for in-flight calls before cutting connections. */
export const GRPC_SHUTDOWN_GRACE_MS = 5000;

const identity = (b: Buffer): Buffer => b;

function definition(path: string): grpc.ServiceDefinition {
  return {
    Export: {
      path,
      requestStream: false,
      responseStream: false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
      originalName: 'export',
    },
  };
}

function toBuffer(u8: Uint8Array): Buffer {
  return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}

function signalOfPath(path: string): Signal {
  return path === TRACES_EXPORT_METHOD_PATH ? 'traces' : 'logs';
}

type Answer = { value: Buffer } | { error: grpc.ServerErrorResponse };

function errorAnswer(failure: Failure): { error: grpc.ServerErrorResponse } {
  const code = grpcCodeOf(failure.kind);
  const metadata = new grpc.Metadata();
  // The google.rpc.Status with RetryInfo, which OTLP clients read for the retry delay.
  metadata.set('grpc-status-details-bin', encodeRpcStatus(code, failure.message, failure.retryAfterMs));
  const error = Object.assign(new Error(failure.message), { code, details: failure.message, metadata });
  return { error };
}

export class OtlpGrpcServer {
  private server: grpc.Server | undefined;
  private boundPort = 0;

  constructor(
    private readonly handler: ExportHandler,
    private readonly config: GrpcConfig,
    private readonly auth: BearerAuth | undefined,
    private readonly tls: TlsMaterial | undefined,
  ) {}

  /** The port actually bound (differs from the config's when it asked for port 0). */
  get port(): number {
    return this.boundPort;
  }

  async start(): Promise<void> {
    // grpc-js answers an oversized message from inside its base call, where an interceptor's
    // responder does not see it; wrapping that call's sendStatus does (only for counting
    // and the warning: the answer itself is unchanged).
    const oversize: grpc.ServerInterceptor = (method, call) => {
      const send = call.sendStatus.bind(call);
      call.sendStatus = (status) => {
        // We never answer RESOURCE_EXHAUSTED ourselves: it is a message over the size limit.
        if (status.code === grpc.status.RESOURCE_EXHAUSTED) {
          this.handler.requestFailed('grpc', signalOfPath(method.path), { kind: 'too_large', message: status.details ?? 'message too large' }, call.getPeer());
        }
        send(status);
      };
      return new grpc.ServerInterceptingCall(call);
    };
    const server = new grpc.Server({
      'grpc.max_receive_message_length': maxGrpcMessageBytes(this.config),
      interceptors: [oversize],
    });
    server.addService(definition(LOGS_EXPORT_METHOD_PATH), { Export: this.unary('logs') });
    server.addService(definition(TRACES_EXPORT_METHOD_PATH), { Export: this.unary('traces') });
    const credentials = this.tls === undefined
      ? grpc.ServerCredentials.createInsecure()
      : grpc.ServerCredentials.createSsl(this.tls.ca ?? null, [{ private_key: this.tls.key, cert_chain: this.tls.cert }], this.tls.ca !== undefined);
    try {
      this.boundPort = await new Promise<number>((resolve, reject) => {
        server.bindAsync(this.config.endpoint, credentials, (err, port) => (err ? reject(err) : resolve(port)));
      });
    } catch (err) {
      server.forceShutdown(); // a name such as localhost may have bound one address of several
      throw err;
    }
    this.server = server;
  }

  async shutdown(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, GRPC_SHUTDOWN_GRACE_MS);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private unary(signal: Signal): grpc.handleUnaryCall<Buffer, Buffer> {
    return (call, callback) => {
      this.handle(signal, call).then(
        (answer) => ('error' in answer ? callback(answer.error) : callback(null, answer.value)),
        () => callback(errorAnswer({ kind: 'internal', message: 'internal error' }).error),
      );
    };
  }

  private fail(signal: Signal, failure: Failure, peer: string): Answer {
    this.handler.requestFailed('grpc', signal, failure, peer);
    return errorAnswer(failure);
  }

  private async handle(signal: Signal, call: grpc.ServerUnaryCall<Buffer, Buffer>): Promise<Answer> {
    const peer = call.getPeer();
    if (!this.handler.configured[signal]) {
      return this.fail(signal, { kind: 'not_found', message: `this receiver takes no ${signal}` }, peer);
    }
    if (this.auth !== undefined) {
      const value = call.metadata.get('authorization')[0];
      if (!this.auth.check(typeof value === 'string' ? value : undefined)) {
        return this.fail(signal, { kind: 'unauthenticated', message: 'missing or invalid bearer token' }, peer);
      }
    }
    let outcome: Outcome;
    try {
      if (signal === 'logs') outcome = await this.handler.exportLogs(decodeLogsBody(call.request, 'protobuf'), 'grpc', peer);
      else outcome = await this.handler.exportTraces(decodeTracesBody(call.request, 'protobuf'), 'grpc', peer);
    } catch (err) {
      if (err instanceof RequestDecodeError) return this.fail(signal, { kind: 'bad_request', message: err.message }, peer);
      throw err;
    }
    if (!outcome.ok) return errorAnswer(outcome.failure);
    if (outcome.rejected === 0 && outcome.message === '') return { value: Buffer.alloc(0) };
    const value = signal === 'logs'
      ? encodeExportLogsResponse({ partialSuccess: { rejectedLogRecords: String(outcome.rejected), errorMessage: outcome.message } })
      : encodeExportTraceResponse({ partialSuccess: { rejectedSpans: String(outcome.rejected), errorMessage: outcome.message } });
    return { value: toBuffer(value) };
  }
}
