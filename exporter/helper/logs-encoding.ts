/**
 * LogRecord[] → binary OTLP ExportLogsServiceRequest, the form queued on disk and sent.
 *
 * `encodeLogsRequest` writes the bytes directly (pdata/otlp/logs-proto.ts), about twice
 * as fast as protobufjs and with a fraction of the garbage. `buildLogsRequest` builds the
 * protobufjs object form of the same request; it defines what the direct encoder must
 * produce (the property tests compare the two byte for byte). Grouping follows
 * json-encoding.ts: one ResourceLogs per resource (by identity, in order of first
 * appearance), one ScopeLogs `kata-otel`, record order kept.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AttributeValue, Attributes, LogRecord } from '../../pdata/log-record';
import type { PbAnyValue, PbKeyValue, PbLogRecord, PbResourceLogs } from '../../pdata/otlp/codec';
import { ExportLogsServiceRequestType } from '../../pdata/otlp/codec';
import { OtlpLogsEncoder } from '../../pdata/otlp/logs-proto';

export const SCOPE_NAME = 'kata-otel';

/** The package version (dist/exporter/helper/ → ../../../package.json). */
export const SCOPE_VERSION: string = (() => {
  for (const up of [['..', '..', '..'], ['..', '..']]) {
    try {
      const pkg = JSON.parse(readFileSync(join(__dirname, ...up, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'kata-otel' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // try the next candidate
    }
  }
  return '0.0.0';
})();

const HEX32 = /^[0-9a-fA-F]{32}$/;
const HEX16 = /^[0-9a-fA-F]{16}$/;
const ZERO32 = '00000000000000000000000000000000';
const ZERO16 = '0000000000000000';

function anyValue(v: AttributeValue): PbAnyValue {
  switch (typeof v) {
    case 'string':
      return { stringValue: v };
    case 'boolean':
      return { boolValue: v };
    case 'number':
      if (Number.isSafeInteger(v)) return { intValue: v as unknown as string };
      if (Number.isInteger(v) && v < 2 ** 63 && v >= -(2 ** 63)) return { intValue: BigInt(v).toString() };
      return { doubleValue: v };
    default:
      return { arrayValue: { values: (v as unknown[]).map((e) => anyValue(typeof e === 'object' || e === undefined ? String(e) : (e as AttributeValue))) } };
  }
}

function keyValues(attrs: Readonly<Attributes>): PbKeyValue[] {
  const out: PbKeyValue[] = [];
  for (const key in attrs) {
    const value = attrs[key];
    if (value !== undefined) out.push({ key, value: anyValue(value) });
  }
  return out;
}

const resourceCache = new WeakMap<object, PbKeyValue[]>();

function resourceAttributes(resource: Readonly<Attributes>): PbKeyValue[] {
  let kv = resourceCache.get(resource);
  if (kv === undefined) {
    kv = keyValues(resource);
    // Resources are interned and frozen; caching a mutable one would go stale.
    if (Object.isFrozen(resource)) resourceCache.set(resource, kv);
  }
  return kv;
}

function logRecord(r: LogRecord): PbLogRecord {
  const out: PbLogRecord = {};
  if (r.timeUnixNano !== '0' && r.timeUnixNano !== '') out.timeUnixNano = r.timeUnixNano;
  if (r.observedTimeUnixNano !== '0' && r.observedTimeUnixNano !== '') out.observedTimeUnixNano = r.observedTimeUnixNano;
  if (r.severityNumber !== 0) out.severityNumber = r.severityNumber;
  if (r.severityText !== '') out.severityText = r.severityText;
  if (r.body !== '') out.body = { stringValue: r.body };
  const attributes = keyValues(r.attributes);
  if (attributes.length > 0) out.attributes = attributes;
  // Ids that are not well-formed hex are left out, as in json-encoding.ts.
  if (HEX32.test(r.traceId) && r.traceId !== ZERO32) out.traceId = Buffer.from(r.traceId, 'hex');
  if (HEX16.test(r.spanId) && r.spanId !== ZERO16) out.spanId = Buffer.from(r.spanId, 'hex');
  if (r.eventName !== '') out.eventName = r.eventName;
  return out;
}

/** The request object (protobufjs object form) for a batch. */
export function buildLogsRequest(records: readonly LogRecord[]): { resourceLogs: PbResourceLogs[] } {
  const groups = new Map<Readonly<Attributes>, PbLogRecord[]>();
  for (const r of records) {
    let g = groups.get(r.resource);
    if (g === undefined) {
      g = [];
      groups.set(r.resource, g);
    }
    g.push(logRecord(r));
  }
  const scope = { name: SCOPE_NAME, version: SCOPE_VERSION };
  const resourceLogs: PbResourceLogs[] = [];
  for (const [resource, logRecords] of groups) {
    const attributes = resourceAttributes(resource);
    resourceLogs.push({ resource: attributes.length > 0 ? { attributes } : {}, scopeLogs: [{ scope, logRecords }] });
  }
  return { resourceLogs };
}

/** The reference encoding through protobufjs (tests, and comparisons in benchmarks). */
export function encodeLogsRequestProtobufjs(records: readonly LogRecord[]): Uint8Array {
  return ExportLogsServiceRequestType.encode(buildLogsRequest(records)).finish();
}

let encoder: OtlpLogsEncoder | undefined;

export function encodeLogsRequest(records: readonly LogRecord[]): Buffer {
  encoder ??= new OtlpLogsEncoder({ name: SCOPE_NAME, version: SCOPE_VERSION });
  return encoder.encode(records);
}
