/**
 * The direct OTLP logs encoder (pdata/otlp/logs-proto.ts) against the protobufjs route
 * (exporter/helper/logs-encoding.ts's buildLogsRequest + the generated encoder): byte for
 * byte on generated records, and on records parsed from the bench corpus.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeLogsRequest, encodeLogsRequestProtobufjs, SCOPE_NAME, SCOPE_VERSION } from '../../exporter/helper/logs-encoding';
import { generateCorpus } from '../../bench/corpus';
import type { AttributeValue, Attributes, LogRecord } from '../../pdata/log-record';
import { decodeExportLogsRequest } from '../../pdata/otlp/codec';
import { OtlpLogsEncoder, releasePayload } from '../../pdata/otlp/logs-proto';
import { StreamParser } from '../../receiver/kata/stream-parser';

const UINT64 = 2n ** 64n;

/** What Buffer (and a Go backend) makes of a string: lone surrogates become U+FFFD. */
function wellFormed(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

function wellFormedValue(v: AttributeValue): AttributeValue {
  if (typeof v === 'string') return wellFormed(v);
  if (Array.isArray(v)) return v.map((e) => (typeof e === 'string' ? wellFormed(e) : e)) as string[];
  return v;
}

function wellFormedAttrs(a: Readonly<Attributes>): Attributes {
  const out: Attributes = {};
  for (const k in a) out[wellFormed(k)] = a[k] === undefined ? (undefined as unknown as AttributeValue) : wellFormedValue(a[k]!);
  return out;
}

/** The record protobufjs must see to write what the direct encoder writes for `r`. */
function wellFormedRecord(r: LogRecord, resources: Map<object, Readonly<Attributes>>): LogRecord {
  let res = resources.get(r.resource);
  if (res === undefined) {
    res = Object.isFrozen(r.resource) ? Object.freeze(wellFormedAttrs(r.resource)) : wellFormedAttrs(r.resource);
    resources.set(r.resource, res);
  }
  return {
    ...r,
    severityText: wellFormed(r.severityText),
    body: wellFormed(r.body),
    eventName: wellFormed(r.eventName),
    attributes: wellFormedAttrs(r.attributes),
    resource: res,
  };
}

function reference(records: readonly LogRecord[]): Buffer {
  const resources = new Map<object, Readonly<Attributes>>();
  return Buffer.from(encodeLogsRequestProtobufjs(records.map((r) => wellFormedRecord(r, resources))));
}

// ---- arbitraries --------------------------------------------------------------------------

const loneSurrogates = fc.string({ unit: fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff', 'a', 'é', '€', '😀', '\u0000', '\u007f', '\u0080', '\u07ff', '\u0800', '\uffff') });
const anyText = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 60 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  { weight: 2, arbitrary: loneSurrogates },
  // Around the one- and two-byte length boundaries (127/128 and 16383/16384 bytes).
  { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 30, max: 140 }), fc.constantFrom('a', 'é', '€', '😀')).map(([n, c]) => c.repeat(n)) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 5400, max: 16500 }), fc.constantFrom('a', 'é', '€')).map(([n, c]) => c.repeat(n)) },
);
const text = fc.oneof({ weight: 3, arbitrary: fc.constant('') }, { weight: 7, arbitrary: anyText });

const decimalTime = fc.oneof(
  fc.constantFrom('0', '', '1', '4294967295', '4294967296', '999999999', '1000000000', '18446744073709551615', '9223372036854775808'),
  fc.bigInt({ min: 0n, max: UINT64 - 1n }).map(String),
  fc.bigInt({ min: 1_600_000_000_000_000_000n, max: 1_900_000_000_000_000_000n }).map(String),
);

const hexId = (bytes: number): fc.Arbitrary<string> => fc.oneof(
  fc.constant(''),
  fc.constant('0'.repeat(2 * bytes)),
  fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: 2 * bytes, maxLength: 2 * bytes }),
  fc.string({ unit: fc.constantFrom(...'0123456789abcdefxg-'), minLength: 2 * bytes - 1, maxLength: 2 * bytes + 1 }),
);

