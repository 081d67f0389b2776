/**
 * The OTLP logs protobuf codec: a protobufjs 8 Root built from schema.ts, the message
 * types, plain-object interfaces for them, and conversions between the binary form, the
 * protobufjs object form and OTLP/JSON.
 *
 * Object form used throughout (what `decode*` returns and `encode*` accepts): field names
 * lowerCamelCase, 64-bit integers as decimal strings, enums as numbers, bytes as
 * Uint8Array (Buffer under Node). OTLP/JSON differs only in the bytes: trace and span ids
 * are hex there, other bytes base64.
 */
import * as protobuf from 'protobufjs';
import type {
  OtlpJsonAnyValue, OtlpJsonExportLogsServiceRequest, OtlpJsonKeyValue, OtlpJsonLogRecord,
} from './json-encoding';
import { OTLP_LOGS_PROTO_FILES, OTLP_NAMES } from './schema';

export interface PbAnyValue {
  stringValue?: string | null;
  boolValue?: boolean | null;
  intValue?: string | null;
  doubleValue?: number | null;
  arrayValue?: PbArrayValue | null;
  kvlistValue?: PbKeyValueList | null;
  bytesValue?: Uint8Array | null;
  stringValueStrindex?: number | null;
}

export interface PbArrayValue {
  values?: PbAnyValue[] | null;
}

export interface PbKeyValueList {
  values?: PbKeyValue[] | null;
}

export interface PbKeyValue {
  key?: string | null;
  value?: PbAnyValue | null;
  keyStrindex?: number | null;
}

export interface PbInstrumentationScope {
  name?: string | null;
  version?: string | null;
  attributes?: PbKeyValue[] | null;
  droppedAttributesCount?: number | null;
}

export interface PbEntityRef {
  schemaUrl?: string | null;
  type?: string | null;
  idKeys?: string[] | null;
  descriptionKeys?: string[] | null;
}

export interface PbResource {
  attributes?: PbKeyValue[] | null;
  droppedAttributesCount?: number | null;
  entityRefs?: PbEntityRef[] | null;
}

export interface PbLogRecord {
  timeUnixNano?: string | null;
  observedTimeUnixNano?: string | null;
  severityNumber?: number | null;
  severityText?: string | null;
  body?: PbAnyValue | null;
  attributes?: PbKeyValue[] | null;
  droppedAttributesCount?: number | null;
  flags?: number | null;
  traceId?: Uint8Array | null;
  spanId?: Uint8Array | null;
  eventName?: string | null;
}

export interface PbScopeLogs {
  scope?: PbInstrumentationScope | null;
  logRecords?: PbLogRecord[] | null;
  schemaUrl?: string | null;
}

export interface PbResourceLogs {
  resource?: PbResource | null;
  scopeLogs?: PbScopeLogs[] | null;
  schemaUrl?: string | null;
}

export interface ExportLogsServiceRequest {
  resourceLogs?: PbResourceLogs[] | null;
}

export interface ExportLogsPartialSuccess {
  rejectedLogRecords?: string | null;
  errorMessage?: string | null;
}

export interface ExportLogsServiceResponse {
  /** Unset on full success. */
  partialSuccess?: ExportLogsPartialSuccess | null;
}

/** A fresh Root holding the four OTLP logs files, resolved. */
export function buildOtlpLogsRoot(): protobuf.Root {
  const root = new protobuf.Root();
  for (const text of OTLP_LOGS_PROTO_FILES) protobuf.parse(text, root);
  root.resolveAll();
  return root;
}

export const otlpLogsRoot: protobuf.Root = buildOtlpLogsRoot();
export const ExportLogsServiceRequestType: protobuf.Type = otlpLogsRoot.lookupType(OTLP_NAMES.EXPORT_LOGS_REQUEST);
export const ExportLogsServiceResponseType: protobuf.Type = otlpLogsRoot.lookupType(OTLP_NAMES.EXPORT_LOGS_RESPONSE);
export const LogsDataType: protobuf.Type = otlpLogsRoot.lookupType(OTLP_NAMES.LOGS_DATA);
export const LogsService: protobuf.Service = otlpLogsRoot.lookupService(OTLP_NAMES.LOGS_SERVICE);

const TO_OBJECT: protobuf.IConversionOptions = { longs: String, enums: Number };

