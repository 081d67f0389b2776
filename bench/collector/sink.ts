/**
 * An in-process OTLP/gRPC logs sink (grpc-js) that counts records without decoding them
 * (bench/e2e/sink.ts's protobuf walk) and hands each request to `onRequest`, which may
 * decode it: the fallback test compares what the Collector sent with kata-otel, and the
 * Collector benchmark looks at a sample of each side's records. The measured runs use the
 * separate-process sink of bench/e2e instead, so no sink shares a process with the bench.
 */
import * as grpc from '@grpc/grpc-js';
import { LOGS_EXPORT_METHOD_PATH } from '../../pdata/otlp/schema';
import { countLogRecords } from '../e2e/sink';

const raw = (b: Buffer): Buffer => b;

export class CountingSink {
  records = 0;
  requests = 0;
  port = 0;
  private server: grpc.Server | undefined;
  private waiters: { n: number; resolve: () => void }[] = [];

  constructor(private readonly onRequest?: (bytes: Buffer) => void) {}

  get endpoint(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = new grpc.Server({ 'grpc.max_receive_message_length': 256 * 1024 * 1024 });
    const def = {
      Export: {
        path: LOGS_EXPORT_METHOD_PATH, requestStream: false, responseStream: false,
        requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw,
      },
    } as unknown as grpc.ServiceDefinition;
    server.addService(def, {
      Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
        let n: number;
        try {
          n = countLogRecords(call.request);
        } catch (err) {
          cb({ code: grpc.status.INVALID_ARGUMENT, details: `undecodable: ${(err as Error).message}` });
          return;
        }
        this.onRequest?.(call.request);
        this.requests++;
        this.records += n;
        this.waiters = this.waiters.filter((w) => {
          if (this.records < w.n) return true;
          w.resolve();
          return false;
        });
        cb(null, Buffer.alloc(0));
      },
    });
    this.port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port)));
    });
    this.server = server;
  }

  /** Resolves once `n` records have arrived in total. */
  until(n: number): Promise<void> {
    if (this.records >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  stop(): void {
    this.server?.forceShutdown();
    this.server = undefined;
  }
}