const attrValue: fc.Arbitrary<AttributeValue | undefined> = fc.oneof(
  { weight: 6, arbitrary: text },
  { weight: 2, arbitrary: fc.integer({ min: -(2 ** 31), max: 2 ** 31 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 200 }) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }).map(Number) },
  { weight: 1, arbitrary: fc.constantFrom(-0, 2 ** 53, -(2 ** 53), 2 ** 63, -(2 ** 63), 2 ** 64, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.array(fc.oneof(text, fc.integer(), fc.boolean(), fc.double()), { maxLength: 5 }) as fc.Arbitrary<string[]> },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

const attrKey = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom('kata.subsystem', 'log.file.path', 'kata.sandbox.id', 'container.id', 'kata.source', 'service.name', 'host.name', 'é', '') },
  // Well-formed only: two keys with different lone surrogates are one key once well-formed,
  // which an object used as the reference cannot hold twice (the U+FFFD test covers keys).
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 100, max: 140 }), fc.constantFrom('k', 'é')).map(([n, c]) => c.repeat(n)) },
);

const attributes = fc.array(fc.tuple(attrKey, attrValue), { maxLength: 16 }).map((pairs) => {
  const a: Attributes = {};
  // `a.__proto__ = v` would set the prototype, not an attribute.
  for (const [k, v] of pairs) if (k !== '__proto__') a[k] = v as AttributeValue;
  return a;
});

const resourcePool: Array<Readonly<Attributes>> = [
  Object.freeze({}),
  Object.freeze({ 'service.name': 'kata-agent', 'host.name': 'node-1' }),
  Object.freeze({ 'service.name': 'containerd-shim-kata-v2', 'host.name': 'node-1', 'k8s.pod.uid': 'ab'.repeat(70) }),
];
const resource = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...resourcePool) },
  { weight: 1, arbitrary: attributes },
  { weight: 1, arbitrary: attributes.map((a) => Object.freeze(a)) },
);

const record: fc.Arbitrary<LogRecord> = fc.record({
  timeUnixNano: decimalTime,
  observedTimeUnixNano: decimalTime,
  severityNumber: fc.oneof(fc.integer({ min: 0, max: 24 }), fc.integer({ min: -3, max: 300 })),
  severityText: text,
  body: text,
  eventName: text,
  traceId: hexId(16),
  spanId: hexId(8),
  attributes,
  resource,
});

// ---- tests ----------------------------------------------------------------------------------

