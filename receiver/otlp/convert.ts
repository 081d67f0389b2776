/**
 * ExportLogsServiceRequest (protobufjs object form) → kata-otel LogRecords. Pure functions:
 * no I/O, no telemetry; the caller counts what they report.
 *
 * Mapping:
 * - resource attributes → `record.resource`, an interned frozen object: records whose
 *   resources have the same attributes share one object, within a request and, through the
 *   bounded ResourceInterner, across requests (exporters group records by identity);
 *   the resource's `dropped_attributes_count`, entity refs and schema URLs are dropped;
 * - instrumentation scope: the record model has no scope, so its name and version become
 *   the attributes `otel.scope.name` / `otel.scope.version`, which is what the OpenTelemetry
 *   specification prescribes for formats without a scope ("Transformation to non-OTLP
 *   formats", stable; both attributes are in the semantic-conventions registry). A record's
 *   own attribute of the same name wins. Scope attributes have no such mapping and are dropped;
 * - times stay decimal ns strings; a missing time stays "0"; a missing observed time
 *   becomes the time the request arrived;
 * - severity numbers outside 0–24 become 0 (unspecified); severity text, event name as is;
 * - trace/span ids → lowercase hex ("" when absent or all zero); `flags` (W3C trace flags)
 *   and `dropped_attributes_count` have no place in the record model and are dropped;
 * - attribute values: string, bool and double as they are; int64 as a number when it is a
 *   safe integer, else as its decimal string; an array of strings as string[]; any other
 *   array, a kvlist and bytes become text (JSON text, bytes base64) and are counted in
 *   `flattenedValues`; an attribute with an empty AnyValue is left out;
 * - body: a string body as it is; any other body as JSON text (counted); none → "".
 *
 * A record whose body is a string and which has no `kata.log.format` attribute is "raw": the
 * kata_parser processor downstream parses it (Kata text a Collector read with its filelog or
 * journald receiver). Nothing is parsed here.
 *
 * A record that cannot be represented is rejected and reported through partial success,
 * the rest are kept: ids of the wrong length (a trace id is 16 bytes, a span id 8) and
 * values nested deeper than MAX_VALUE_DEPTH.
 */
import type {
  ExportLogsServiceRequest, ExportTraceServiceRequest, PbAnyValue, PbKeyValue, PbLogRecord,
} from '../../pdata/otlp/codec';
import { EMPTY_RESOURCE, type AttributeValue, type Attributes, type LogRecord } from '../../pdata/log-record';

/** Arrays and kvlists nested deeper than this make the record unrepresentable. */
export const MAX_VALUE_DEPTH = 64;

/** The attribute names the OpenTelemetry specification gives the scope of a LogRecord. */
export const SCOPE_NAME_ATTRIBUTE = 'otel.scope.name';
export const SCOPE_VERSION_ATTRIBUTE = 'otel.scope.version';

class Unrepresentable extends Error {}

/** A JSON value, as an AnyValue is rendered into text. */
type Plain = string | number | boolean | null | Plain[] | { [key: string]: Plain };

