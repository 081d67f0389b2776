import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { LogsConsumer } from '../../consumer/consumer';
import type { LogRecord } from '../../pdata/log-record';
import { emptyRecord, Severity } from '../../pdata/log-record';
import { kataParserConfigSchema } from '../../processors/kata_parser/config';
import { kataParserProcessorFactory } from '../../processors/kata_parser/factory';
import { isRaw, KataParserProcessor } from '../../processors/kata_parser/processor';
import { parseText } from '../../receiver/kata/parse-text';
import { componentMetrics } from '../../service/telemetry/metrics';
import { ServiceTelemetry } from '../../service/telemetry/telemetry';
import { EXAMPLE } from '../cli/run-cli';
import { LogCapture } from '../service/helpers';

class Sink implements LogsConsumer {
  readonly batches: LogRecord[][] = [];
  async consumeLogs(records: LogRecord[]): Promise<void> {
    this.batches.push(records);
  }
  get records(): LogRecord[] {
    return this.batches.flat();
  }
}

function raw(body: string, attributes: LogRecord['attributes'] = {}, observed = '1800000000000000000'): LogRecord {
  const r = emptyRecord(observed);
  r.body = body;
  r.attributes = attributes;
  return r;
}

function setup(config: Record<string, unknown> = {}): { proc: KataParserProcessor; sink: Sink; telemetry: ServiceTelemetry } {
  const telemetry = new ServiceTelemetry({ level: 'error', out: new LogCapture(), processMetrics: false });
  const sink = new Sink();
  const proc = new KataParserProcessor(kataParserConfigSchema.parse(config), sink, componentMetrics(telemetry.forComponent('processor', 'kata_parser')));
  return { proc, sink, telemetry };
}

const PANIC = [
  'Aug 16 00:44:14 testhost containerd[59801]: panic: runtime error: invalid memory address or nil pointer dereference',
  'Aug 16 00:44:14 testhost containerd[59801]: [signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x55e8475a5a42]',
  'Aug 16 00:44:14 testhost containerd[59801]: goroutine 331421 [running]:',
];
const LOGFMT = 'time="2022-04-22T05:17:07.936888662Z" level=info msg="loaded configuration" name=containerd-shim-v2 pid=21060 sandbox=3a0b9ebe70d0 source=katautils';

