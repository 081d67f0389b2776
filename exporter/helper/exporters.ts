/**
 * The components a factory returns: a LogsConsumer or TracesConsumer that encodes what it
 * is given into the binary OTLP request and hands it to the QueuedExporter. consumeLogs
 * resolving means the batch is committed to the exporter's queue on disk.
 */
import type { Component, Host } from '../../component/component';
import { PermanentError } from '../../component/errors';
import type { LogsConsumer, TracesConsumer, TracesRequest } from '../../consumer/consumer';
import type { LogRecord } from '../../pdata/log-record';
import type { ExportTraceServiceRequest } from '../../pdata/otlp/codec';
import { encodeExportTraceRequest } from '../../pdata/otlp/codec';
import { releasePayload } from '../../pdata/otlp/logs-proto';
import { encodeLogsRequest } from './logs-encoding';
import type { QueuedExporter } from './queued-exporter';

export class LogsExporter implements Component, LogsConsumer {
  /** It only reads the records (to encode them). */
  readonly mutatesData = false;

  constructor(readonly core: QueuedExporter) {}

  start(host: Host): Promise<void> {
    return this.core.start(host);
  }

  shutdown(): Promise<void> {
    return this.core.shutdown();
  }

  async consumeLogs(records: LogRecord[]): Promise<void> {
    if (records.length === 0) return;
    let payload: Uint8Array;
    try {
      payload = encodeLogsRequest(records);
    } catch (err) {
      throw new PermanentError('KO_ERR_ENCODE', `cannot encode the batch as OTLP: ${(err as Error).message}`, { cause: err });
    }
    // The queue takes the payload and gives its memory back (releasePayload) once delivered;
    // without a queue the transport may still be writing the bytes, so they are not reused.
    await this.core.submit(payload, records.length, releasePayload);
  }
}

export function countSpans(req: TracesRequest | ExportTraceServiceRequest): number {
  let n = 0;
  for (const rs of (req.resourceSpans ?? []) as Array<{ scopeSpans?: Array<{ spans?: unknown[] | null }> | null }>) {
    for (const ss of rs.scopeSpans ?? []) n += ss.spans?.length ?? 0;
  }
  return n;
}

export class TracesExporter implements Component, TracesConsumer {
  constructor(readonly core: QueuedExporter) {}

  start(host: Host): Promise<void> {
    return this.core.start(host);
  }

  shutdown(): Promise<void> {
    return this.core.shutdown();
  }

  async consumeTraces(request: TracesRequest): Promise<void> {
    const spans = countSpans(request);
    if ((request.resourceSpans ?? []).length === 0) return;
    let payload: Uint8Array;
    try {
      payload = encodeExportTraceRequest(request as ExportTraceServiceRequest);
    } catch (err) {
      throw new PermanentError('KO_ERR_ENCODE', `cannot encode the trace request as OTLP: ${(err as Error).message}`, { cause: err });
    }
    await this.core.submit(payload, spans);
  }
}
