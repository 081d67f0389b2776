/**
 * One OTLP/gRPC export attempt, on the transport of @opentelemetry/exporter-logs-otlp-grpc.
 *
 * Why not `new OTLPLogExporter()` fed with ReadableLogRecords: the queue holds binary OTLP
 * requests, and the SDK exporter only takes SDK records, so every attempt would decode the
 * request, rebuild SDK records (Resource objects, HrTime) and let the SDK serialise them
 * again; it reports a partial success only as a diag warning, so rejected records could
 * not be counted; and there is no trace equivalent that passes a received request through
 * untouched. So we use the layer OTLPLogExporter is made of: `createOtlpGrpcExportDelegate`
 * from @opentelemetry/otlp-grpc-exporter-base (its transport: grpc-js client, channel
 * credentials for TLS/mTLS, metadata headers, gzip, per-call deadline, user agent, and the
 * reconnect after repeated DEADLINE_EXCEEDED), with a serializer that passes our already
 * encoded bytes through and hands the raw response to our codec. The configuration object
 * is built here rather than with `convertLegacyOtlpGrpcOptions`, so OTEL_EXPORTER_OTLP_*
 * environment variables never change what the config file says.
 *
 * The delegate never retries (every gRPC error comes back as a failure with the grpc-js
 * ServiceError); QueuedExporter classifies the code and retries. Attempts are serialised
 * (the queue sends one request at a time anyway), which also ties each response to its
 * request.
 */
import { readFileSync } from 'node:fs';
import type { ChannelCredentials } from '@grpc/grpc-js';
import { credentials as grpcCredentials, Metadata } from '@grpc/grpc-js';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { createOtlpGrpcExportDelegate } from '@opentelemetry/otlp-grpc-exporter-base';
import { SCOPE_VERSION } from '../helper/logs-encoding';
import type { SendOutcome } from '../helper/outcome';
import { classifyGrpcError } from '../helper/outcome';
import type { ExporterSender } from '../helper/queued-exporter';
import type { Signal } from '../helper/signals';
import type { OtlpExporterConfig } from './config';
import { grpcTarget } from './config';

interface Payload {
  bytes: Uint8Array;
  items: number;
}

type DelegateOptions = Parameters<typeof createOtlpGrpcExportDelegate<Payload, void>>[0];

export function grpcCredentialsFor(cfg: OtlpExporterConfig): ChannelCredentials {
  const target = grpcTarget(cfg);
  if (target === undefined) throw new Error(`invalid endpoint ${JSON.stringify(cfg.endpoint)}`);
  if (target.plaintext) return grpcCredentials.createInsecure();
  const read = (f: string | undefined): Buffer | null => (f === undefined ? null : readFileSync(f));
  return grpcCredentials.createSsl(
    read(cfg.tls.ca_file),
    read(cfg.tls.key_file),
    read(cfg.tls.cert_file),
    cfg.tls.insecure_skip_verify ? { rejectUnauthorized: false, checkServerIdentity: () => undefined } : {},
  );
}

export class GrpcSender implements ExporterSender {
  private readonly delegate: ReturnType<typeof createOtlpGrpcExportDelegate<Payload, void>>;
  private lastResponse: Uint8Array | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    cfg: OtlpExporterConfig,
    private readonly signal: Signal,
  ) {
    const target = grpcTarget(cfg);
    if (target === undefined) throw new Error(`invalid endpoint ${JSON.stringify(cfg.endpoint)}`);
    const creds = grpcCredentialsFor(cfg);
    const headers = Object.entries(cfg.headers);
    const options: DelegateOptions = {
      url: target.address,
      credentials: () => creds,
      metadata: () => {
        const md = new Metadata();
        for (const [k, v] of headers) md.set(k.toLowerCase(), v);
        return md;
      },
      compression: cfg.compression,
      timeoutMillis: cfg.timeout,
      concurrencyLimit: 4,
      userAgent: `kata-otel/${SCOPE_VERSION}`,
    } as DelegateOptions;
    this.delegate = createOtlpGrpcExportDelegate<Payload, void>(
      options,
      {
        serializeRequest: (p: Payload) => p.bytes,
        // Keep the raw answer for send() and give the delegate's own handler nothing to log.
        deserializeResponse: (bytes: Uint8Array) => {
          this.lastResponse = bytes;
        },
      },
      signal.name === 'logs' ? 'kata_otel_otlp_grpc_log_exporter' : 'kata_otel_otlp_grpc_span_exporter',
      { name: signal.name === 'logs' ? 'log' : 'span', countItems: (p: Payload) => p.items },
      undefined,
      signal.grpcServiceName,
      signal.grpcPath,
    );
  }

  send(payload: Buffer, items: number): Promise<SendOutcome> {
    const run = (): Promise<SendOutcome> => new Promise<SendOutcome>((resolve) => {
      this.lastResponse = undefined;
      this.delegate.export({ bytes: payload, items }, (result: ExportResult) => {
        if (result.code !== ExportResultCode.SUCCESS) {
          resolve(classifyGrpcError(result.error));
          return;
        }
        const response = this.lastResponse;
        this.lastResponse = undefined;
        if (response === undefined || response.length === 0) {
          resolve({ kind: 'success', rejected: 0, message: '' });
          return;
        }
        try {
          const ps = this.signal.partialFromProto(response);
          resolve({ kind: 'success', rejected: ps.rejected, message: ps.message });
        } catch {
          // An unreadable response to an OK call: the backend accepted the data.
          resolve({ kind: 'success', rejected: 0, message: '' });
        }
      });
    });
    const p = this.chain.then(run, run);
    this.chain = p;
    return p;
  }

  async shutdown(): Promise<void> {
    await this.chain.catch(() => undefined);
    await this.delegate.shutdown();
  }
}
