/**
 * LogRecord → OTLP/JSON, the encoding of the OTLP/HTTP JSON body and of the Collector's
 * file exporter (one ExportLogsServiceRequest per line).
 *
 * Rules followed (OTLP specification, "JSON Protobuf Encoding", on top of the proto3 JSON
 * mapping):
 * - keys are the lowerCamelCase JSON names of the proto fields;
 * - enums are integers (`"severityNumber": 9`), never names;
 * - 64-bit integers (`timeUnixNano`, `observedTimeUnixNano`, `intValue`) are decimal strings;
 * - `traceId` / `spanId` are lowercase hex, not base64;
 * - a field holding its proto3 default (0, "", empty list, absent message) is omitted. That
 *   includes `timeUnixNano` when the source gave no time ("0": the receiver then uses the
 *   observed time), empty `severityText`, `eventName`, ids and an empty body. Members of the
 *   AnyValue oneof are always written, even when empty (`{"stringValue":""}`), because a
 *   set oneof member is present whatever its value.
 * - non-finite doubles are the strings "NaN", "Infinity", "-Infinity".
 */
import type { AttributeValue, Attributes, LogRecord } from '../log-record';

export interface OtlpJsonAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  /** int64 as a decimal string. */
  intValue?: string;
  doubleValue?: number | string;
  arrayValue?: { values?: OtlpJsonAnyValue[] };
  kvlistValue?: { values?: OtlpJsonKeyValue[] };
  /** base64, as proto3 JSON writes bytes (not used by kata-otel). */
  bytesValue?: string;
}

export interface OtlpJsonKeyValue {
  key: string;
  value: OtlpJsonAnyValue;
}

export interface OtlpJsonLogRecord {
  timeUnixNano?: string;
  observedTimeUnixNano?: string;
  severityNumber?: number;
  severityText?: string;
  body?: OtlpJsonAnyValue;
  attributes?: OtlpJsonKeyValue[];
  droppedAttributesCount?: number;
  flags?: number;
  traceId?: string;
  spanId?: string;
  eventName?: string;
}

export interface OtlpJsonResource {
  attributes?: OtlpJsonKeyValue[];
  droppedAttributesCount?: number;
}

export interface OtlpJsonInstrumentationScope {
  name?: string;
  version?: string;
  attributes?: OtlpJsonKeyValue[];
  droppedAttributesCount?: number;
}

export interface OtlpJsonScopeLogs {
  scope?: OtlpJsonInstrumentationScope;
  logRecords?: OtlpJsonLogRecord[];
  schemaUrl?: string;
}

export interface OtlpJsonResourceLogs {
  resource?: OtlpJsonResource;
  scopeLogs?: OtlpJsonScopeLogs[];
  schemaUrl?: string;
}

export interface OtlpJsonExportLogsServiceRequest {
  resourceLogs?: OtlpJsonResourceLogs[];
}

/** The instrumentation scope written on every ScopeLogs. */
export interface ScopeInfo {
  name: string;
  version: string;
}

const INT64_LIMIT = 2 ** 63;
const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;

export function encodeAnyValue(v: AttributeValue): OtlpJsonAnyValue {
  switch (typeof v) {
    case 'string':
      return { stringValue: v };
    case 'boolean':
      return { boolValue: v };
    case 'number':
      return encodeNumber(v);
    default:
      // string[] is the only array the record model allows; other element types are
      // stringified rather than dropped.
      return { arrayValue: v.length === 0 ? {} : { values: v.map(encodeArrayElement) } };
  }
}

function encodeArrayElement(e: unknown): OtlpJsonAnyValue {
  if (typeof e === 'string') return { stringValue: e };
  if (typeof e === 'number') return encodeNumber(e);
  if (typeof e === 'boolean') return { boolValue: e };
  return { stringValue: String(e) };
}

function encodeNumber(v: number): OtlpJsonAnyValue {
  if (Number.isInteger(v)) {
    if (Number.isSafeInteger(v)) return { intValue: String(v) };
    if (v < INT64_LIMIT && v >= -INT64_LIMIT) return { intValue: BigInt(v).toString() };
  }
  if (Number.isFinite(v)) return { doubleValue: v };
  return { doubleValue: Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity' };
}

export function encodeAttributes(attrs: Readonly<Attributes>): OtlpJsonKeyValue[] {
  const out: OtlpJsonKeyValue[] = [];
  for (const key in attrs) {
    const value = attrs[key];
    if (value === undefined) continue;
    out.push({ key, value: encodeAnyValue(value) });
  }
  return out;
}

/** One record, with proto3 defaults omitted (see the module comment). */
export function encodeLogRecord(r: LogRecord): OtlpJsonLogRecord {
  const out: OtlpJsonLogRecord = {};
  if (r.timeUnixNano !== '0' && r.timeUnixNano !== '') out.timeUnixNano = r.timeUnixNano;
  if (r.observedTimeUnixNano !== '0' && r.observedTimeUnixNano !== '') out.observedTimeUnixNano = r.observedTimeUnixNano;
  if (r.severityNumber !== 0) out.severityNumber = r.severityNumber;
  if (r.severityText !== '') out.severityText = r.severityText;
  if (r.body !== '') out.body = { stringValue: r.body };
  const attributes = encodeAttributes(r.attributes);
  if (attributes.length > 0) out.attributes = attributes;
  // Ids that are not well-formed hex are left out: a receiver would reject the request.
  const traceId = r.traceId.toLowerCase();
  if (HEX32.test(traceId) && traceId !== '00000000000000000000000000000000') out.traceId = traceId;
  const spanId = r.spanId.toLowerCase();
  if (HEX16.test(spanId) && spanId !== '0000000000000000') out.spanId = spanId;
  if (r.eventName !== '') out.eventName = r.eventName;
  return out;
}

/** Resources are interned and frozen, so their encoding is cached by identity. */
const encodedResources = new WeakMap<object, OtlpJsonResource>();

export function encodeResource(resource: Readonly<Attributes>): OtlpJsonResource {
  let enc = encodedResources.get(resource);
  if (enc === undefined) {
    const attributes = encodeAttributes(resource);
    enc = attributes.length > 0 ? { attributes } : {};
    encodedResources.set(resource, enc);
  }
  return enc;
}

/**
 * One ExportLogsServiceRequest for a batch: records grouped by resource (by identity, in
 * order of first appearance), one ScopeLogs per resource, record order kept inside a group.
 */
export function buildExportRequest(records: readonly LogRecord[], scope: ScopeInfo): OtlpJsonExportLogsServiceRequest {
  const groups = new Map<Readonly<Attributes>, OtlpJsonLogRecord[]>();
  for (const r of records) {
    let g = groups.get(r.resource);
    if (g === undefined) {
      g = [];
      groups.set(r.resource, g);
    }
    g.push(encodeLogRecord(r));
  }
  const scopeJson: OtlpJsonInstrumentationScope = {};
  if (scope.name !== '') scopeJson.name = scope.name;
  if (scope.version !== '') scopeJson.version = scope.version;
  const resourceLogs: OtlpJsonResourceLogs[] = [];
  for (const [resource, logRecords] of groups) {
    resourceLogs.push({ resource: encodeResource(resource), scopeLogs: [{ scope: scopeJson, logRecords }] });
  }
  return resourceLogs.length > 0 ? { resourceLogs } : {};
}

/** The request as one line of text (no trailing newline). */
export function exportRequestLine(records: readonly LogRecord[], scope: ScopeInfo): string {
  return JSON.stringify(buildExportRequest(records, scope));
}
