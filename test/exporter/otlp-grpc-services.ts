/**
 * The OTLP gRPC services (LogsService and TraceService Export) of the test backends, on raw
 * bytes decoded with kata-otel's own codec. A request that does not decode is answered
 * INVALID_ARGUMENT before `handle` sees it.
 */
import * as grpc from '@grpc/grpc-js';
import type { ExportLogsServiceRequest, ExportTraceServiceRequest } from '../../pdata/otlp/codec';
import { decodeExportLogsRequest, decodeExportTraceRequest } from '../../pdata/otlp/codec';
import { LOGS_EXPORT_METHOD_PATH, TRACES_EXPORT_METHOD_PATH } from '../../pdata/otlp/schema';

export type ExportSignal = 'logs' | 'traces';

/** Exactly one of the two is set, by signal. */
export interface DecodedExport {
  logs?: ExportLogsServiceRequest;
  traces?: ExportTraceServiceRequest;
}

export type ExportHandler = (
  signal: ExportSignal, decoded: DecodedExport, call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>,
) => void;

const raw = (b: Buffer): Buffer => b;

function method(path: string): grpc.MethodDefinition<Buffer, Buffer> {
  return {
    path, requestStream: false, responseStream: false,
    requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw,
  };
}

export function addOtlpExportServices(server: grpc.Server, handle: ExportHandler): void {
  const unary = (signal: ExportSignal) => (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>): void => {
    let decoded: DecodedExport;
    try {
      decoded = signal === 'logs' ? { logs: decodeExportLogsRequest(call.request) } : { traces: decodeExportTraceRequest(call.request) };
    } catch (err) {
      cb({ code: grpc.status.INVALID_ARGUMENT, details: `undecodable: ${(err as Error).message}` });
      return;
    }
    handle(signal, decoded, call, cb);
  };
  server.addService({ Export: method(LOGS_EXPORT_METHOD_PATH) } as unknown as grpc.ServiceDefinition, { Export: unary('logs') });
  server.addService({ Export: method(TRACES_EXPORT_METHOD_PATH) } as unknown as grpc.ServiceDefinition, { Export: unary('traces') });
}