describe('kata_parser processor', () => {
  it('turns the raw lines of the example, one per record, into the records `parse` makes', async () => {
    const text = readFileSync(EXAMPLE, 'utf8');
    const expected = parseText(text, { observedTimeUnixNano: '1800000000000000000' });
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    const input = lines.map((l, i) => raw(l, { 'log.file.path': '/logs/kata-node.log', 'kata.log.line_number': i + 1 }));
    const { proc, sink, telemetry } = setup();
    await proc.consumeLogs(input);
    const got = sink.records;
    assert.equal(got.length, expected.length);
    assert.ok(got.length > 150);
    got.forEach((r, i) => {
      const e = expected[i]!;
      assert.equal(r.body, e.body, `record ${i}`);
      assert.equal(r.timeUnixNano, e.timeUnixNano, `record ${i}`);
      assert.equal(r.severityNumber, e.severityNumber);
      assert.deepEqual(r.resource, e.resource);
      assert.equal(typeof r.attributes['kata.component'], 'string');
      assert.deepEqual(r.attributes, { ...e.attributes, 'log.file.path': '/logs/kata-node.log' }, `record ${i}`);
    });
    assert.equal(await telemetry.value('records_parsed_total', { kind: 'processor', component: 'kata_parser' }), expected.length);
  });

  it('passes structured records through untouched and in order', async () => {
    const structured = raw('already parsed', { 'kata.log.format': 'logfmt', 'kata.component': 'runtime' });
    structured.severityNumber = Severity.WARN;
    const { proc, sink } = setup();
    await proc.consumeLogs([raw(PANIC[0]!), raw(PANIC[1]!), structured, raw(LOGFMT)]);
    const out = sink.records;
    assert.equal(out.length, 3);
    assert.equal(out[0]!.attributes['kata.log.format'], 'go-panic');
    assert.equal(out[0]!.attributes['kata.parse.line_count'], 2, 'the structured record ends the panic before it');
    assert.equal(out[1], structured);
    assert.deepEqual(out[1]!.attributes, { 'kata.log.format': 'logfmt', 'kata.component': 'runtime' });
    assert.equal(out[1]!.severityNumber, Severity.WARN);
    assert.equal(out[2]!.attributes['kata.log.format'], 'logfmt');
    assert.equal(out[2]!.body, 'loaded configuration');
  });

  it('joins a multi-line record inside a batch, never across batches', async () => {
    const { proc, sink } = setup();
    await proc.consumeLogs(PANIC.map((l) => raw(l)));
    assert.equal(sink.records.length, 1);
    assert.equal(sink.records[0]!.attributes['kata.parse.line_count'], 3);
    const split = setup();
    await split.proc.consumeLogs([raw(PANIC[0]!)]);
    await split.proc.consumeLogs([raw(PANIC[1]!), raw(PANIC[2]!)]);
    // The first batch ends the panic after its first line; the second starts with a line
    // that opens nothing, then a new goroutine record.
    assert.equal(split.sink.records.length, 3);
    assert.deepEqual(split.sink.batches.map((b) => b.length), [1, 2]);
  });

  it('joins lines of one stream only: a line of another file or resource ends the record before it', async () => {
    const { proc, sink } = setup();
    const fileA = { 'log.file.path': '/logs/a.log' };
    const fileB = { 'log.file.path': '/logs/b.log' };
    // A Collector batch that interleaves two files: the panic of a.log goes on after b.log's line.
    await proc.consumeLogs([raw(PANIC[0]!, fileA), raw(PANIC[1]!, fileA), raw(PANIC[2]!, fileB), raw(LOGFMT, fileA)]);
    assert.deepEqual(sink.records.map((r) => [r.attributes['log.file.path'], r.attributes['kata.parse.line_count'] ?? 1]), [
      ['/logs/a.log', 2], ['/logs/b.log', 1], ['/logs/a.log', 1],
    ]);
    const other = setup();
    const journalHost = raw(PANIC[1]!);
    journalHost.resource = Object.freeze({ 'host.name': 'node-2' });
    await other.proc.consumeLogs([raw(PANIC[0]!), journalHost]);
    assert.equal(other.sink.records.length, 2, 'a record of another resource is never a continuation');
  });

  it('parses a raw record that holds a whole multi-line record, numbering from its first line', async () => {
    const { proc, sink } = setup();
    await proc.consumeLogs([raw(PANIC.join('\n'), { 'kata.log.line_number': 40 }), raw(LOGFMT, { 'kata.log.line_number': 43 })]);
    assert.equal(sink.records.length, 2);
    assert.equal(sink.records[0]!.attributes['kata.log.line_number'], 40);
    assert.equal(sink.records[0]!.attributes['kata.log.format'], 'go-panic');
    assert.equal(sink.records[1]!.attributes['kata.log.line_number'], 43);
  });

  it('numbers lines inside a raw record from its line number, and leaves the number out without one', async () => {
    const { proc, sink } = setup();
    await proc.consumeLogs([raw(`${LOGFMT}\n${LOGFMT}`, { 'kata.log.line_number': 7 }), raw(LOGFMT)]);
    assert.deepEqual(sink.records.map((r) => r.attributes['kata.log.line_number']), [7, 8, undefined]);
    assert.equal('kata.log.line_number' in sink.records[2]!.attributes, false);
  });

  it("numbers lines from the Collector file_log receiver's log.file.record_number", async () => {
    const { proc, sink } = setup();
    await proc.consumeLogs([raw(LOGFMT, { 'log.file.record_number': 12 }), raw(LOGFMT, { 'log.file.record_number': 13, 'kata.log.line_number': 3 })]);
    assert.deepEqual(sink.records.map((r) => r.attributes['kata.log.line_number']), [12, 3]);
  });

  it('keeps what the source knew and the parser did not: attributes, time, severity, ids, resource', async () => {
    const source = raw('some text the parser does not know', { 'log.file.name': 'x.log', 'kata.component': 'from-source' });
    source.timeUnixNano = '1650604627936888662';
    source.severityNumber = Severity.ERROR;
    source.severityText = 'ERROR';
    source.traceId = '0af7651916cd43dd8448eb211c80319c';
    source.resource = Object.freeze({ 'host.name': 'node-1', 'k8s.node.name': 'node-1' });
    const second = raw(LOGFMT);
    second.resource = source.resource;
    const { proc, sink } = setup();
    await proc.consumeLogs([source, second]);
    const [a, b] = sink.records;
    assert.equal(a!.attributes['log.file.name'], 'x.log');
    assert.equal(a!.attributes['kata.component'], 'unknown', "the parser's own keys win");
    assert.equal(a!.timeUnixNano, '1650604627936888662');
    assert.equal(a!.severityNumber, Severity.ERROR);
    assert.equal(a!.traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.equal(a!.observedTimeUnixNano, '1800000000000000000');
    assert.equal(a!.resource['k8s.node.name'], 'node-1');
    assert.equal(a!.resource['service.name'], 'unknown');
    assert.equal(b!.resource['k8s.node.name'], 'node-1');
    assert.equal(b!.resource['service.name'], 'containerd-shim-kata-v2');
    assert.equal(b!.timeUnixNano, '1650604627936888662', 'the time in the text');
    // Same source resource and same parsed resource: one merged object, so exporters group them.
    const { proc: p2, sink: s2 } = setup();
    await p2.consumeLogs([second, { ...second }]);
    assert.equal(s2.records[0]!.resource, s2.records[1]!.resource);
    assert.ok(Object.isFrozen(s2.records[0]!.resource));
  });

  it('does not change the records it is given', async () => {
    const input = [raw(LOGFMT, { 'kata.log.line_number': 1 }), raw('')];
    const copy = JSON.parse(JSON.stringify(input)) as unknown;
    const { proc } = setup();
    await proc.consumeLogs(input);
    assert.deepEqual(JSON.parse(JSON.stringify(input)), copy);
    assert.equal(proc.mutatesData, false);
  });

  it('counts parsed records, parse failures and blank lines', async () => {
    const { proc, sink, telemetry } = setup();
    await proc.consumeLogs([raw(LOGFMT), raw('hello, nothing Kata here'), raw(''), raw('   '), raw(LOGFMT)]);
    assert.equal(sink.records.length, 3);
    assert.equal(sink.records[1]!.attributes['kata.parse.status'], 'failed');
    assert.equal(sink.records[1]!.body, 'hello, nothing Kata here', 'the raw text is kept');
    const v = (name: string, extra: Record<string, string> = {}): Promise<number | undefined> => telemetry.value(name, { kind: 'processor', component: 'kata_parser', ...extra });
    assert.equal(await v('records_parsed_total'), 3);
    assert.equal(await v('records_parse_failed_total'), 1);
    assert.equal(await v('records_dropped_total', { reason: 'blank_line' }), 2);
  });

  it('sends nothing on when a batch makes no record', async () => {
    const { proc, sink } = setup();
    await proc.consumeLogs([raw('')]);
    await proc.consumeLogs([]);
    assert.equal(sink.batches.length, 0);
  });

  it('adds log.record.original when configured', async () => {
    const { proc, sink } = setup({ original: true });
    await proc.consumeLogs([raw(PANIC.join('\n'))]);
    assert.equal(sink.records[0]!.attributes['log.record.original'], PANIC.join('\n'));
  });

  it('knows raw from structured', () => {
    assert.equal(isRaw(raw('x')), true);
    assert.equal(isRaw(raw('x', { 'kata.log.format': 'text' })), false);
  });

  it('has a factory for logs only, with defaults', () => {
    assert.equal(kataParserProcessorFactory.type, 'kata_parser');
    assert.equal(kataParserProcessorFactory.createTraces, undefined);
    assert.deepEqual(kataParserConfigSchema.parse({}), { original: false, max_lines: 1000, max_bytes: 1048576 });
  });
});
