import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Host } from '../../../component/component';
import { PermanentError, RetryableError } from '../../../component/errors';
import type { LogsConsumer } from '../../../consumer/consumer';
import type { LogRecord } from '../../../pdata/log-record';
import { Recombiner } from '../../../receiver/kata/recombine';
import { staticFileConfigSchema } from '../../../receiver/static_file/config';
import { staticFileReceiverFactory } from '../../../receiver/static_file/factory';
import { StaticFileReceiver } from '../../../receiver/static_file/static-file-receiver';
import { componentMetrics } from '../../../service/telemetry/metrics';
import { ServiceTelemetry } from '../../../service/telemetry/telemetry';
import { EXAMPLE } from '../../cli/run-cli';
import { LogCapture } from '../../service/helpers';

/** A consumer whose answers a test controls. */
class Consumer implements LogsConsumer {
  readonly batches: LogRecord[][] = [];
  calls = 0;
  answer: (records: LogRecord[], call: number) => Promise<void> = async () => undefined;
  async consumeLogs(records: LogRecord[]): Promise<void> {
    this.calls++;
    await this.answer(records, this.calls);
    this.batches.push(records);
  }
  get records(): LogRecord[] {
    return this.batches.flat();
  }
}

let dir: string;
let telemetry: ServiceTelemetry;
let logs: LogCapture;

function receiver(paths: string[], next: LogsConsumer, batchSize = 512): StaticFileReceiver {
  return new StaticFileReceiver(
    staticFileConfigSchema.parse({ paths, batch_size: batchSize }),
    next,
    telemetry.forComponent('receiver', 'static_file').logger,
    componentMetrics(telemetry.forComponent('receiver', 'static_file')),
  );
}

function host(): Host & { fatal: Error[] } {
  const fatal: Error[] = [];
  return { telemetry, fatal, reportFatalError: (e) => fatal.push(e) };
}

const PANIC = [
  'Aug 16 00:44:14 testhost containerd[59801]: panic: runtime error: invalid memory address or nil pointer dereference',
  'Aug 16 00:44:14 testhost containerd[59801]: [signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x55e8475a5a42]',
  'Aug 16 00:44:14 testhost containerd[59801]: goroutine 331421 [running]:',
];
const LOGFMT = 'time="2022-04-22T05:17:07.936888662Z" level=info msg="loaded configuration" pid=21060 sandbox=3a0b9ebe70d0 source=katautils';

