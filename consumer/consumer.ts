/**
 * The one interface between pipeline stages. The promise resolving means the data was
 * accepted downstream (for an exporter with a persistent queue: durably committed), so a
 * receiver acknowledges its source (file offset, journald cursor, OTLP response) only
 * after it resolves. A rejection with PermanentError means the data is bad; any other
 * rejection means "not now" and the receiver keeps its source unacknowledged.
 * The caller must not touch the array or its records after passing them on.
 */
import type { LogRecord } from '../pdata/log-record';

export interface LogsConsumer {
  consumeLogs(records: LogRecord[]): Promise<void>;
}

/** OTLP trace requests pass through kata-otel untouched, as protobufjs plain objects. */
export interface TracesConsumer {
  consumeTraces(request: TracesRequest): Promise<void>;
}

/** An ExportTraceServiceRequest decoded with the OTLP schema (bytes as Buffers, 64-bit ints as strings). */
export interface TracesRequest {
  resourceSpans: unknown[];
}
