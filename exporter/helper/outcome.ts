/**
 * What one export attempt came to, and how OTLP responses map onto it
 * (OTLP specification, "Failures" and "Throttling"):
 *
 * - HTTP: 2xx is success (a populated partial_success counts rejected records, never
 *   retried); 429, 502, 503 and 504 are retryable, with Retry-After as a floor for the wait;
 *   every other status is permanent. Errors below HTTP (refused, reset, timeout, TLS) are
 *   retryable: the data stays on disk and the operator fixes the network or the config.
 * - gRPC: UNAVAILABLE, CANCELLED, DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE and DATA_LOSS are
 *   retryable; RESOURCE_EXHAUSTED only when the server attached a RetryInfo (throttling;
 *   without it, it means "too large" and is permanent); every other code is permanent.
 *   RetryInfo's delay, from the `grpc-status-details-bin` trailer, is a floor for the wait.
 */
import * as protobuf from 'protobufjs';

export type SendOutcome =
  | { kind: 'success'; /** Records the backend rejected in a partial success. */ rejected: number; message: string }
  | { kind: 'retryable'; error: Error; retryAfterMs?: number }
  | { kind: 'permanent'; error: Error };

export const SUCCESS: SendOutcome = { kind: 'success', rejected: 0, message: '' };

// google.rpc.Status, google.protobuf.Any, google.rpc.RetryInfo and google.protobuf.Duration,
// written for kata-otel from their field numbers (googleapis rpc/status.proto and
// rpc/error_details.proto).
const RPC_PROTO = `
syntax = "proto3";
package google.rpc;
message Any { string type_url = 1; bytes value = 2; }
message Status { int32 code = 1; string message = 2; repeated Any details = 3; }
message Duration { int64 seconds = 1; int32 nanos = 2; }
message RetryInfo { Duration retry_delay = 1; }
`;
const rpcRoot = new protobuf.Root();
protobuf.parse(RPC_PROTO, rpcRoot);
rpcRoot.resolveAll();
const StatusType = rpcRoot.lookupType('google.rpc.Status');
const RetryInfoType = rpcRoot.lookupType('google.rpc.RetryInfo');
const RETRY_INFO_URL = 'type.googleapis.com/google.rpc.RetryInfo';

interface RpcStatus {
  code?: number;
  message?: string;
  details?: Array<{ typeUrl?: string; value?: Uint8Array }>;
}

/** Encodes a google.rpc.Status (tests and fake servers use it too). */
export function encodeRpcStatus(status: { code: number; message: string; retryDelayMs?: number }): Uint8Array {
  const details: Array<{ typeUrl: string; value: Uint8Array }> = [];
  if (status.retryDelayMs !== undefined) {
    const seconds = Math.floor(status.retryDelayMs / 1000);
    const nanos = Math.round((status.retryDelayMs - seconds * 1000) * 1e6);
    details.push({ typeUrl: RETRY_INFO_URL, value: RetryInfoType.encode(RetryInfoType.fromObject({ retryDelay: { seconds, nanos } })).finish() });
  }
  return StatusType.encode(StatusType.fromObject({ code: status.code, message: status.message, details })).finish();
}

export function decodeRpcStatus(bytes: Uint8Array): RpcStatus | undefined {
  try {
    return StatusType.toObject(StatusType.decode(bytes), { longs: Number }) as RpcStatus;
  } catch {
    return undefined;
  }
}