describe('static_file receiver', () => {
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kata-otel-static-'));
    logs = new LogCapture();
    telemetry = new ServiceTelemetry({ level: 'debug', out: logs, processMetrics: false });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('groups lines into raw records: joined body, absolute log.file.path, first line number; skips blank lines', async () => {
    const file = join(dir, 'node.log');
    writeFileSync(file, [LOGFMT, ...PANIC, '', LOGFMT, ''].join('\n'));
    const c = new Consumer();
    const r = receiver([file], c);
    await r.start(host());
    await r.whenIdle();
    await r.shutdown();
    assert.deepEqual(c.records.map((x) => ({ body: x.body, attributes: x.attributes })), [
      { body: LOGFMT, attributes: { 'log.file.path': resolve(file), 'kata.log.line_number': 1 } },
      { body: PANIC.join('\n'), attributes: { 'log.file.path': resolve(file), 'kata.log.line_number': 2 } },
      { body: LOGFMT, attributes: { 'log.file.path': resolve(file), 'kata.log.line_number': 6 } },
    ]);
    assert.equal(c.records[0]!.attributes['kata.log.format'], undefined, 'raw: for the kata_parser processor');
    assert.match(c.records[0]!.observedTimeUnixNano, /^\d{19}$/);
    assert.deepEqual(r.totals, { files: 1, lines: 6, records: 3, blankLines: 1 });
  });

  it('makes the records the Recombiner makes of the example, in batches of batch_size that never split one', async () => {
    const c = new Consumer();
    const r = receiver([EXAMPLE], c, 50);
    await r.start(host());
    await r.whenIdle();
    const lines = readFileSync(EXAMPLE, 'utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    const rc = new Recombiner();
    const expected: string[] = [];
    lines.forEach((l, i) => {
      const e = rc.push(l, i + 1);
      if (e !== undefined) expected.push(e.raw.join('\n'));
    });
    expected.push(rc.flush()!.raw.join('\n'));
    assert.deepEqual(c.records.map((x) => x.body), expected);
    assert.deepEqual(c.batches.map((b) => b.length), [50, 50, 50, expected.length - 150]);
    await r.shutdown();
  });

  it('reads the files in order, then idles', async () => {
    const a = join(dir, 'a.log');
    const b = join(dir, 'b.log');
    writeFileSync(a, `${LOGFMT}\n`);
    writeFileSync(b, `${LOGFMT}\n${LOGFMT}\n`);
    const c = new Consumer();
    const r = receiver([a, b], c);
    let idle = false;
    void r.whenIdle().then(() => (idle = true));
    await r.start(host());
    await r.whenIdle();
    assert.ok(idle);
    assert.deepEqual(c.records.map((x) => `${x.attributes['log.file.path'] as string}:${x.attributes['kata.log.line_number'] as number}`), [
      `${resolve(a)}:1`, `${resolve(b)}:1`, `${resolve(b)}:2`,
    ]);
    assert.ok(logs.messages('info').includes('read every file; idle'));
    await r.shutdown();
  });

  it('hands on one batch at a time and reads no further while the pipeline has not accepted it', async () => {
    const file = join(dir, 'big.log');
    const total = 60_000;
    writeFileSync(file, `${Array.from({ length: total }, (_, i) => `${LOGFMT} n=${i}`).join('\n')}\n`);
    const c = new Consumer();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let inFlight = 0;
    let maxInFlight = 0;
    c.answer = async (_records, call) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      if (call === 1) await gate;
      inFlight--;
    };
    const r = receiver([file], c, 100);
    await r.start(host());
    await new Promise((res) => setTimeout(res, 200));
    assert.equal(c.calls, 1, 'the second batch waits for the first');
    assert.ok(r.totals.lines < 5000, `reading paused: ${r.totals.lines} of ${total} lines read`);
    release();
    await r.whenIdle();
    assert.equal(maxInFlight, 1);
    assert.equal(c.records.length, total);
    assert.deepEqual(c.records.slice(-1).map((x) => x.attributes['kata.log.line_number']), [total]);
    await r.shutdown();
  });

  it('retries a batch the pipeline refused for now, and skips one it refused for good', async () => {
    const file = join(dir, 'r.log');
    writeFileSync(file, `${LOGFMT}\n${LOGFMT}\n${LOGFMT}\n`);
    const c = new Consumer();
    c.answer = async (records, call) => {
      if (call <= 2) throw new RetryableError('KO_ERR_TEST', 'queue full');
      if (records[0]!.attributes['kata.log.line_number'] === 2) throw new PermanentError('KO_ERR_TEST', 'bad');
    };
    const r = receiver([file], c, 1);
    await r.start(host());
    await r.whenIdle();
    assert.deepEqual(c.records.map((x) => x.attributes['kata.log.line_number']), [1, 3]);
    assert.equal(c.calls, 5);
    assert.equal(await telemetry.value('records_retried_total', { kind: 'receiver', component: 'static_file' }), 2);
    assert.ok(logs.messages('error').includes('the pipeline refused records permanently; skipping them'));
    await r.shutdown();
  });

  it('stops reading on shutdown, handing on what it read, and reports idle', async () => {
    const file = join(dir, 'slow.log');
    writeFileSync(file, `${Array.from({ length: 20_000 }, () => LOGFMT).join('\n')}\n`);
    const c = new Consumer();
    c.answer = () => new Promise((res) => setTimeout(res, 5));
    const r = receiver([file], c, 10);
    await r.start(host());
    await new Promise((res) => setTimeout(res, 60));
    await r.shutdown();
    await r.whenIdle();
    const n = c.records.length;
    assert.ok(n > 0 && n < 20_000, `${n} records before the stop`);
    assert.equal(n, r.totals.records);
    const callsAfter = c.calls;
    await new Promise((res) => setTimeout(res, 30));
    assert.equal(c.calls, callsAfter, 'nothing more after shutdown');
    assert.ok(logs.messages('info').includes('stopped reading'));
  });

  it('reports a file that vanished since validation and goes on with the next', async () => {
    const gone = join(dir, 'gone.log');
    const there = join(dir, 'there.log');
    writeFileSync(there, `${LOGFMT}\n`);
    const c = new Consumer();
    const h = host();
    const r = receiver([gone, there], c);
    await r.start(h);
    await r.whenIdle();
    assert.equal(c.records.length, 1);
    assert.deepEqual(h.fatal, []);
    const line = logs.lines.find((l) => l.msg === 'reading a file failed; going on with what was read');
    assert.equal(line?.path, gone);
    await r.shutdown();
  });

  it('claims its files and has logs only', () => {
    assert.deepEqual(staticFileReceiverFactory.claims!({ paths: ['a.log', 'b.log'], batch_size: 512 }), [
      { kind: 'file', value: 'a.log', path: 'paths[0]' },
      { kind: 'file', value: 'b.log', path: 'paths[1]' },
    ]);
    assert.equal(staticFileReceiverFactory.createTraces, undefined);
    assert.deepEqual(staticFileConfigSchema.parse({ paths: ['x'] }), { paths: ['x'], batch_size: 512 });
  });
});