/** Sets `obj[key]`, also for `__proto__`, which plain assignment would not store. */
function put<T>(obj: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

function intValue(s: string | number): number | string {
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : String(s);
}

/** An AnyValue as a JSON value: kvlists become objects, bytes base64, non-finite doubles strings. */
export function anyValueToPlain(v: PbAnyValue, depth = 0): Plain {
  if (depth > MAX_VALUE_DEPTH) throw new Unrepresentable(`a value is nested deeper than ${MAX_VALUE_DEPTH} levels`);
  if (v.stringValue != null) return v.stringValue;
  if (v.boolValue != null) return v.boolValue;
  if (v.intValue != null) return intValue(v.intValue);
  if (v.doubleValue != null) return Number.isFinite(v.doubleValue) ? v.doubleValue : String(v.doubleValue);
  if (v.arrayValue != null) return (v.arrayValue.values ?? []).map((e) => anyValueToPlain(e ?? {}, depth + 1));
  if (v.kvlistValue != null) {
    const obj: { [key: string]: Plain } = {};
    for (const kv of v.kvlistValue.values ?? []) put(obj, kv.key ?? '', kv.value == null ? null : anyValueToPlain(kv.value, depth + 1));
    return obj;
  }
  if (v.bytesValue != null) return Buffer.from(v.bytesValue.buffer, v.bytesValue.byteOffset, v.bytesValue.byteLength).toString('base64');
  return null;
}

/** Counts values that had to change type on the way in. */
export interface ConversionCounts {
  flattenedValues: number;
}

/** An attribute value in the record model, or undefined for an empty AnyValue. */
export function anyValueToAttribute(v: PbAnyValue, counts: ConversionCounts): AttributeValue | undefined {
  if (v.stringValue != null) return v.stringValue;
  if (v.boolValue != null) return v.boolValue;
  if (v.doubleValue != null) return v.doubleValue;
  if (v.intValue != null) {
    const n = intValue(v.intValue);
    if (typeof n === 'string') counts.flattenedValues++;
    return n;
  }
  if (v.arrayValue != null) {
    const values = v.arrayValue.values ?? [];
    if (values.every((e) => e?.stringValue != null)) return values.map((e) => e.stringValue!);
    counts.flattenedValues++;
    return JSON.stringify(anyValueToPlain(v));
  }
  if (v.kvlistValue != null) {
    counts.flattenedValues++;
    return JSON.stringify(anyValueToPlain(v));
  }
  if (v.bytesValue != null) {
    counts.flattenedValues++;
    return anyValueToPlain(v) as string;
  }
  return undefined;
}

/** Adds key/values to `out`; with `keep`, an existing key is not overwritten. */
function addAttributes(out: Attributes, kvs: readonly PbKeyValue[] | null | undefined, counts: ConversionCounts, keep = false): void {
  if (kvs == null) return;
  for (const kv of kvs) {
    if (kv.value == null) continue;
    const key = kv.key ?? '';
    if (keep && Object.prototype.hasOwnProperty.call(out, key)) continue;
    const value = anyValueToAttribute(kv.value, counts);
    if (value !== undefined) put(out, key, value);
  }
}

/** A record body in the record model: strings as they are, anything else as JSON text. */
export function bodyToText(v: PbAnyValue | null | undefined, counts: ConversionCounts): string {
  if (v == null) return '';
  if (v.stringValue != null) return v.stringValue;
  const plain = anyValueToPlain(v);
  if (plain === null) return '';
  counts.flattenedValues++;
  return JSON.stringify(plain);
}

const ZERO_ID = /^0*$/;

function idToHex(id: Uint8Array | null | undefined, bytes: number, name: string): string {
  if (id == null || id.length === 0) return '';
  if (id.length !== bytes) throw new Unrepresentable(`${name} must be ${bytes} bytes, got ${id.length}`);
  const hex = Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex');
  return ZERO_ID.test(hex) ? '' : hex;
}

function timeString(t: string | number | null | undefined): string {
  if (t == null || t === '') return '0';
  return String(t);
}

/**
 * Interns frozen resource objects by their attributes (order-insensitive), so equal
 * resources are one object. Bounded: past `maxEntries` the least recently used is forgotten
 * (a later equal resource then gets a new object, which is correct, only less shared).
 */
export class ResourceInterner {
  private readonly byKey = new Map<string, Readonly<Attributes>>();

  constructor(private readonly maxEntries = 1024) {}

  get size(): number {
    return this.byKey.size;
  }

  intern(attributes: Attributes): Readonly<Attributes> {
    const keys = Object.keys(attributes);
    if (keys.length === 0) return EMPTY_RESOURCE;
    keys.sort();
    const key = JSON.stringify(keys.map((k) => [k, attributes[k]]));
    const found = this.byKey.get(key);
    if (found !== undefined) {
      this.byKey.delete(key);
      this.byKey.set(key, found);
      return found;
    }
    const frozen = Object.freeze(attributes);
    this.byKey.set(key, frozen);
    if (this.byKey.size > this.maxEntries) this.byKey.delete(this.byKey.keys().next().value!);
    return frozen;
  }
}

export interface LogsConversion extends ConversionCounts {
  records: LogRecord[];
  /** Records that could not be represented (not in `records`). */
  rejected: number;
  /** Why the first rejected record was rejected; "" when none was. */
  rejectReason: string;
}

export interface ConvertOptions {
  interner: ResourceInterner;
  /** Used for records that carry no observed time: when the request arrived. */
  receivedTimeUnixNano: string;
}

function convertRecord(
  r: PbLogRecord, resource: Readonly<Attributes>, scopeAttrs: Attributes | undefined, receivedTime: string, counts: ConversionCounts,
): LogRecord {
  const attributes: Attributes = {};
  addAttributes(attributes, r.attributes, counts);
  if (scopeAttrs !== undefined) {
    for (const k in scopeAttrs) if (!Object.prototype.hasOwnProperty.call(attributes, k)) attributes[k] = scopeAttrs[k]!;
  }
  const severity = r.severityNumber ?? 0;
  const observed = timeString(r.observedTimeUnixNano);
  return {
    timeUnixNano: timeString(r.timeUnixNano),
    observedTimeUnixNano: observed === '0' ? receivedTime : observed,
    severityNumber: Number.isInteger(severity) && severity >= 0 && severity <= 24 ? severity : 0,
    severityText: r.severityText ?? '',
    body: bodyToText(r.body, counts),
    eventName: r.eventName ?? '',
    traceId: idToHex(r.traceId, 16, 'trace_id'),
    spanId: idToHex(r.spanId, 8, 'span_id'),
    attributes,
    resource,
  };
}

/** Number of log records in a request (what `rejected_log_records` counts against). */
export function countLogRecords(req: ExportLogsServiceRequest): number {
  let n = 0;
  for (const rl of req.resourceLogs ?? []) for (const sl of rl.scopeLogs ?? []) n += sl.logRecords?.length ?? 0;
  return n;
}

/** Number of spans in a request. */
export function countSpans(req: ExportTraceServiceRequest): number {
  let n = 0;
  for (const rs of req.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) n += ss.spans?.length ?? 0;
  return n;
}

export function convertLogsRequest(req: ExportLogsServiceRequest, opts: ConvertOptions): LogsConversion {
  const out: LogsConversion = { records: [], rejected: 0, rejectReason: '', flattenedValues: 0 };
  const reject = (n: number, err: unknown) => {
    if (n === 0) return;
    if (!(err instanceof Unrepresentable)) throw err;
    out.rejected += n;
    if (out.rejectReason === '') out.rejectReason = err.message;
  };
  for (const rl of req.resourceLogs ?? []) {
    let resource: Readonly<Attributes>;
    try {
      const attrs: Attributes = {};
      addAttributes(attrs, rl.resource?.attributes, out);
      resource = opts.interner.intern(attrs);
    } catch (err) {
      let n = 0;
      for (const sl of rl.scopeLogs ?? []) n += sl.logRecords?.length ?? 0;
      reject(n, err);
      continue;
    }
    for (const sl of rl.scopeLogs ?? []) {
      let scopeAttrs: Attributes | undefined;
      const name = sl.scope?.name ?? '';
      const version = sl.scope?.version ?? '';
      if (name !== '' || version !== '') {
        scopeAttrs = {};
        if (name !== '') scopeAttrs[SCOPE_NAME_ATTRIBUTE] = name;
        if (version !== '') scopeAttrs[SCOPE_VERSION_ATTRIBUTE] = version;
      }
      for (const r of sl.logRecords ?? []) {
        try {
          out.records.push(convertRecord(r, resource, scopeAttrs, opts.receivedTimeUnixNano, out));
        } catch (err) {
          reject(1, err);
        }
      }
    }
  }
  return out;
}
