/**
 * OTLP/JSON output of `kata-otel parse --output otlp-json`, checked by a strict decoder
 * written here from the OTLP specification's JSON rules (not from our encoder), and a
 * round trip through the protobuf codec.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  decodeExportLogsRequest, encodeExportLogsRequest, ExportLogsServiceRequestType, exportLogsRequestFromJson,
  exportLogsRequestToJson,
} from '../../pdata/otlp/codec';
import type { OtlpJsonExportLogsServiceRequest } from '../../pdata/otlp/json-encoding';
import { buildExportRequest, encodeAnyValue } from '../../pdata/otlp/json-encoding';
import type { LogRecord } from '../../pdata/log-record';
import { EXAMPLE, fixtureFiles, ROOT, runCli } from '../cli/run-cli';

// ---- the strict decoder ----------------------------------------------------------------

type Json = unknown;
type Flat = string | number | boolean | Flat[] | { [k: string]: Flat } | null;

export interface DecodedRecord {
  resource: Record<string, Flat>;
  scope: { name: string; version: string };
  timeUnixNano: string;
  observedTimeUnixNano: string;
  severityNumber: number;
  severityText: string;
  body: Flat;
  attributes: Record<string, Flat>;
  traceId: string;
  spanId: string;
  eventName: string;
  flags: number;
}

class Rejected extends Error {}

const LOWER_CAMEL = /^[a-z][a-zA-Z0-9]*$/;
const UINT64_MAX = 18446744073709551615n;
const INT64_MIN = -9223372036854775808n;
const INT64_MAX = 9223372036854775807n;

function fail(path: string, why: string): never {
  throw new Rejected(`${path}: ${why}`);
}

function obj(v: Json, path: string, allowed: readonly string[]): Record<string, Json> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'not an object');
  for (const k of Object.keys(v)) {
    if (!LOWER_CAMEL.test(k)) fail(`${path}.${k}`, 'key is not lowerCamelCase');
    if (!allowed.includes(k)) fail(`${path}.${k}`, 'not a field of this message');
  }
  return v as Record<string, Json>;
}

function arr(v: Json, path: string): Json[] {
  if (!Array.isArray(v)) fail(path, 'not an array');
  return v;
}

function str(v: Json, path: string): string {
  if (typeof v !== 'string') fail(path, 'not a string');
  return v;
}

function uint(v: Json, path: string, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) fail(path, `not an integer in 0..${max}`);
  return v;
}

/** 64-bit integers are decimal strings in OTLP/JSON. */
function u64(v: Json, path: string): string {
  if (typeof v !== 'string' || !/^(0|[1-9]\d*)$/.test(v) || BigInt(v) > UINT64_MAX) fail(path, 'not a uint64 decimal string');
  return v;
}

function i64(v: Json, path: string): string {
  if (typeof v !== 'string' || !/^(0|-?[1-9]\d*)$/.test(v)) fail(path, 'not an int64 decimal string');
  const n = BigInt(v);
  if (n < INT64_MIN || n > INT64_MAX) fail(path, 'out of int64 range');
  return v;
}

function hexId(v: Json, path: string, chars: number): string {
  if (typeof v !== 'string' || !new RegExp(`^[0-9a-fA-F]{${chars}}$`).test(v)) fail(path, `not ${chars} hex characters`);
  return v.toLowerCase();
}

const ANY_VALUE_FIELDS = ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'] as const;

function anyValue(v: Json, path: string): Flat {
  const o = obj(v, path, ANY_VALUE_FIELDS);
  const keys = Object.keys(o);
  if (keys.length !== 1) fail(path, `AnyValue must hold exactly one value, holds ${keys.length}`);
  const k = keys[0]!;
  const x = o[k];
  switch (k) {
    case 'stringValue':
      return str(x, `${path}.stringValue`);
    case 'boolValue':
      if (typeof x !== 'boolean') fail(`${path}.boolValue`, 'not a boolean');
      return x;
    case 'intValue':
      return Number(i64(x, `${path}.intValue`));
    case 'doubleValue':
      if (typeof x === 'number') return x;
      if (x === 'NaN' || x === 'Infinity' || x === '-Infinity') return Number(x);
      return fail(`${path}.doubleValue`, 'not a number');
    case 'arrayValue': {
      const a = obj(x, `${path}.arrayValue`, ['values']);
      return a.values === undefined ? [] : arr(a.values, `${path}.arrayValue.values`).map((e, i) => anyValue(e, `${path}.arrayValue.values[${i}]`));
    }
    case 'kvlistValue': {
      const a = obj(x, `${path}.kvlistValue`, ['values']);
      return keyValues(a.values ?? [], `${path}.kvlistValue.values`);
    }
    default: {
      const b = str(x, `${path}.bytesValue`);
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b) || b.length % 4 !== 0) fail(`${path}.bytesValue`, 'not base64');
      return b;
    }
  }
}

