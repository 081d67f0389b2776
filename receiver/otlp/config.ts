/**
 * Configuration of the `otlp` receiver, in the OpenTelemetry Collector's shape:
 *
 * ```yaml
 * receivers:
 *   otlp:
 *     protocols:
 *       grpc:                       # present (even empty) = enabled; omitted = disabled
 *         endpoint: 127.0.0.1:4317
 *         max_recv_msg_size_mib: 64
 *         tls: { cert_file: server.pem, key_file: server.key, client_ca_file: ca.pem }  # optional; client_ca_file = mTLS
 *         auth: { bearer_token_file: /run/secrets/otlp-token }                         # optional
 *       http:
 *         endpoint: 127.0.0.1:4318
 *         max_request_body_size_mib: 64
 * ```
 *
 * As in the Collector, a protocol key that is present enables that protocol, with defaults
 * for whatever it leaves out (`grpc:` with no body is the usual way to write it), and an
 * omitted key disables it. With no `protocols` at all (`otlp:` with no body) both are on.
 * In the parsed config a disabled protocol is `null`.
 */
import { existsSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';
import type { ConfigIssue } from '../../component/factory';

const MIB = 1024 * 1024;

/** `host:port` or `[ipv6]:port`; port 0 asks the OS for a free port (tests). */
const ENDPOINT = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/;

export interface Endpoint {
  host: string;
  port: number;
}

/** Parses an endpoint string; undefined when it is not `host:port`. */
export function parseEndpoint(endpoint: string): Endpoint | undefined {
  const m = ENDPOINT.exec(endpoint);
  if (m === null) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  const host = m[1] ?? m[2]!;
  if (m[1] !== undefined && isIP(host) !== 6) return undefined;
  return { host, port };
}

/** True for names and addresses that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

const endpointSchema = z.string().refine((s) => parseEndpoint(s) !== undefined, {
  message: 'expected "host:port" or "[ipv6]:port" with a port from 0 to 65535 (use 0.0.0.0:PORT for all interfaces)',
});

const tlsSchema = z.strictObject({
  /** PEM server certificate (chain). */
  cert_file: z.string().min(1),
  /** PEM private key of the certificate. */
  key_file: z.string().min(1),
  /** PEM CA bundle; when set, clients must present a certificate it signed (mTLS). */
  client_ca_file: z.string().min(1).optional(),
});

const authSchema = z
  .strictObject({
    /** The token itself; prefer bearer_token_file (or `${env:VAR}`) to keep it out of the file. */
    bearer_token: z.string().min(1).optional(),
    /** A file holding the token; surrounding whitespace is trimmed. Read at start. */
    bearer_token_file: z.string().min(1).optional(),
  })
  .refine((a) => (a.bearer_token === undefined) !== (a.bearer_token_file === undefined), {
    message: 'set exactly one of bearer_token and bearer_token_file',
  });

const sizeMib = (def: number) => z.number().positive().max(4096).default(def);

const grpcSchema = z.strictObject({
  endpoint: endpointSchema.default('127.0.0.1:4317'),
  /** Largest request accepted, after decompression; larger ones get RESOURCE_EXHAUSTED. */
  max_recv_msg_size_mib: sizeMib(64),
  tls: tlsSchema.optional(),
  auth: authSchema.optional(),
});

const httpSchema = z.strictObject({
  endpoint: endpointSchema.default('127.0.0.1:4318'),
  /** Largest request body accepted, after decompression; larger ones get 413. */
  max_request_body_size_mib: sizeMib(64),
  tls: tlsSchema.optional(),
  auth: authSchema.optional(),
});

export type TlsConfig = z.infer<typeof tlsSchema>;
export type AuthConfig = z.infer<typeof authSchema>;
export type GrpcConfig = z.infer<typeof grpcSchema>;
export type HttpConfig = z.infer<typeof httpSchema>;