describe('OTLP logs encoder (direct)', () => {
  it('writes what protobufjs writes for the same records (byte for byte)', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 12 }), (records) => {
        assert.deepEqual(encodeLogsRequest(records), reference(records));
      }),
      { numRuns: 1500 },
    );
  });

  it('keeps the order of resources and records when batches mix resources', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 2, maxLength: 40 }), fc.array(fc.nat(2), { minLength: 40, maxLength: 40 }), (records, which) => {
        const mixed = records.map((r, i) => ({ ...r, resource: resourcePool[which[i]!]! }));
        assert.deepEqual(encodeLogsRequest(mixed), reference(mixed));
      }),
      { numRuns: 300 },
    );
  });

  it('writes lone surrogates as U+FFFD, which decodes back to the well-formed string', () => {
    const r: LogRecord = {
      timeUnixNano: '1', observedTimeUnixNano: '2', severityNumber: 9, severityText: '\ud800', body: 'a\udc00b',
      eventName: '', traceId: '', spanId: '', attributes: { 'k\udbff': ['\udfff'] }, resource: resourcePool[0]!,
    };
    const rl = decodeExportLogsRequest(encodeLogsRequest([r])).resourceLogs![0]!;
    const lr = rl.scopeLogs![0]!.logRecords![0]!;
    assert.equal(lr.severityText, '\ufffd');
    assert.equal(lr.body!.stringValue, 'a\ufffdb');
    assert.equal(lr.attributes![0]!.key, 'k\ufffd');
    assert.equal(lr.attributes![0]!.value!.arrayValue!.values![0]!.stringValue, '\ufffd');
  });

  it('encodes nanosecond times exactly, and the scope once per resource', () => {
    const r: LogRecord = {
      timeUnixNano: '1732700000123456789', observedTimeUnixNano: '18446744073709551615', severityNumber: 0, severityText: '', body: 'x',
      eventName: 'e', traceId: '0102030405060708090a0b0c0d0e0f10', spanId: 'A1B2C3D4E5F60718', attributes: { n: 7 }, resource: resourcePool[1]!,
    };
    const req = decodeExportLogsRequest(encodeLogsRequest([r, r]));
    assert.equal(req.resourceLogs!.length, 1);
    const sl = req.resourceLogs![0]!.scopeLogs!;
    assert.equal(sl.length, 1);
    assert.deepEqual({ name: sl[0]!.scope!.name, version: sl[0]!.scope!.version }, { name: SCOPE_NAME, version: SCOPE_VERSION });
    const lr = sl[0]!.logRecords![1]!;
    assert.equal(String(lr.timeUnixNano), '1732700000123456789');
    assert.equal(String(lr.observedTimeUnixNano), '18446744073709551615');
    assert.equal(Buffer.from(lr.spanId!).toString('hex'), 'a1b2c3d4e5f60718');
  });

  it('does not reuse the encoding of a resource object that may change (not frozen)', () => {
    const res: Attributes = { 'host.name': 'a' };
    const r = (): LogRecord => ({ timeUnixNano: '1', observedTimeUnixNano: '1', severityNumber: 9, severityText: '', body: 'b', eventName: '', traceId: '', spanId: '', attributes: {}, resource: res });
    const before = encodeLogsRequest([r()]);
    res['host.name'] = 'b';
    const after = encodeLogsRequest([r()]);
    assert.notDeepEqual(before, after);
    assert.deepEqual(after, reference([r()]));
  });

  it('grows past its scratch buffer, and returns buffers that later batches do not overwrite', () => {
    const big: LogRecord = {
      timeUnixNano: '5', observedTimeUnixNano: '6', severityNumber: 9, severityText: 'info', body: 'é'.repeat(200_000),
      eventName: '', traceId: '', spanId: '', attributes: { a: 'x'.repeat(300_000) }, resource: resourcePool[1]!,
    };
    const enc = new OtlpLogsEncoder({ name: SCOPE_NAME, version: SCOPE_VERSION });
    const first = enc.encode([big, big]);
    const copy = Buffer.from(first);
    enc.encode([{ ...big, body: 'other' }]);
    assert.deepEqual(first, copy);
    assert.deepEqual(first, reference([big, big]));
    assert.equal(enc.encode([]).length, 0);
  });

  it('reuses the memory of a batch-sized output only once it is given back, and once', () => {
    const enc = new OtlpLogsEncoder({ name: SCOPE_NAME, version: SCOPE_VERSION });
    const rec = (body: string): LogRecord => ({
      timeUnixNano: '5', observedTimeUnixNano: '6', severityNumber: 9, severityText: 'info', body,
      eventName: '', traceId: '', spanId: '', attributes: {}, resource: resourcePool[1]!,
    });
    const a = enc.encode([rec('a'.repeat(100_000))]);
    const b = enc.encode([rec('b'.repeat(100_000))]);
    assert.notEqual(a.buffer, b.buffer, 'not given back: not reused');
    releasePayload(a);
    releasePayload(a);
    const c = enc.encode([rec('c'.repeat(90_000))]);
    const d = enc.encode([rec('d'.repeat(90_000))]);
    assert.equal(c.buffer, a.buffer, 'given back: reused');
    assert.notEqual(d.buffer, a.buffer, 'given back twice, handed out once');
    assert.deepEqual(c, reference([rec('c'.repeat(90_000))]));
    assert.ok(b.subarray(0, 1000).includes('b'.charCodeAt(0)));
    const small = enc.encode([rec('s')]);
    releasePayload(small);
    assert.deepEqual(small, reference([rec('s')]));
  });

  it('refuses a value with no OTLP form, as the protobufjs route does', () => {
    const r = { timeUnixNano: '1', observedTimeUnixNano: '1', severityNumber: 9, severityText: '', body: 'b', eventName: '', traceId: '', spanId: '', attributes: { bad: { x: 1 } as unknown as string }, resource: resourcePool[0]! };
    assert.throws(() => encodeLogsRequestProtobufjs([r]));
    assert.throws(() => encodeLogsRequest([r]));
    // The scratch state is reset: the next batch is whole.
    const ok = { ...r, attributes: {} };
    assert.deepEqual(encodeLogsRequest([ok]), reference([ok]));
  });

  it('matches protobufjs on records parsed from the bench corpus', () => {
    const records: LogRecord[] = [];
    const parser = new StreamParser({ refMillis: Date.UTC(2026, 0, 1) }, (rec) => records.push(rec));
    let n = 0;
    for (const line of generateCorpus({ lines: 6000 }).lines) parser.line(line, ++n);
    parser.flush();
    assert.ok(records.length > 5000);
    for (let i = 0; i < records.length; i += 512) {
      const batch = records.slice(i, i + 512);
      assert.deepEqual(encodeLogsRequest(batch), reference(batch));
    }
  });
});
