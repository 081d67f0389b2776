/**
 * Config pieces every network exporter shares: durations, `retry_on_failure` and the TLS
 * client block, in the OpenTelemetry Collector's spelling so Collector users read them at a
 * glance. Durations are Go-style strings (`"200ms"`, `"5s"`, `"1m30s"`) or a number of
 * milliseconds, as in the receivers' configs.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import type { ConfigIssue } from '../../component/factory';

const DURATION_PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds, or undefined when `text` is not a duration. */
export function parseDurationMs(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text : undefined;
  const s = text.trim();
  if (s === '0') return 0;
  if (/^\d+(?:\.\d+)?$/.test(s)) return Number(s);
  DURATION_PART.lastIndex = 0;
  let total = 0;
  let end = 0;
  for (let m = DURATION_PART.exec(s); m !== null; m = DURATION_PART.exec(s)) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    end = DURATION_PART.lastIndex;
  }
  return end === s.length && end > 0 ? total : undefined;
}

/** A duration key yielding milliseconds. */
export function duration(opts: { min?: number; max?: number } = {}): z.ZodType<number, string | number> {
  const min = opts.min ?? 0;
  const max = opts.max ?? 7 * 86_400_000;
  return z.union([z.string(), z.number()]).transform((v, ctx) => {
    const ms = parseDurationMs(v);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected a duration such as "250ms", "5s" or "1m30s" (a bare number is milliseconds), got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    if (ms < min || ms > max) {
      ctx.addIssue({ code: 'custom', message: `expected a duration between ${min}ms and ${max}ms, got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    return ms;
  });
}

/** `retry_on_failure`, as the Collector's exporterhelper names it; times in milliseconds. */
export const retryOnFailureSchema = z
  .strictObject({
    /** false: a retryable failure drops the batch (counted and logged). */
    enabled: z.boolean().default(true),
    initial_interval: duration({ min: 1 }).default(1000),
    max_interval: duration({ min: 1 }).default(30_000),
    /** 0 = retry forever: the queue is on disk, so waiting out an outage loses nothing. */
    max_elapsed_time: duration().default(0),
    multiplier: z.number().min(1).max(100).default(1.5),
  })
  .prefault({});

export type RetryConfig = z.output<typeof retryOnFailureSchema>;

export function validateRetry(cfg: RetryConfig, path = 'retry_on_failure'): ConfigIssue[] {
  return cfg.max_interval < cfg.initial_interval
    ? [{ path: `${path}.max_interval`, message: `must not be shorter than initial_interval (${cfg.initial_interval}ms)` }]
    : [];
}

/** Client TLS, Collector spelling. Files are PEM. */
export const tlsClientSchema = z
  .strictObject({
    /** gRPC only: plaintext even without an http:// scheme. */
    insecure: z.boolean().default(false),
    /** Accept any server certificate (testing only). */
    insecure_skip_verify: z.boolean().default(false),
    ca_file: z.string().min(1).optional(),
    /** Client certificate and key for mTLS; both or neither. */
    cert_file: z.string().min(1).optional(),
    key_file: z.string().min(1).optional(),
    /** HTTP only: the name checked against the server certificate (SNI). */
    server_name_override: z.string().min(1).optional(),
  })
  .prefault({});

export type TlsClientConfig = z.output<typeof tlsClientSchema>;

export function validateTls(tls: TlsClientConfig, path = 'tls'): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if ((tls.cert_file === undefined) !== (tls.key_file === undefined)) {
    issues.push({ path: `${path}.${tls.cert_file === undefined ? 'cert_file' : 'key_file'}`, message: 'cert_file and key_file go together (mTLS needs both)' });
  }
  for (const key of ['ca_file', 'cert_file', 'key_file'] as const) {
    const file = tls[key];
    if (file !== undefined && !existsSync(file)) issues.push({ path: `${path}.${key}`, message: `file not found: ${file}` });
  }
  return issues;
}

/** Header names and values as given; names are checked against the HTTP token syntax. */
export const headersSchema = z
  .record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'expected an HTTP header name'), z.string())
  .default({});