function keyValues(v: Json, path: string): Record<string, Flat> {
  const out: Record<string, Flat> = {};
  arr(v, path).forEach((e, i) => {
    const kv = obj(e, `${path}[${i}]`, ['key', 'value']);
    const key = str(kv.key, `${path}[${i}].key`);
    if (kv.value === undefined) fail(`${path}[${i}]`, 'no value');
    if (Object.prototype.hasOwnProperty.call(out, key)) fail(`${path}[${i}]`, `duplicate key ${key}`);
    out[key] = anyValue(kv.value, `${path}[${i}].value`);
  });
  return out;
}

const LOG_RECORD_FIELDS = [
  'timeUnixNano', 'observedTimeUnixNano', 'severityNumber', 'severityText', 'body', 'attributes',
  'droppedAttributesCount', 'flags', 'traceId', 'spanId', 'eventName',
] as const;

/** Decodes one ExportLogsServiceRequest; throws Rejected on any rule broken. */
export function strictDecode(request: Json): DecodedRecord[] {
  const out: DecodedRecord[] = [];
  const req = obj(request, '$', ['resourceLogs']);
  arr(req.resourceLogs ?? [], '$.resourceLogs').forEach((rlJson, i) => {
    const p = `$.resourceLogs[${i}]`;
    const rl = obj(rlJson, p, ['resource', 'scopeLogs', 'schemaUrl']);
    if (rl.schemaUrl !== undefined) str(rl.schemaUrl, `${p}.schemaUrl`);
    let resource: Record<string, Flat> = {};
    if (rl.resource !== undefined) {
      const r = obj(rl.resource, `${p}.resource`, ['attributes', 'droppedAttributesCount', 'entityRefs']);
      resource = keyValues(r.attributes ?? [], `${p}.resource.attributes`);
      if (r.droppedAttributesCount !== undefined) uint(r.droppedAttributesCount, `${p}.resource.droppedAttributesCount`, 2 ** 32 - 1);
    }
    arr(rl.scopeLogs ?? [], `${p}.scopeLogs`).forEach((slJson, j) => {
      const q = `${p}.scopeLogs[${j}]`;
      const sl = obj(slJson, q, ['scope', 'logRecords', 'schemaUrl']);
      const scope = { name: '', version: '' };
      if (sl.scope !== undefined) {
        const s = obj(sl.scope, `${q}.scope`, ['name', 'version', 'attributes', 'droppedAttributesCount']);
        if (s.name !== undefined) scope.name = str(s.name, `${q}.scope.name`);
        if (s.version !== undefined) scope.version = str(s.version, `${q}.scope.version`);
        if (s.attributes !== undefined) keyValues(s.attributes, `${q}.scope.attributes`);
      }
      arr(sl.logRecords ?? [], `${q}.logRecords`).forEach((lrJson, k) => {
        const x = `${q}.logRecords[${k}]`;
        const lr = obj(lrJson, x, LOG_RECORD_FIELDS);
        const severityNumber = lr.severityNumber === undefined ? 0 : lr.severityNumber;
        // Enums are integers only, never names.
        if (typeof severityNumber !== 'number') fail(`${x}.severityNumber`, 'enum is not an integer');
        uint(severityNumber, `${x}.severityNumber`, 24);
        out.push({
          resource,
          scope,
          timeUnixNano: lr.timeUnixNano === undefined ? '0' : u64(lr.timeUnixNano, `${x}.timeUnixNano`),
          observedTimeUnixNano: lr.observedTimeUnixNano === undefined ? '0' : u64(lr.observedTimeUnixNano, `${x}.observedTimeUnixNano`),
          severityNumber,
          severityText: lr.severityText === undefined ? '' : str(lr.severityText, `${x}.severityText`),
          body: lr.body === undefined ? null : anyValue(lr.body, `${x}.body`),
          attributes: keyValues(lr.attributes ?? [], `${x}.attributes`),
          traceId: lr.traceId === undefined ? '' : hexId(lr.traceId, `${x}.traceId`, 32),
          spanId: lr.spanId === undefined ? '' : hexId(lr.spanId, `${x}.spanId`, 16),
          eventName: lr.eventName === undefined ? '' : str(lr.eventName, `${x}.eventName`),
          flags: lr.flags === undefined ? 0 : uint(lr.flags, `${x}.flags`, 2 ** 32 - 1),
        });
        if (lr.droppedAttributesCount !== undefined) uint(lr.droppedAttributesCount, `${x}.droppedAttributesCount`, 2 ** 32 - 1);
      });
    });
  });
  return out;
}

