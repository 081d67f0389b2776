/**
 * What differs between exporting logs and traces: the protobuf request each queue row
 * holds, its gRPC method and HTTP path, its JSON form, and how a partial success names the
 * rejected items. Both exporters store the binary ExportXServiceRequest: it is compact,
 * and concatenated requests of one kind are a valid request (repeated field 1 appends), so
 * the sender merges queued batches without decoding them.
 */
import type { LogRecord } from '../../pdata/log-record';
import {
  decodeExportLogsRequest, decodeExportLogsResponse, decodeExportTraceRequest, decodeExportTraceResponse,
  exportLogsRequestToJson, exportTraceRequestToJson,
} from '../../pdata/otlp/codec';
import { LOGS_EXPORT_METHOD_PATH, TRACES_EXPORT_METHOD_PATH } from '../../pdata/otlp/schema';

export type SignalName = 'logs' | 'traces';

export interface PartialSuccess {
  rejected: number;
  message: string;
}

export interface Signal {
  name: SignalName;
  /** The `kind` stamped in the queue file. */
  queueKind: string;
  /** What one item is, for messages: "log records", "spans". */
  itemNoun: string;
  grpcPath: string;
  grpcServiceName: string;
  httpPath: string;
  /** A queued (binary) request as an OTLP/JSON body. */
  toJson(payload: Uint8Array): string;
  partialFromProto(bytes: Uint8Array): PartialSuccess;
  partialFromJson(json: unknown): PartialSuccess;
}

function partial(ps: { rejected?: unknown; message?: unknown } | undefined): PartialSuccess {
  if (ps === undefined) return { rejected: 0, message: '' };
  const n = Number(ps.rejected ?? 0);
  return { rejected: Number.isFinite(n) && n > 0 ? n : 0, message: typeof ps.message === 'string' ? ps.message : '' };
}

export const LOGS_SIGNAL: Signal = {
  name: 'logs',
  queueKind: 'otlp-logs-protobuf',
  itemNoun: 'log records',
  grpcPath: LOGS_EXPORT_METHOD_PATH,
  grpcServiceName: 'LogsExportService',
  httpPath: '/v1/logs',
  toJson: (payload) => JSON.stringify(exportLogsRequestToJson(decodeExportLogsRequest(payload))),
  partialFromProto(bytes) {
    const ps = decodeExportLogsResponse(bytes).partialSuccess ?? undefined;
    return partial(ps === undefined ? undefined : { rejected: ps.rejectedLogRecords, message: ps.errorMessage });
  },
  partialFromJson(json) {
    const ps = (json as { partialSuccess?: { rejectedLogRecords?: unknown; errorMessage?: unknown } } | null)?.partialSuccess;
    return partial(ps == null ? undefined : { rejected: ps.rejectedLogRecords, message: ps.errorMessage });
  },
};

export const TRACES_SIGNAL: Signal = {
  name: 'traces',
  queueKind: 'otlp-traces-protobuf',
  itemNoun: 'spans',
  grpcPath: TRACES_EXPORT_METHOD_PATH,
  grpcServiceName: 'TraceExportService',
  httpPath: '/v1/traces',
  toJson: (payload) => JSON.stringify(exportTraceRequestToJson(decodeExportTraceRequest(payload))),
  partialFromProto(bytes) {
    const ps = decodeExportTraceResponse(bytes).partialSuccess ?? undefined;
    return partial(ps === undefined ? undefined : { rejected: ps.rejectedSpans, message: ps.errorMessage });
  },
  partialFromJson(json) {
    const ps = (json as { partialSuccess?: { rejectedSpans?: unknown; errorMessage?: unknown } } | null)?.partialSuccess;
    return partial(ps == null ? undefined : { rejected: ps.rejectedSpans, message: ps.errorMessage });
  },
};

export type { LogRecord };