export interface OtlpReceiverConfig {
  protocols: {
    /** null: the gRPC server is not started. */
    grpc: GrpcConfig | null;
    /** null: the HTTP server is not started. */
    http: HttpConfig | null;
  };
}

/** A present key (YAML `grpc:` is null) enables the protocol with defaults; omitted disables. */
function protocol<T>(schema: z.ZodType<T>) {
  return z.preprocess((v) => (v === null ? {} : v), schema.optional()).transform((v): T | null => v ?? null);
}

const protocolsSchema = z.strictObject({
  grpc: protocol(grpcSchema),
  http: protocol(httpSchema),
});

export const otlpReceiverConfigSchema: z.ZodType<OtlpReceiverConfig> = z
  .strictObject({
    protocols: z.preprocess((v) => (v === null ? undefined : v), protocolsSchema.optional()),
  })
  .transform((c): OtlpReceiverConfig => ({
    protocols: c.protocols ?? { grpc: grpcSchema.parse({}), http: httpSchema.parse({}) },
  }));

export function defaultOtlpReceiverConfig(): OtlpReceiverConfig {
  return otlpReceiverConfigSchema.parse({});
}

export function maxGrpcMessageBytes(c: GrpcConfig): number {
  return Math.floor(c.max_recv_msg_size_mib * MIB);
}

export function maxHttpBodyBytes(c: HttpConfig): number {
  return Math.floor(c.max_request_body_size_mib * MIB);
}

function fileIssue(path: string, file: string, what: string): ConfigIssue[] {
  try {
    if (!existsSync(file)) return [{ path, message: `${what} ${JSON.stringify(file)} does not exist` }];
    if (!statSync(file).isFile()) return [{ path, message: `${what} ${JSON.stringify(file)} is not a regular file` }];
  } catch (err) {
    return [{ path, message: `${what} ${JSON.stringify(file)} cannot be read: ${(err as Error).message}` }];
  }
  return [];
}

function protocolIssues(name: 'grpc' | 'http', c: GrpcConfig | HttpConfig): ConfigIssue[] {
  const base = `protocols.${name}`;
  const issues: ConfigIssue[] = [];
  if (c.tls !== undefined) {
    issues.push(...fileIssue(`${base}.tls.cert_file`, c.tls.cert_file, 'certificate file'));
    issues.push(...fileIssue(`${base}.tls.key_file`, c.tls.key_file, 'key file'));
    if (c.tls.client_ca_file !== undefined) issues.push(...fileIssue(`${base}.tls.client_ca_file`, c.tls.client_ca_file, 'CA file'));
  }
  if (c.auth?.bearer_token_file !== undefined) {
    issues.push(...fileIssue(`${base}.auth.bearer_token_file`, c.auth.bearer_token_file, 'token file'));
  }
  return issues;
}

/** Checks that need more than the schema: at least one protocol, distinct ports, files present. */
export function validateOtlpReceiverConfig(c: OtlpReceiverConfig): ConfigIssue[] {
  const { grpc, http } = c.protocols;
  const issues: ConfigIssue[] = [];
  if (grpc === null && http === null) {
    issues.push({ path: 'protocols', message: 'enable at least one of grpc and http (write `grpc:` for the defaults)' });
  }
  if (grpc !== null) issues.push(...protocolIssues('grpc', grpc));
  if (http !== null) issues.push(...protocolIssues('http', http));
  if (grpc !== null && http !== null) {
    const g = parseEndpoint(grpc.endpoint);
    const h = parseEndpoint(http.endpoint);
    const wildcard = (host: string) => host === '0.0.0.0' || host === '::';
    const clash = g !== undefined && h !== undefined && g.port !== 0 && g.port === h.port
      && (g.host.toLowerCase() === h.host.toLowerCase() || wildcard(g.host) || wildcard(h.host));
    if (clash) {
      issues.push({ path: 'protocols.http.endpoint', message: `port ${h!.port} is also the grpc endpoint's port; give each protocol its own` });
    }
  }
  return issues;
}
