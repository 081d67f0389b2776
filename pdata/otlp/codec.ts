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
import { OTLP_LOGS_PROTO_FILES, OTLP_NAMES, OTLP_TRACE_NAMES, OTLP_TRACES_PROTO_FILES } from './schema';

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

// ---- traces --------------------------------------------------------------------------------
// kata-otel passes traces through untouched: the OTLP receiver decodes an
// ExportTraceServiceRequest into the object form below and hands it to the trace pipeline,
// and the exporters re-encode it. Same object-form conventions as the logs types above.

export interface PbSpanEvent {
  timeUnixNano?: string | null;
  name?: string | null;
  attributes?: PbKeyValue[] | null;
  droppedAttributesCount?: number | null;
}

export interface PbSpanLink {
  traceId?: Uint8Array | null;
  spanId?: Uint8Array | null;
  traceState?: string | null;
  attributes?: PbKeyValue[] | null;
  droppedAttributesCount?: number | null;
  flags?: number | null;
}

export interface PbSpanStatus {
  message?: string | null;
  /** 0 unset, 1 ok, 2 error. */
  code?: number | null;
}

export interface PbSpan {
  traceId?: Uint8Array | null;
  spanId?: Uint8Array | null;
  traceState?: string | null;
  parentSpanId?: Uint8Array | null;
  flags?: number | null;
  name?: string | null;
  /** 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind?: number | null;
  startTimeUnixNano?: string | null;
  endTimeUnixNano?: string | null;
  attributes?: PbKeyValue[] | null;
  droppedAttributesCount?: number | null;
  events?: PbSpanEvent[] | null;
  droppedEventsCount?: number | null;
  links?: PbSpanLink[] | null;
  droppedLinksCount?: number | null;
  status?: PbSpanStatus | null;
}

export interface PbScopeSpans {
  scope?: PbInstrumentationScope | null;
  spans?: PbSpan[] | null;
  schemaUrl?: string | null;
}

export interface PbResourceSpans {
  resource?: PbResource | null;
  scopeSpans?: PbScopeSpans[] | null;
  schemaUrl?: string | null;
}

export interface ExportTraceServiceRequest {
  resourceSpans?: PbResourceSpans[] | null;
}

export interface ExportTracePartialSuccess {
  rejectedSpans?: string | null;
  errorMessage?: string | null;
}

export interface ExportTraceServiceResponse {
  /** Unset on full success. */
  partialSuccess?: ExportTracePartialSuccess | null;
}

/** A fresh Root holding common, resource, trace and the trace service, resolved. */
export function buildOtlpTracesRoot(): protobuf.Root {
  const root = new protobuf.Root();
  for (const text of OTLP_TRACES_PROTO_FILES) protobuf.parse(text, root);
  root.resolveAll();
  return root;
}

export const otlpTracesRoot: protobuf.Root = buildOtlpTracesRoot();
export const ExportTraceServiceRequestType: protobuf.Type = otlpTracesRoot.lookupType(OTLP_TRACE_NAMES.EXPORT_TRACE_REQUEST);
export const ExportTraceServiceResponseType: protobuf.Type = otlpTracesRoot.lookupType(OTLP_TRACE_NAMES.EXPORT_TRACE_RESPONSE);
export const TracesDataType: protobuf.Type = otlpTracesRoot.lookupType(OTLP_TRACE_NAMES.TRACES_DATA);
export const TraceService: protobuf.Service = otlpTracesRoot.lookupService(OTLP_TRACE_NAMES.TRACE_SERVICE);

export function encodeExportTraceRequest(req: ExportTraceServiceRequest): Uint8Array {
  return ExportTraceServiceRequestType.encode(ExportTraceServiceRequestType.fromObject(req as Record<string, unknown>)).finish();
}

/** Throws on malformed input. Bytes come back as Buffers when `bytes` is a Buffer. */
export function decodeExportTraceRequest(bytes: Uint8Array): ExportTraceServiceRequest {
  const msg = ExportTraceServiceRequestType.decode(bytes);
  return ExportTraceServiceRequestType.toObject(msg, TO_OBJECT) as ExportTraceServiceRequest;
}

export function encodeExportTraceResponse(res: ExportTraceServiceResponse): Uint8Array {
  return ExportTraceServiceResponseType.encode(ExportTraceServiceResponseType.fromObject(res as Record<string, unknown>)).finish();
}

export function decodeExportTraceResponse(bytes: Uint8Array): ExportTraceServiceResponse {
  const msg = ExportTraceServiceResponseType.decode(bytes);
  return ExportTraceServiceResponseType.toObject(msg, TO_OBJECT) as ExportTraceServiceResponse;
}

