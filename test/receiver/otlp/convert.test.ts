/**
 * ExportLogsServiceRequest → LogRecord conversion (pure functions): resources interned,
 * scope as otel.scope.*, times, ids, severities, every AnyValue kind, bodies, and the records
 * that cannot be represented.
 */
import assert from 'node:assert/strict';
import { EMPTY_RESOURCE } from '../../../pdata/log-record';
import { parseText } from '../../../receiver/kata/parse-text';
import type { ExportLogsServiceRequest, PbAnyValue, PbLogRecord } from '../../../pdata/otlp/codec';
import {
  anyValueToAttribute, convertLogsRequest, countLogRecords, MAX_VALUE_DEPTH, ResourceInterner,
} from '../../../receiver/otlp/convert';

const RECEIVED = '1800000000000000000';

function convert(req: ExportLogsServiceRequest, interner = new ResourceInterner()) {
  return convertLogsRequest(req, { interner, receivedTimeUnixNano: RECEIVED });
}

function oneRecord(r: PbLogRecord, scope?: { name?: string; version?: string }): ExportLogsServiceRequest {
  return { resourceLogs: [{ scopeLogs: [{ ...(scope === undefined ? {} : { scope }), logRecords: [r] }] }] };
}

const str = (s: string): PbAnyValue => ({ stringValue: s });

function nested(depth: number): PbAnyValue {
  let v: PbAnyValue = str('leaf');
  for (let i = 0; i < depth; i++) v = { arrayValue: { values: [v] } };
  return v;
}

