/**
 * Request bodies → object form, for both signals and both encodings. Every failure is a
 * RequestDecodeError whose message describes the problem without quoting the body (they go
 * to the client in the 400 / INVALID_ARGUMENT status and to our warning log).
 */
import type { TracesRequest } from '../../consumer/consumer';
import {
  decodeExportLogsRequest, decodeExportTraceRequest, ExportLogsServiceRequestType, ExportTraceServiceRequestType,
  otlpObjectFromJson, type ExportLogsServiceRequest, type ExportTraceServiceRequest,
} from '../../pdata/otlp/codec';

export type Encoding = 'protobuf' | 'json';
export type Signal = 'logs' | 'traces';

export class RequestDecodeError extends Error {
  override readonly name = 'RequestDecodeError';
}

/** The media type of a Content-Type header, or undefined when it is neither OTLP encoding. */
export function encodingOfContentType(contentType: string | undefined): Encoding | undefined {
  if (contentType === undefined) return undefined;
  const semi = contentType.indexOf(';');
  const media = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  if (media === 'application/x-protobuf') return 'protobuf';
  if (media === 'application/json') return 'json';
  return undefined;
}

export const CONTENT_TYPE: Record<Encoding, string> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
};

const MESSAGE_NAME: Record<Signal, string> = {
  logs: 'ExportLogsServiceRequest',
  traces: 'ExportTraceServiceRequest',
};

function describe(err: unknown): string {
  // protobufjs: "index out of range: 3 + 10 > 5", "invalid wire type 7 at offset 2",
  // ".opentelemetry...LogRecord.attributes: array expected". None quotes the input.
  return err instanceof Error ? err.message : 'undecodable';
}

function parseJson(body: Buffer, signal: Signal): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    // SyntaxError messages quote the body; say only what is wrong.
    throw new RequestDecodeError(`request body is not valid JSON (expected an OTLP/JSON ${MESSAGE_NAME[signal]})`);
  }
}

export function decodeLogsBody(body: Buffer, encoding: Encoding): ExportLogsServiceRequest {
  if (body.length === 0) return {};
  try {
    if (encoding === 'protobuf') return decodeExportLogsRequest(body);
    return otlpObjectFromJson<ExportLogsServiceRequest>(ExportLogsServiceRequestType, parseJson(body, 'logs'));
  } catch (err) {
    if (err instanceof RequestDecodeError) throw err;
    throw new RequestDecodeError(`request body is not a valid ${encoding} ${MESSAGE_NAME.logs}: ${describe(err)}`);
  }
}

export function decodeTracesBody(body: Buffer, encoding: Encoding): TracesRequest & ExportTraceServiceRequest {
  if (body.length === 0) return { resourceSpans: [] };
  let req: ExportTraceServiceRequest;
  try {
    if (encoding === 'protobuf') req = decodeExportTraceRequest(body);
    else req = otlpObjectFromJson<ExportTraceServiceRequest>(ExportTraceServiceRequestType, parseJson(body, 'traces'));
  } catch (err) {
    if (err instanceof RequestDecodeError) throw err;
    throw new RequestDecodeError(`request body is not a valid ${encoding} ${MESSAGE_NAME.traces}: ${describe(err)}`);
  }
  return { ...req, resourceSpans: req.resourceSpans ?? [] };
}