// ---- fixtures ----------------------------------------------------------------------------

const INPUTS = [...fixtureFiles(), EXAMPLE];
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

interface Outputs {
  otlp: Map<string, string[]>;
  ndjson: Map<string, Array<Record<string, unknown>>>;
}

async function outputs(batchSize?: number): Promise<Outputs> {
  const o: Outputs = { otlp: new Map(), ndjson: new Map() };
  for (const file of INPUTS) {
    const args = ['parse', '--output', 'otlp-json', ...(batchSize === undefined ? [] : ['--batch-size', String(batchSize)]), file];
    const res = await runCli(args);
    assert.equal(res.code, 0, res.stderr);
    o.otlp.set(file, res.stdout.split('\n').filter((l) => l !== ''));
    const nd = await runCli(['parse', file]);
    o.ndjson.set(file, nd.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>));
  }
  return o;
}

function deepCopy<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** A valid request line with one record, from the example. */
function sampleRequest(lines: string[]): OtlpJsonExportLogsServiceRequest {
  return JSON.parse(lines[0]!) as OtlpJsonExportLogsServiceRequest;
}

function firstRecord(req: Record<string, unknown>): Record<string, unknown> {
  const rl = (req.resourceLogs as Array<Record<string, unknown>>)[0]!;
  const sl = (rl.scopeLogs as Array<Record<string, unknown>>)[0]!;
  return (sl.logRecords as Array<Record<string, unknown>>)[0]!;
}