/** RetryInfo.retry_delay in ms, when the Status carries one. */
export function retryDelayFromStatus(status: RpcStatus | undefined): number | undefined {
  for (const d of status?.details ?? []) {
    if (d.typeUrl !== RETRY_INFO_URL || d.value === undefined) continue;
    try {
      const info = RetryInfoType.toObject(RetryInfoType.decode(d.value), { longs: Number }) as { retryDelay?: { seconds?: number; nanos?: number } };
      if (info.retryDelay === undefined) return 0;
      return Math.max(0, (info.retryDelay.seconds ?? 0) * 1000 + (info.retryDelay.nanos ?? 0) / 1e6);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

// ---- HTTP -----------------------------------------------------------------------------

export const RETRYABLE_HTTP_STATUS: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/** Retry-After as delay-seconds or an HTTP-date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

export class HttpExportError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpExportError';
  }
}

/** A non-2xx answer: its class, with the server's Status message when the body has one. */
export function classifyHttpFailure(status: number, contentType: string | undefined, body: Buffer, retryAfter: string | undefined): SendOutcome {
  let detail = '';
  if (body.length > 0) {
    if (contentType?.includes('json') === true) {
      try {
        const parsed = JSON.parse(body.toString('utf8')) as { message?: unknown };
        if (typeof parsed.message === 'string') detail = parsed.message;
      } catch {
        detail = '';
      }
    } else if (contentType?.includes('protobuf') === true) {
      detail = decodeRpcStatus(body)?.message ?? '';
    } else {
      detail = body.toString('utf8', 0, Math.min(body.length, 300)).replace(/\s+/g, ' ').trim();
    }
  }
  const error = new HttpExportError(status, `HTTP ${status}${detail === '' ? '' : `: ${detail.slice(0, 300)}`}`);
  if (RETRYABLE_HTTP_STATUS.has(status)) {
    const retryAfterMs = parseRetryAfter(retryAfter);
    return retryAfterMs === undefined ? { kind: 'retryable', error } : { kind: 'retryable', error, retryAfterMs };
  }
  return { kind: 'permanent', error };
}

// ---- gRPC -----------------------------------------------------------------------------

/** gRPC status codes (grpc/doc/statuscodes.md). */
export const GrpcCode = {
  OK: 0, CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9, ABORTED: 10, OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14, DATA_LOSS: 15, UNAUTHENTICATED: 16,
} as const;

const GRPC_CODE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(GrpcCode).map(([k, v]) => [v, k]));

export function grpcCodeName(code: number): string {
  return GRPC_CODE_NAMES[code] ?? `CODE_${code}`;
}

const RETRYABLE_GRPC: ReadonlySet<number> = new Set([
  GrpcCode.CANCELLED, GrpcCode.DEADLINE_EXCEEDED, GrpcCode.ABORTED, GrpcCode.OUT_OF_RANGE, GrpcCode.UNAVAILABLE, GrpcCode.DATA_LOSS,
]);

/** The parts of a @grpc/grpc-js ServiceError we read. */
interface GrpcErrorLike {
  code?: unknown;
  details?: unknown;
  metadata?: { get(key: string): unknown[] };
}

export class GrpcExportError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'GrpcExportError';
  }
}

export function classifyGrpcError(err: unknown): SendOutcome {
  const e = (typeof err === 'object' && err !== null ? err : {}) as GrpcErrorLike;
  if (typeof e.code !== 'number') {
    // Not a gRPC status (client construction, credentials): keep the data and retry.
    return { kind: 'retryable', error: err instanceof Error ? err : new Error(String(err)) };
  }
  const code = e.code;
  const details = typeof e.details === 'string' ? e.details : err instanceof Error ? err.message : '';
  const error = new GrpcExportError(code, `gRPC ${grpcCodeName(code)}${details === '' ? '' : `: ${details.slice(0, 300)}`}`);
  let retryAfterMs: number | undefined;
  const raw = e.metadata?.get('grpc-status-details-bin')?.[0];
  if (raw instanceof Uint8Array) retryAfterMs = retryDelayFromStatus(decodeRpcStatus(raw));
  if (RETRYABLE_GRPC.has(code) || (code === GrpcCode.RESOURCE_EXHAUSTED && retryAfterMs !== undefined)) {
    return retryAfterMs === undefined ? { kind: 'retryable', error } : { kind: 'retryable', error, retryAfterMs };
  }
  return { kind: 'permanent', error };
}
