/**
 * How the receiver answers, per the OTLP specification ("Failures" and "Throttling" of
 * OTLP/gRPC and OTLP/HTTP): one Failure kind, its gRPC code and HTTP status, and the
 * google.rpc.Status body (with RetryInfo when the consumer gave a retry delay).
 *
 * | kind            | gRPC                 | HTTP | retryable |
 * |-----------------|----------------------|------|-----------|
 * | bad_request     | INVALID_ARGUMENT     | 400  | no        |
 * | permanent       | INVALID_ARGUMENT     | 400  | no        |
 * | unauthenticated | UNAUTHENTICATED      | 401  | no        |
 * | not_found       | UNIMPLEMENTED        | 404  | no        |
 * | method          | UNIMPLEMENTED        | 405  | no        |
 * | too_large       | RESOURCE_EXHAUSTED*  | 413  | no        |
 * | media_type      | INVALID_ARGUMENT     | 415  | no        |
 * | internal        | INTERNAL             | 500  | no        |
 * | retryable       | UNAVAILABLE          | 503  | yes       |
 * | shutting_down   | UNAVAILABLE          | 503  | yes       |
 *
 * (*) RESOURCE_EXHAUSTED without RetryInfo is not retried by OTLP clients, which is what an
 * oversized request needs. Consumer backpressure is UNAVAILABLE / 503 (+ RetryInfo and
 * Retry-After when the consumer's error has `retryAfterMs`).
 */
import * as protobuf from 'protobufjs';

export type FailureKind =
  | 'bad_request' | 'permanent' | 'unauthenticated' | 'not_found' | 'method' | 'too_large' | 'media_type'
  | 'internal' | 'retryable' | 'shutting_down';

export interface Failure {
  kind: FailureKind;
  /** English, never quoting the request body or credentials. */
  message: string;
  retryAfterMs?: number;
}

/** gRPC status codes used here (grpc/status.h values). */
export const GrpcCode = {
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

const MAPPING: Record<FailureKind, { grpc: number; http: number }> = {
  bad_request: { grpc: GrpcCode.INVALID_ARGUMENT, http: 400 },
  permanent: { grpc: GrpcCode.INVALID_ARGUMENT, http: 400 },
  unauthenticated: { grpc: GrpcCode.UNAUTHENTICATED, http: 401 },
  not_found: { grpc: GrpcCode.UNIMPLEMENTED, http: 404 },
  method: { grpc: GrpcCode.UNIMPLEMENTED, http: 405 },
  too_large: { grpc: GrpcCode.RESOURCE_EXHAUSTED, http: 413 },
  media_type: { grpc: GrpcCode.INVALID_ARGUMENT, http: 415 },
  internal: { grpc: GrpcCode.INTERNAL, http: 500 },
  retryable: { grpc: GrpcCode.UNAVAILABLE, http: 503 },
  shutting_down: { grpc: GrpcCode.UNAVAILABLE, http: 503 },
};

export function grpcCodeOf(kind: FailureKind): number {
  return MAPPING[kind].grpc;
}

export function httpStatusOf(kind: FailureKind): number {
  return MAPPING[kind].http;
}

/** Error messages are cut here; the OTLP response must stay well under 4 MiB. */
export const MAX_MESSAGE_CHARS = 2048;

export function trimMessage(message: string): string {
  return message.length <= MAX_MESSAGE_CHARS ? message : `${message.slice(0, MAX_MESSAGE_CHARS - 1)}…`;
}

/** `Retry-After` seconds for a delay in ms (at least 1). */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

// google/rpc/status.proto, google/rpc/error_details.proto (RetryInfo) and the two
// well-known types they use, written from their field numbers.
const RPC_PROTO = `
syntax = "proto3";
package google.rpc;
message Status {
  int32 code = 1;
  string message = 2;
  repeated .google.protobuf.Any details = 3;
}
message RetryInfo {
  .google.protobuf.Duration retry_delay = 1;
}
`;

const WELL_KNOWN_PROTO = `
syntax = "proto3";
package google.protobuf;
message Any {
  string type_url = 1;
  bytes value = 2;
}
message Duration {
  int64 seconds = 1;
  int32 nanos = 2;
}
`;

const root = new protobuf.Root();
protobuf.parse(WELL_KNOWN_PROTO, root);
protobuf.parse(RPC_PROTO, root);
root.resolveAll();
const StatusType = root.lookupType('google.rpc.Status');
const RetryInfoType = root.lookupType('google.rpc.RetryInfo');

export const RETRY_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.RetryInfo';

function retryInfoBytes(ms: number): Uint8Array {
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.round((ms - seconds * 1000) * 1e6);
  return RetryInfoType.encode(RetryInfoType.create({ retryDelay: { seconds, nanos } })).finish();
}

/** A binary google.rpc.Status: the HTTP error body and gRPC's `grpc-status-details-bin`. */
export function encodeRpcStatus(code: number, message: string, retryAfterMs?: number): Buffer {
  const details = retryAfterMs === undefined ? [] : [{ typeUrl: RETRY_INFO_TYPE_URL, value: retryInfoBytes(retryAfterMs) }];
  const bytes = StatusType.encode(StatusType.fromObject({ code, message: trimMessage(message), details })).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** google.rpc.Status in proto3 JSON (Any with its `@type`, Duration as "1.5s"). */
export function jsonRpcStatus(code: number, message: string, retryAfterMs?: number): string {
  const status: { code: number; message: string; details?: unknown[] } = { code, message: trimMessage(message) };
  if (retryAfterMs !== undefined) status.details = [{ '@type': RETRY_INFO_TYPE_URL, retryDelay: `${retryAfterMs / 1000}s` }];
  return JSON.stringify(status);
}

export interface DecodedRpcStatus {
  code: number;
  message: string;
  /** The RetryInfo delay in ms, when a RetryInfo detail is present. */
  retryDelayMs?: number;
}

/** Decodes a binary google.rpc.Status (used by tests and by clients of this module). */
export function decodeRpcStatus(bytes: Uint8Array): DecodedRpcStatus {
  const s = StatusType.toObject(StatusType.decode(bytes), { longs: Number, defaults: true }) as {
    code: number; message: string; details: { typeUrl: string; value: Uint8Array }[];
  };
  const out: DecodedRpcStatus = { code: s.code, message: s.message };
  for (const d of s.details) {
    if (d.typeUrl !== RETRY_INFO_TYPE_URL) continue;
    const ri = RetryInfoType.toObject(RetryInfoType.decode(d.value), { longs: Number, defaults: true }) as {
      retryDelay?: { seconds: number; nanos: number };
    };
    if (ri.retryDelay !== undefined) out.retryDelayMs = ri.retryDelay.seconds * 1000 + ri.retryDelay.nanos / 1e6;
  }
  return out;
}