describe('OTLP/JSON output (kata-otel parse --output otlp-json)', function () {
  this.timeout(120_000);
  let out: Outputs;
  before(async () => {
    out = await outputs();
  });

  it('every line over all fixtures and the example passes the strict decoder', () => {
    let total = 0;
    for (const [file, lines] of out.otlp) {
      assert.ok(lines.length > 0, file);
      for (const line of lines) {
        const records = strictDecode(JSON.parse(line));
        assert.ok(records.length > 0 && records.length <= 512);
        for (const r of records) {
          assert.deepEqual(r.scope, { name: 'kata-otel', version: VERSION });
          assert.equal(typeof r.resource['service.name'], 'string');
        }
        total += records.length;
      }
    }
    assert.ok(total > 400, `${total} records`);
  });

  it('carries the same records as ndjson: count, order, times, severity, body, attributes, resource', () => {
    for (const file of INPUTS) {
      const decoded = out.otlp.get(file)!.flatMap((l) => strictDecode(JSON.parse(l)));
      const nd = out.ndjson.get(file)!;
      assert.equal(decoded.length, nd.length, file);
      // Grouping by resource may reorder records across resources inside a request; line
      // numbers restore the input order.
      // A Sigma correlation event has no line of its own: it follows the record that completed it.
      const keys = new Map<unknown, number>();
      let last = 0;
      for (const d of decoded) {
        const n = d.attributes['kata.log.line_number'];
        last = typeof n === 'number' ? n : last + 0.5;
        keys.set(d, last);
      }
      decoded.sort((a, b) => keys.get(a)! - keys.get(b)!);
      nd.forEach((n, i) => {
        const d = decoded[i]!;
        assert.equal(d.timeUnixNano, n.timeUnixNano);
        assert.equal(d.severityNumber, n.severityNumber);
        assert.equal(d.severityText, n.severityText);
        assert.equal(d.body, n.body === '' ? null : n.body);
        assert.equal(d.eventName, n.eventName);
        assert.deepEqual(d.attributes, n.attributes);
        assert.deepEqual(d.resource, n.resource);
      });
    }
  });

  it('groups records by resource: one ResourceLogs per distinct resource in a request', async () => {
    const res = await runCli(['parse', '--output', 'otlp-json', '--batch-size', '7', EXAMPLE]);
    assert.equal(res.code, 0, res.stderr);
    const lines = res.stdout.split('\n').filter((l) => l !== '');
    const n = out.ndjson.get(EXAMPLE)!.length;
    assert.equal(lines.length, Math.ceil(n / 7));
    let several = 0;
    for (const line of lines) {
      const req = JSON.parse(line) as OtlpJsonExportLogsServiceRequest;
      const seen = new Set<string>();
      for (const rl of req.resourceLogs!) {
        const k = JSON.stringify(rl.resource);
        assert.ok(!seen.has(k), `resource twice in one request: ${k}`);
        seen.add(k);
        assert.equal(rl.scopeLogs!.length, 1);
      }
      if (seen.size > 1) several++;
      assert.ok(strictDecode(req).length <= 7);
    }
    assert.ok(several > 0, 'no request mixed resources');
  });

  describe('the strict decoder rejects broken variants', () => {
    const cases: Array<[string, (r: Record<string, unknown>, req: Record<string, unknown>) => void]> = [
      ['a string severityNumber', (r) => { r.severityNumber = String(r.severityNumber ?? 9); }],
      ['an enum name as severityNumber', (r) => { r.severityNumber = 'SEVERITY_NUMBER_INFO'; }],
      ['a numeric timeUnixNano', (r) => { r.timeUnixNano = 1650604627936888662; }],
      ['a numeric observedTimeUnixNano', (r) => { r.observedTimeUnixNano = Number(r.observedTimeUnixNano); }],
      ['a snake_case key', (r) => { r.time_unix_nano = r.timeUnixNano; delete r.timeUnixNano; }],
      ['a snake_case envelope key', (_r, req) => { req.resource_logs = req.resourceLogs; delete req.resourceLogs; }],
      ['a base64 traceId', (r) => { r.traceId = Buffer.from('5b8efff798038103d269b633813fc60c', 'hex').toString('base64'); }],
      ['a base64 spanId', (r) => { r.spanId = Buffer.from('eee19b7ec3c1b174', 'hex').toString('base64'); }],
      ['a numeric intValue', (r) => { (r.attributes as Array<{ value: unknown }>).push({ value: { intValue: 5 }, key: 'x' } as never); }],
      ['an AnyValue with two values', (r) => { r.body = { stringValue: 'a', intValue: '1' }; }],
      ['an empty AnyValue', (r) => { r.body = {}; }],
      ['a log record outside scopeLogs', (r, req) => { req.logRecords = [r]; }],
      ['a log record directly under resourceLogs', (r, req) => { (req.resourceLogs as Array<Record<string, unknown>>)[0]!.logRecords = [r]; }],
    ];
    for (const [what, breakIt] of cases) {
      it(what, () => {
        const req = deepCopy(sampleRequest(out.otlp.get(EXAMPLE)!)) as unknown as Record<string, unknown>;
        assert.doesNotThrow(() => strictDecode(req));
        breakIt(firstRecord(req), req);
        assert.throws(() => strictDecode(req), Rejected);
      });
    }

    it('while accepting hex ids (either case) on the same record', () => {
      const req = deepCopy(sampleRequest(out.otlp.get(EXAMPLE)!)) as unknown as Record<string, unknown>;
      const r = firstRecord(req);
      r.traceId = '5B8EFFF798038103D269B633813FC60C';
      r.spanId = 'eee19b7ec3c1b174';
      const [d] = strictDecode(req);
      assert.equal(d!.traceId, '5b8efff798038103d269b633813fc60c');
      assert.equal(d!.spanId, 'eee19b7ec3c1b174');
    });
  });

  describe('round trip through the protobuf codec', () => {
    it('JSON → protobuf binary → JSON keeps every line identical, over all fixtures and the example', () => {
      for (const [file, lines] of out.otlp) {
        for (const line of lines) {
          const json = JSON.parse(line) as OtlpJsonExportLogsServiceRequest;
          const bytes = encodeExportLogsRequest(exportLogsRequestFromJson(json));
          assert.ok(bytes.length > 0);
          const back = exportLogsRequestToJson(decodeExportLogsRequest(bytes));
          assert.deepEqual(back, json, file);
        }
      }
    });

    it('decoded messages have the same record count, bodies, times and attributes', () => {
      const lines = out.otlp.get(EXAMPLE)!;
      let count = 0;
      for (const line of lines) {
        const expected = strictDecode(JSON.parse(line));
        const msg = ExportLogsServiceRequestType.decode(encodeExportLogsRequest(exportLogsRequestFromJson(JSON.parse(line) as OtlpJsonExportLogsServiceRequest)));
        const obj = ExportLogsServiceRequestType.toObject(msg, { longs: String, enums: Number, defaults: true }) as {
          resourceLogs: Array<{ scopeLogs: Array<{ logRecords: Array<Record<string, unknown> & { attributes: Array<{ key: string; value: Record<string, unknown> }> }> }> }>;
        };
        const records = obj.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords));
        assert.equal(records.length, expected.length);
        records.forEach((r, i) => {
          const e = expected[i]!;
          assert.equal(r.timeUnixNano, e.timeUnixNano);
          assert.equal(r.observedTimeUnixNano, e.observedTimeUnixNano);
          assert.equal(r.severityNumber, e.severityNumber);
          assert.equal((r.body as { stringValue?: string } | null)?.stringValue ?? null, e.body);
          const attrs: Record<string, unknown> = {};
          for (const kv of r.attributes) {
            const v = kv.value;
            attrs[kv.key] = v.stringValue ?? v.boolValue ?? (v.intValue !== undefined ? Number(v.intValue) : undefined)
              ?? v.doubleValue ?? (v.arrayValue as { values: Array<{ stringValue: string }> } | undefined)?.values.map((x) => x.stringValue);
          }
          assert.deepEqual(attrs, e.attributes);
        });
        count += records.length;
      }
      assert.equal(count, out.ndjson.get(EXAMPLE)!.length);
    });

    it('hex trace and span ids become 16 and 8 bytes and come back as the same hex', () => {
      const req = deepCopy(sampleRequest(out.otlp.get(EXAMPLE)!));
      const r = req.resourceLogs![0]!.scopeLogs![0]!.logRecords![0]!;
      r.traceId = '5b8efff798038103d269b633813fc60c';
      r.spanId = 'eee19b7ec3c1b174';
      r.flags = 1;
      const decoded = decodeExportLogsRequest(encodeExportLogsRequest(exportLogsRequestFromJson(req)));
      const lr = decoded.resourceLogs![0]!.scopeLogs![0]!.logRecords![0]!;
      assert.equal(lr.traceId!.length, 16);
      assert.equal(lr.spanId!.length, 8);
      assert.deepEqual(exportLogsRequestToJson(decoded), req);
    });
  });

  describe('value encoding', () => {
    it('types attribute values as the OTLP/JSON mapping asks', () => {
      assert.deepEqual(encodeAnyValue('x'), { stringValue: 'x' });
      assert.deepEqual(encodeAnyValue(''), { stringValue: '' });
      assert.deepEqual(encodeAnyValue(true), { boolValue: true });
      assert.deepEqual(encodeAnyValue(42), { intValue: '42' });
      assert.deepEqual(encodeAnyValue(-7), { intValue: '-7' });
      assert.deepEqual(encodeAnyValue(2 ** 60), { intValue: '1152921504606846976' });
      assert.deepEqual(encodeAnyValue(1.5), { doubleValue: 1.5 });
      assert.deepEqual(encodeAnyValue(1e300), { doubleValue: 1e300 });
      assert.deepEqual(encodeAnyValue(Number.NaN), { doubleValue: 'NaN' });
      assert.deepEqual(encodeAnyValue(-Infinity), { doubleValue: '-Infinity' });
      assert.deepEqual(encodeAnyValue(['a', 'b']), { arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] } });
      assert.deepEqual(encodeAnyValue([]), { arrayValue: {} });
      for (const v of [42, 1.5, Number.NaN, 'x', true, ['a'], [], 2 ** 60]) {
        assert.doesNotThrow(() => anyValue(encodeAnyValue(v as never), '$'));
      }
    });

    it('omits proto3 defaults and groups by resource identity', () => {
      const res = Object.freeze({ 'service.name': 'kata-agent' });
      const rec = (body: string, resource: Readonly<Record<string, string>>): LogRecord => ({
        timeUnixNano: '0', observedTimeUnixNano: '1700000000000000000', severityNumber: 0, severityText: '', body,
        eventName: '', traceId: '', spanId: '', attributes: {}, resource,
      });
      const other = Object.freeze({ 'service.name': 'qemu', 'host.name': 'node-1' });
      const req = buildExportRequest([rec('a', res), rec('', other), rec('c', res)], { name: 'kata-otel', version: '1.2.3' });
      assert.equal(req.resourceLogs!.length, 2);
      assert.deepEqual(req.resourceLogs![0]!.scopeLogs![0]!.logRecords, [
        { observedTimeUnixNano: '1700000000000000000', body: { stringValue: 'a' } },
        { observedTimeUnixNano: '1700000000000000000', body: { stringValue: 'c' } },
      ]);
      assert.deepEqual(req.resourceLogs![1]!.scopeLogs![0]!.logRecords, [{ observedTimeUnixNano: '1700000000000000000' }]);
      assert.deepEqual(req.resourceLogs![1]!.resource, {
        attributes: [{ key: 'service.name', value: { stringValue: 'qemu' } }, { key: 'host.name', value: { stringValue: 'node-1' } }],
      });
      assert.deepEqual(buildExportRequest([], { name: 'kata-otel', version: '1' }), {});
      assert.equal(strictDecode(req).length, 3);
    });
  });
});