// ---- OTLP/JSON ↔ object form, for any OTLP message type --------------------------------------
// Driven by the schema, so one pair of functions serves logs, traces and their responses.
// The only departures of OTLP/JSON from the proto3 JSON mapping that need work here are the
// hex ids; the rest (int64 as strings or numbers, enums as integers, unknown keys ignored,
// "NaN"/"Infinity" doubles, base64 for other bytes) is what protobufjs fromObject/toObject do.

/** Bytes fields that OTLP/JSON writes as hex (trace_id, span_id, parent_span_id). */
const HEX_ID_FIELDS: ReadonlySet<string> = new Set(['traceId', 'spanId', 'parentSpanId']);

/** Whether a message type holds a hex id field somewhere below it (memoised per type). */
const holdsHexIds = new WeakMap<protobuf.Type, boolean>();

function typeHoldsHexIds(type: protobuf.Type, visiting: Set<protobuf.Type> = new Set()): boolean {
  const known = holdsHexIds.get(type);
  if (known !== undefined) return known;
  if (visiting.has(type)) return false; // recursive types (AnyValue) are decided by their other paths
  visiting.add(type);
  let found = false;
  for (const field of type.fieldsArray) {
    if (field.type === 'bytes' && HEX_ID_FIELDS.has(field.name)) found = true;
    else if (field.resolvedType instanceof protobuf.Type && typeHoldsHexIds(field.resolvedType, visiting)) found = true;
  }
  visiting.delete(type);
  holdsHexIds.set(type, found);
  return found;
}

/** Thrown for an OTLP/JSON document that cannot be mapped onto the schema. */
export class OtlpJsonError extends Error {
  override readonly name = 'OtlpJsonError';
}

function jsonHexToBytes(hex: string, path: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new OtlpJsonError(`${path}: not a hex string`);
  return Buffer.from(hex, 'hex');
}

function idsFromHex(type: protobuf.Type, obj: Record<string, unknown>, path: string): void {
  for (const field of type.fieldsArray) {
    const v = obj[field.name];
    if (v == null) continue;
    const sub = field.resolvedType;
    if (sub instanceof protobuf.Type) {
      if (!typeHoldsHexIds(sub)) continue;
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          const e: unknown = v[i];
          if (e !== null && typeof e === 'object') idsFromHex(sub, e as Record<string, unknown>, `${path}.${field.name}[${i}]`);
        }
      } else if (typeof v === 'object') {
        idsFromHex(sub, v as Record<string, unknown>, `${path}.${field.name}`);
      }
    } else if (field.type === 'bytes' && HEX_ID_FIELDS.has(field.name) && typeof v === 'string') {
      obj[field.name] = jsonHexToBytes(v, `${path}.${field.name}`);
    }
  }
}

/**
 * A parsed OTLP/JSON document of message `type` → object form (64-bit integers as decimal
 * strings, enums as numbers, bytes as Buffers). Mutates `json` (hex ids are replaced by
 * bytes). Throws OtlpJsonError or the TypeError of protobufjs (`.resourceLogs: array
 * expected`) when the document does not fit the schema; messages never quote the input.
 */
export function otlpObjectFromJson<T>(type: protobuf.Type, json: unknown): T {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new OtlpJsonError(`${type.name}: object expected`);
  idsFromHex(type, json as Record<string, unknown>, type.name);
  return type.toObject(type.fromObject(json as Record<string, unknown>), TO_OBJECT) as T;
}

function idsToHex(type: protobuf.Type, obj: Record<string, unknown>): void {
  for (const field of type.fieldsArray) {
    const v = obj[field.name];
    if (v == null) continue;
    const sub = field.resolvedType;
    if (sub instanceof protobuf.Type) {
      if (!typeHoldsHexIds(sub)) continue;
      if (Array.isArray(v)) for (const e of v) idsToHex(sub, e as Record<string, unknown>);
      else idsToHex(sub, v as Record<string, unknown>);
    } else if (field.type === 'bytes' && HEX_ID_FIELDS.has(field.name) && typeof v === 'string') {
      obj[field.name] = Buffer.from(v, 'base64').toString('hex');
    }
  }
}

const TO_JSON: protobuf.IConversionOptions = { longs: String, enums: Number, bytes: String, json: true };

/** Object form of message `type` → OTLP/JSON value (ids in hex, other bytes base64; fields absent from `obj` stay absent). */
export function otlpObjectToJson(type: protobuf.Type, obj: object): Record<string, unknown> {
  const json = type.toObject(type.fromObject(obj as Record<string, unknown>), TO_JSON);
  idsToHex(type, json);
  return json;
}

export function exportTraceRequestFromJson(json: unknown): ExportTraceServiceRequest {
  return otlpObjectFromJson<ExportTraceServiceRequest>(ExportTraceServiceRequestType, json);
}

export function exportTraceRequestToJson(req: ExportTraceServiceRequest): Record<string, unknown> {
  return otlpObjectToJson(ExportTraceServiceRequestType, req);
}