export function encodeExportLogsRequest(req: ExportLogsServiceRequest): Uint8Array {
  return ExportLogsServiceRequestType.encode(ExportLogsServiceRequestType.fromObject(req as Record<string, unknown>)).finish();
}

/** Throws on malformed input (protobufjs errors carry the position). */
export function decodeExportLogsRequest(bytes: Uint8Array): ExportLogsServiceRequest {
  const msg = ExportLogsServiceRequestType.decode(bytes);
  return ExportLogsServiceRequestType.toObject(msg, TO_OBJECT) as ExportLogsServiceRequest;
}

export function encodeExportLogsResponse(res: ExportLogsServiceResponse): Uint8Array {
  return ExportLogsServiceResponseType.encode(ExportLogsServiceResponseType.fromObject(res as Record<string, unknown>)).finish();
}

export function decodeExportLogsResponse(bytes: Uint8Array): ExportLogsServiceResponse {
  const msg = ExportLogsServiceResponseType.decode(bytes);
  return ExportLogsServiceResponseType.toObject(msg, TO_OBJECT) as ExportLogsServiceResponse;
}

// ---- OTLP/JSON ↔ object form ----------------------------------------------------------

function hexToBytes(hex: string): Uint8Array {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) throw new Error(`not a hex id: ${JSON.stringify(hex.slice(0, 40))}`);
  return Buffer.from(hex, 'hex');
}

function bytesToHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

function anyValueFromJson(v: OtlpJsonAnyValue): PbAnyValue {
  if (v.bytesValue !== undefined) return { bytesValue: Buffer.from(v.bytesValue, 'base64') };
  if (v.doubleValue !== undefined) return { doubleValue: Number(v.doubleValue) };
  if (v.arrayValue !== undefined) return { arrayValue: { values: (v.arrayValue.values ?? []).map(anyValueFromJson) } };
  if (v.kvlistValue !== undefined) return { kvlistValue: { values: (v.kvlistValue.values ?? []).map(keyValueFromJson) } };
  return v as PbAnyValue;
}

function keyValueFromJson(kv: OtlpJsonKeyValue): PbKeyValue {
  return { key: kv.key, value: anyValueFromJson(kv.value) };
}

function logRecordFromJson(r: OtlpJsonLogRecord): PbLogRecord {
  const out: PbLogRecord = {};
  if (r.timeUnixNano !== undefined) out.timeUnixNano = String(r.timeUnixNano);
  if (r.observedTimeUnixNano !== undefined) out.observedTimeUnixNano = String(r.observedTimeUnixNano);
  if (r.severityNumber !== undefined) out.severityNumber = r.severityNumber;
  if (r.severityText !== undefined) out.severityText = r.severityText;
  if (r.body !== undefined) out.body = anyValueFromJson(r.body);
  if (r.attributes !== undefined) out.attributes = r.attributes.map(keyValueFromJson);
  if (r.droppedAttributesCount !== undefined) out.droppedAttributesCount = r.droppedAttributesCount;
  if (r.flags !== undefined) out.flags = r.flags;
  // OTLP/JSON ids are hex; protobufjs would read a string in a bytes field as base64.
  if (r.traceId !== undefined && r.traceId !== '') out.traceId = hexToBytes(r.traceId);
  if (r.spanId !== undefined && r.spanId !== '') out.spanId = hexToBytes(r.spanId);
  if (r.eventName !== undefined) out.eventName = r.eventName;
  return out;
}

/** OTLP/JSON request (already JSON.parse'd) → object form, ready for encodeExportLogsRequest. */
export function exportLogsRequestFromJson(json: OtlpJsonExportLogsServiceRequest): ExportLogsServiceRequest {
  return {
    resourceLogs: (json.resourceLogs ?? []).map((rl) => ({
      resource: rl.resource === undefined ? null : {
        attributes: (rl.resource.attributes ?? []).map(keyValueFromJson),
        droppedAttributesCount: rl.resource.droppedAttributesCount ?? 0,
      },
      schemaUrl: rl.schemaUrl ?? '',
      scopeLogs: (rl.scopeLogs ?? []).map((sl) => ({
        scope: sl.scope === undefined ? null : {
          name: sl.scope.name ?? '',
          version: sl.scope.version ?? '',
          attributes: (sl.scope.attributes ?? []).map(keyValueFromJson),
          droppedAttributesCount: sl.scope.droppedAttributesCount ?? 0,
        },
        schemaUrl: sl.schemaUrl ?? '',
        logRecords: (sl.logRecords ?? []).map(logRecordFromJson),
      })),
    })),
  };
}

