/**
 * `exporters.otlp`: OTLP over gRPC, keys as in the Collector's otlp (otlp_grpc) exporter.
 *
 * ```yaml
 * exporters:
 *   otlp:
 *     endpoint: collector.example:4317   # host:port (TLS), http://host:port (plaintext), https://…, unix:///path
 *     tls: { ca_file: ca.pem, cert_file: client.pem, key_file: client-key.pem }   # insecure: true for plaintext
 *     headers: { authorization: "Bearer ${env:TOKEN}" }
 *     compression: gzip        # gzip (default) | none
 *     timeout: 10s             # per request
 *     sending_queue: { enabled: true, storage_dir: /var/lib/kata-otel, max_size_mib: 256, block_timeout: 5s, when_full: block }
 *     retry_on_failure: { enabled: true, initial_interval: 1s, max_interval: 30s, max_elapsed_time: 0, multiplier: 1.5 }
 * ```
 */
import { z } from 'zod';
import type { ConfigIssue } from '../../component/factory';
import { duration, headersSchema, retryOnFailureSchema, tlsClientSchema, validateRetry, validateTls } from '../helper/config';
import { sendingQueueSchema } from '../queue/config';

export const otlpExporterConfigSchema = z.strictObject({
  endpoint: z.string({ error: (iss) => (iss.input === undefined ? 'required: the backend as host:port, e.g. "collector:4317"' : 'expected a string') })
    .min(1, 'required: the backend as host:port, e.g. "collector:4317"'),
  tls: tlsClientSchema,
  headers: headersSchema,
  compression: z.enum(['gzip', 'none']).default('gzip'),
  timeout: duration({ min: 1, max: 600_000 }).default(10_000),
  sending_queue: sendingQueueSchema,
  retry_on_failure: retryOnFailureSchema,
});

export type OtlpExporterConfig = z.output<typeof otlpExporterConfigSchema>;

export interface GrpcTarget {
  /** What grpc-js dials: host:port or unix:path. */
  address: string;
  /** Plaintext (http:// scheme, unix socket, or tls.insecure). */
  plaintext: boolean;
}

/** Reads `endpoint` the way the Collector does; undefined when it is not usable. */
export function grpcTarget(cfg: Pick<OtlpExporterConfig, 'endpoint' | 'tls'>): GrpcTarget | undefined {
  const ep = cfg.endpoint.trim();
  if (ep.startsWith('unix:')) return { address: ep, plaintext: true };
  const m = /^(?:(https?):\/\/)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})\/?$/.exec(ep);
  if (m === null || Number(m[3]) > 65535) return undefined;
  return { address: `${m[2]}:${m[3]}`, plaintext: m[1] === 'http' || (m[1] === undefined && cfg.tls.insecure) };
}

export function validateOtlpExporterConfig(cfg: OtlpExporterConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (grpcTarget(cfg) === undefined) {
    issues.push({ path: 'endpoint', message: `expected host:port, http(s)://host:port or unix:///path (gRPC has no URL path), got ${JSON.stringify(cfg.endpoint)}` });
  }
  issues.push(...validateTls(cfg.tls), ...validateRetry(cfg.retry_on_failure));
  for (const key of Object.keys(cfg.headers)) {
    if (key.toLowerCase().endsWith('-bin')) issues.push({ path: `headers.${key}`, message: 'binary (-bin) gRPC metadata is not supported' });
  }
  return issues;
}
