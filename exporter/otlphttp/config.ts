/**
 * `exporters.otlphttp`: OTLP over HTTP, keys as in the Collector's otlphttp (otlp_http)
 * exporter.
 *
 * ```yaml
 * exporters:
 *   otlphttp:
 *     endpoint: https://otlp.example:4318   # /v1/logs and /v1/traces are appended
 *     logs_endpoint: https://loki.example/otlp/v1/logs   # optional, used as is
 *     traces_endpoint: …                                 # optional, used as is
 *     encoding: proto          # proto (default) | json
 *     compression: gzip        # gzip (default) | none
 *     headers: { authorization: "Bearer ${env:TOKEN}" }
 *     tls: { ca_file: ca.pem, cert_file: client.pem, key_file: client-key.pem }
 *     timeout: 10s
 *     sending_queue: { … }     # as for otlp
 *     retry_on_failure: { … }
 * ```
 */
import { z } from 'zod';
import type { ConfigIssue } from '../../component/factory';
import { duration, headersSchema, retryOnFailureSchema, tlsClientSchema, validateRetry, validateTls } from '../helper/config';
import type { Signal } from '../helper/signals';
import { sendingQueueSchema } from '../queue/config';

const url = z.string().min(1);

export const otlpHttpExporterConfigSchema = z.strictObject({
  endpoint: url.optional(),
  logs_endpoint: url.optional(),
  traces_endpoint: url.optional(),
  encoding: z.enum(['proto', 'json']).default('proto'),
  compression: z.enum(['gzip', 'none']).default('gzip'),
  headers: headersSchema,
  tls: tlsClientSchema,
  timeout: duration({ min: 1, max: 600_000 }).default(10_000),
  sending_queue: sendingQueueSchema,
  retry_on_failure: retryOnFailureSchema,
});

export type OtlpHttpExporterConfig = z.output<typeof otlpHttpExporterConfigSchema>;

/** The URL a signal is posted to, or undefined when the config gives none. */
export function signalUrl(cfg: OtlpHttpExporterConfig, signal: Signal): URL | undefined {
  const explicit = signal.name === 'logs' ? cfg.logs_endpoint : cfg.traces_endpoint;
  try {
    if (explicit !== undefined) return new URL(explicit);
    if (cfg.endpoint === undefined) return undefined;
    const base = new URL(cfg.endpoint);
    base.pathname = `${base.pathname.replace(/\/+$/, '')}${signal.httpPath}`;
    return base;
  } catch {
    return undefined;
  }
}

export function validateOtlpHttpExporterConfig(cfg: OtlpHttpExporterConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (cfg.endpoint === undefined && cfg.logs_endpoint === undefined && cfg.traces_endpoint === undefined) {
    issues.push({ path: 'endpoint', message: 'required: the backend base URL, e.g. "http://collector:4318" (or logs_endpoint / traces_endpoint)' });
  }
  for (const key of ['endpoint', 'logs_endpoint', 'traces_endpoint'] as const) {
    const v = cfg[key];
    if (v === undefined) continue;
    let u: URL | undefined;
    try {
      u = new URL(v);
    } catch {
      u = undefined;
    }
    if (u === undefined || (u.protocol !== 'http:' && u.protocol !== 'https:')) {
      issues.push({ path: key, message: `expected an http:// or https:// URL, got ${JSON.stringify(v)}` });
    }
  }
  issues.push(...validateTls(cfg.tls), ...validateRetry(cfg.retry_on_failure));
  return issues;
}