function anyValueToJson(v: PbAnyValue): OtlpJsonAnyValue {
  if (v.stringValue != null) return { stringValue: v.stringValue };
  if (v.boolValue != null) return { boolValue: v.boolValue };
  if (v.intValue != null) return { intValue: String(v.intValue) };
  if (v.doubleValue != null) {
    const d = v.doubleValue;
    return { doubleValue: Number.isFinite(d) ? d : Number.isNaN(d) ? 'NaN' : d > 0 ? 'Infinity' : '-Infinity' };
  }
  if (v.arrayValue != null) {
    const values = (v.arrayValue.values ?? []).map(anyValueToJson);
    return { arrayValue: values.length > 0 ? { values } : {} };
  }
  if (v.kvlistValue != null) {
    const values = (v.kvlistValue.values ?? []).map(keyValueToJson);
    return { kvlistValue: values.length > 0 ? { values } : {} };
  }
  if (v.bytesValue != null) return { bytesValue: Buffer.from(v.bytesValue).toString('base64') };
  return {};
}

function keyValueToJson(kv: PbKeyValue): OtlpJsonKeyValue {
  return { key: kv.key ?? '', value: kv.value == null ? {} : anyValueToJson(kv.value) };
}

function logRecordToJson(r: PbLogRecord): OtlpJsonLogRecord {
  const out: OtlpJsonLogRecord = {};
  if (r.timeUnixNano != null && r.timeUnixNano !== '0') out.timeUnixNano = String(r.timeUnixNano);
  if (r.observedTimeUnixNano != null && r.observedTimeUnixNano !== '0') out.observedTimeUnixNano = String(r.observedTimeUnixNano);
  if (r.severityNumber) out.severityNumber = r.severityNumber;
  if (r.severityText) out.severityText = r.severityText;
  if (r.body != null) out.body = anyValueToJson(r.body);
  if (r.attributes != null && r.attributes.length > 0) out.attributes = r.attributes.map(keyValueToJson);
  if (r.droppedAttributesCount) out.droppedAttributesCount = r.droppedAttributesCount;
  if (r.flags) out.flags = r.flags;
  if (r.traceId != null && r.traceId.length > 0) out.traceId = bytesToHex(r.traceId);
  if (r.spanId != null && r.spanId.length > 0) out.spanId = bytesToHex(r.spanId);
  if (r.eventName) out.eventName = r.eventName;
  return out;
}

/** Object form → OTLP/JSON, omitting proto3 defaults like json-encoding.ts does. */
export function exportLogsRequestToJson(req: ExportLogsServiceRequest): OtlpJsonExportLogsServiceRequest {
  const resourceLogs = (req.resourceLogs ?? []).map((rl) => {
    const out: NonNullable<OtlpJsonExportLogsServiceRequest['resourceLogs']>[number] = {};
    if (rl.resource != null) {
      const attributes = (rl.resource.attributes ?? []).map(keyValueToJson);
      out.resource = attributes.length > 0 ? { attributes } : {};
      if (rl.resource.droppedAttributesCount) out.resource.droppedAttributesCount = rl.resource.droppedAttributesCount;
    }
    out.scopeLogs = (rl.scopeLogs ?? []).map((sl) => {
      const s: NonNullable<typeof out.scopeLogs>[number] = {};
      if (sl.scope != null) {
        s.scope = {};
        if (sl.scope.name) s.scope.name = sl.scope.name;
        if (sl.scope.version) s.scope.version = sl.scope.version;
        if (sl.scope.attributes != null && sl.scope.attributes.length > 0) s.scope.attributes = sl.scope.attributes.map(keyValueToJson);
      }
      const logRecords = (sl.logRecords ?? []).map(logRecordToJson);
      if (logRecords.length > 0) s.logRecords = logRecords;
      if (sl.schemaUrl) s.schemaUrl = sl.schemaUrl;
      return s;
    });
    if (rl.schemaUrl) out.schemaUrl = rl.schemaUrl;
    return out;
  });
  return resourceLogs.length > 0 ? { resourceLogs } : {};
}