describe('otlp receiver: convert', function () {
  it('maps the record fields; missing observed time becomes the receive time', () => {
    const out = convert(oneRecord({
      timeUnixNano: '1700000000123456789', severityNumber: 17, severityText: 'E', body: str('boom'),
      eventName: 'kata.x', traceId: Buffer.from('5b8efff798038103d269b633813fc60c', 'hex'), spanId: Buffer.from('eee19b7ec3c1b174', 'hex'),
      flags: 1, droppedAttributesCount: 3,
    }));
    assert.equal(out.rejected, 0);
    assert.deepEqual(out.records, [{
      timeUnixNano: '1700000000123456789', observedTimeUnixNano: RECEIVED, severityNumber: 17, severityText: 'E', body: 'boom',
      eventName: 'kata.x', traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', attributes: {}, resource: EMPTY_RESOURCE,
    }]);
  });

  it('defaults: no time → "0", no body → "", severity out of range → 0, all-zero ids → ""', () => {
    const out = convert(oneRecord({ severityNumber: 99, traceId: Buffer.alloc(16), spanId: Buffer.alloc(8), observedTimeUnixNano: '5' }));
    const r = out.records[0]!;
    assert.equal(r.timeUnixNano, '0');
    assert.equal(r.observedTimeUnixNano, '5');
    assert.equal(r.body, '');
    assert.equal(r.severityNumber, 0);
    assert.equal(r.traceId, '');
    assert.equal(r.spanId, '');
  });

  it('a Kata text body stays raw: a string, no kata.log.format (the kata_parser processor parses it)', () => {
    const line = 'time="2024-05-01T10:00:00Z" level=info msg="hello" source=runtime';
    const r = convert(oneRecord({ body: str(line) })).records[0]!;
    assert.equal(r.body, line);
    assert.equal(r.attributes['kata.log.format'], undefined);
  });

  it("a Collector journald receiver's map body becomes a `journalctl -o json` line the Kata parser reads", () => {
    const logfmt = 'time="2024-05-01T10:00:00.123456789Z" level=warning msg="sandbox slow" name=containerd-shim-v2 pid=42 sandbox=abc123 source=virtcontainers';
    const fields: [string, string][] = [
      ['MESSAGE', logfmt], ['SYSLOG_IDENTIFIER', 'kata'], ['_PID', '42'], ['_HOSTNAME', 'node-1'], ['__REALTIME_TIMESTAMP', '1714557600123456'],
    ];
    const body: PbAnyValue = { kvlistValue: { values: fields.map(([key, v]) => ({ key, value: str(v) })) } };
    const raw = convert(oneRecord({ body })).records[0]!;
    assert.equal(raw.body, JSON.stringify(Object.fromEntries(fields)));
    const [parsed] = parseText(raw.body);
    assert.equal(parsed!.body, 'sandbox slow');
    assert.equal(parsed!.attributes['kata.sandbox.id'], 'abc123');
    assert.deepEqual(parsed!.attributes['kata.log.envelope'], ['journal-json']);
  });

  it('attribute values: scalars kept, big ints as strings, string arrays kept, the rest as text (counted)', () => {
    const out = convert(oneRecord({ attributes: [
      { key: 's', value: str('v') },
      { key: 'b', value: { boolValue: false } },
      { key: 'i', value: { intValue: '-42' } },
      { key: 'big', value: { intValue: '9223372036854775807' } },
      { key: 'd', value: { doubleValue: 1.5 } },
      { key: 'strs', value: { arrayValue: { values: [str('a'), str('')] } } },
      { key: 'empty', value: { arrayValue: {} } },
      { key: 'mixed', value: { arrayValue: { values: [str('a'), { intValue: '1' }, { doubleValue: Number.NaN }, {}] } } },
      { key: 'kv', value: { kvlistValue: { values: [{ key: 'x', value: { kvlistValue: { values: [{ key: 'y', value: { boolValue: true } }] } } }] } } },
      { key: 'bytes', value: { bytesValue: Buffer.from([0xde, 0xad]) } },
      { key: 'nothing', value: {} },
      { key: 'novalue' },
    ] }));
    assert.deepEqual(out.records[0]!.attributes, {
      s: 'v', b: false, i: -42, big: '9223372036854775807', d: 1.5, strs: ['a', ''], empty: [],
      mixed: '["a",1,"NaN",null]', kv: '{"x":{"y":true}}', bytes: '3q0=',
    });
    assert.equal(out.flattenedValues, 4 /* big, mixed, kv, bytes */);
  });

  it('non-string bodies become JSON text and are counted', () => {
    const cases: [PbAnyValue, string][] = [
      [{ kvlistValue: { values: [{ key: 'msg', value: str('m') }, { key: 'n', value: { intValue: '3' } }] } }, '{"msg":"m","n":3}'],
      [{ intValue: '42' }, '42'],
      [{ boolValue: true }, 'true'],
      [{ arrayValue: { values: [str('a')] } }, '["a"]'],
      [{ bytesValue: Buffer.from('hi') }, '"aGk="'],
      [{}, ''],
    ];
    for (const [body, text] of cases) {
      const out = convert(oneRecord({ body }));
      assert.equal(out.records[0]!.body, text, JSON.stringify(body));
      assert.equal(out.flattenedValues, text === '' ? 0 : 1);
    }
  });

  it('scope name and version become otel.scope.* attributes; a record attribute of that name wins', () => {
    const a = convert(oneRecord({ attributes: [{ key: 'k', value: str('v') }] }, { name: 'io.kata', version: '3.1' }));
    assert.deepEqual(a.records[0]!.attributes, { k: 'v', 'otel.scope.name': 'io.kata', 'otel.scope.version': '3.1' });
    const b = convert(oneRecord({ attributes: [{ key: 'otel.scope.name', value: str('own') }] }, { name: 'io.kata' }));
    assert.deepEqual(b.records[0]!.attributes, { 'otel.scope.name': 'own' });
    const c = convert(oneRecord({}, { name: '', version: '' }));
    assert.deepEqual(c.records[0]!.attributes, {});
  });

  it('a __proto__ key is stored as a plain attribute', () => {
    const out = convert(oneRecord({ attributes: [{ key: '__proto__', value: str('x') }] }));
    const attrs = out.records[0]!.attributes;
    assert.ok(Object.prototype.hasOwnProperty.call(attrs, '__proto__'));
    assert.equal(Object.getPrototypeOf(attrs), Object.prototype);
    assert.equal(anyValueToAttribute({ kvlistValue: { values: [{ key: '__proto__', value: str('y') }] } }, { flattenedValues: 0 }), '{"__proto__":"y"}');
  });

  it('resources: interned by attributes (order-insensitive) within and across requests, frozen', () => {
    const interner = new ResourceInterner();
    const res = (pairs: [string, string][]) => ({ attributes: pairs.map(([key, v]) => ({ key, value: str(v) })) });
    const req: ExportLogsServiceRequest = { resourceLogs: [
      { resource: res([['service.name', 'a'], ['host.name', 'h']]), scopeLogs: [{ logRecords: [{}, {}] }] },
      { resource: res([['host.name', 'h'], ['service.name', 'a']]), scopeLogs: [{ logRecords: [{}] }] },
      { resource: res([['service.name', 'b']]), scopeLogs: [{ logRecords: [{}] }] },
      { scopeLogs: [{ logRecords: [{}] }] },
    ] };
    const out = convert(req, interner);
    const [r0, r1, r2, r3, r4] = out.records;
    assert.equal(r0!.resource, r1!.resource);
    assert.equal(r0!.resource, r2!.resource);
    assert.notEqual(r0!.resource, r3!.resource);
    assert.equal(r4!.resource, EMPTY_RESOURCE);
    assert.ok(Object.isFrozen(r0!.resource));
    assert.deepEqual({ ...r0!.resource }, { 'service.name': 'a', 'host.name': 'h' });
    const again = convert({ resourceLogs: [{ resource: res([['service.name', 'b']]), scopeLogs: [{ logRecords: [{}] }] }] }, interner);
    assert.equal(again.records[0]!.resource, r3!.resource);
  });

  it('the interner is bounded (least recently used forgotten)', () => {
    const interner = new ResourceInterner(3);
    const first = interner.intern({ n: 0 });
    for (let i = 1; i < 10; i++) interner.intern({ n: i });
    assert.equal(interner.size, 3);
    const back = interner.intern({ n: 0 });
    assert.notEqual(back, first, 'evicted, so a new object');
    assert.deepEqual({ ...back }, { n: 0 });
    assert.equal(interner.intern({ n: 0 }), back);
  });

  it('unrepresentable records are rejected with a reason, the others kept', () => {
    const req: ExportLogsServiceRequest = { resourceLogs: [{ scopeLogs: [{ logRecords: [
      { body: str('ok1') },
      { body: str('bad trace'), traceId: Buffer.alloc(15, 1) },
      { body: nested(MAX_VALUE_DEPTH + 1) },
      { body: str('deep attr'), attributes: [{ key: 'a', value: nested(MAX_VALUE_DEPTH + 5) }] },
      { body: nested(MAX_VALUE_DEPTH) },
    ] }] }] };
    const out = convert(req);
    assert.equal(countLogRecords(req), 5);
    assert.equal(out.rejected, 3);
    assert.equal(out.rejectReason, 'trace_id must be 16 bytes, got 15');
    assert.equal(out.records.length, 2);
    assert.equal(out.records[0]!.body, 'ok1');
  });

  it('a resource that cannot be represented rejects its records only', () => {
    const req: ExportLogsServiceRequest = { resourceLogs: [
      { resource: { attributes: [{ key: 'r', value: nested(MAX_VALUE_DEPTH + 2) }] }, scopeLogs: [{ logRecords: [{}, {}] }, { logRecords: [{}] }] },
      { scopeLogs: [{ logRecords: [{ body: str('fine') }] }] },
    ] };
    const out = convert(req);
    assert.equal(out.rejected, 3);
    assert.match(out.rejectReason, /nested deeper than 64 levels/);
    assert.deepEqual(out.records.map((r) => r.body), ['fine']);
  });
});
