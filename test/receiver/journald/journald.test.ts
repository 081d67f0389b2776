/**
 * The journald receiver against the real journalctl reading a real journal directory,
 * written from export-format entries by systemd-journal-remote (no fake journalctl).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Component } from '../../../component/component';
import type { LogRecord } from '../../../pdata/log-record';
import { journalctlArgs, journaldReceiverFactory } from '../../../receiver/journald';
import { journalctlTailArgs, tailCursor } from '../../../receiver/journald/journalctl';
import type { JournaldReceiver } from '../../../receiver/journald';
import { TwinSuppressor } from '../../../receiver/journald/dedupe';
import { checkpointFileName } from '../../../receiver/helper/checkpoint-store';
import { eventually, MemoryTelemetry, SinkConsumer, TestHost } from '../../../receiver/helper/testing';
import { parseText } from '../../../receiver/kata/parse-text';
import { appendToJournal, entry, journalctlPath, journalRemotePath, shimMessage } from './journal-fixture';

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('journald receiver: configuration and journalctl arguments', () => {
  it('fills defaults and rejects unknown keys', () => {
    const c = journaldReceiverFactory.schema.parse({});
    assert.deepEqual(c.identifiers, ['kata', 'kata-runtime', 'kata-agent', 'kata-monitor']);
    assert.deepEqual(c.units, []);
    assert.equal(c.start_at, 'end');
    assert.equal(c.dedupe.enabled, true);
    assert.equal(c.dedupe.window, 2000);
    assert.equal(journaldReceiverFactory.schema.safeParse({ identifier: ['kata'] }).success, false);
    assert.equal(journaldReceiverFactory.schema.safeParse({ dedupe: { window: 'forever' } }).success, false);
  });

  it('ORs identifiers and units, reads oversized fields, and resumes by cursor', () => {
    const c = journaldReceiverFactory.schema.parse({ identifiers: ['kata', 'kata-runtime'], units: ['containerd', 'crio.service'], directory: '/j' });
    assert.deepEqual(journalctlArgs(c, { kind: 'cursor', cursor: 's=1;i=2', inclusive: false }), [
      '--output=json', '--all', '--follow', '--no-pager', '--quiet', '--directory=/j', '--after-cursor=s=1;i=2', '--no-tail',
      'SYSLOG_IDENTIFIER=kata', 'SYSLOG_IDENTIFIER=kata-runtime', '+', '_SYSTEMD_UNIT=containerd.service', '_SYSTEMD_UNIT=crio.service',
    ]);
    assert.ok(journalctlArgs(c, { kind: 'cursor', cursor: 'C', inclusive: true }).includes('--cursor=C'));
    assert.ok(journalctlArgs(c, { kind: 'beginning' }).includes('--no-tail'));
    assert.ok(journalctlArgs(c, { kind: 'end' }).includes('--lines=0'));
  });
});

describe('journald receiver: lifecycle', () => {
  it("pins start_at: end to the newest entry's cursor: tail arguments and their output", () => {
    assert.deepEqual(journalctlTailArgs(journaldReceiverFactory.schema.parse({ directory: '/j', identifiers: ['kata'] })),
      ['--output=json', '--lines=1', '--no-pager', '--quiet', '--directory=/j']);
    assert.equal(tailCursor(''), null);
    assert.equal(tailCursor('\n'), null);
    assert.equal(tailCursor('{"__CURSOR":"s=1;i=2","MESSAGE":"x"}\n'), 's=1;i=2');
    assert.throws(() => tailCursor('{"MESSAGE":"x"}\n'), /__CURSOR/);
  });

  it('shuts down without start, twice, and writes no checkpoint', async () => {
    const storageDir = path.join(os.tmpdir(), `kata-otel-journald-nostart-${process.pid}`);
    const r = journaldReceiverFactory.createLogs!({ id: { type: 'journald', name: 'x' }, telemetry: new MemoryTelemetry(), storageDir }, journaldReceiverFactory.schema.parse({}), new SinkConsumer());
    await r.shutdown();
    await r.shutdown();
    assert.equal(fs.existsSync(storageDir), false);
  });
});

describe('journald receiver: twin suppression', () => {
  const twins = (): TwinSuppressor => new TwinSuppressor({ identifiers: ['kata', 'containerd'], windowMicros: 2_000_000, maxEntries: 100 });

  it('pairs one to one across identifiers within the window only', () => {
    const t = twins();
    assert.equal(t.isTwin('kata', 'A', 0), false);
    assert.equal(t.isTwin('kata', 'A', 10), false, 'the same identifier twice is two records');
    assert.equal(t.isTwin('containerd', 'A', 20), true);
    assert.equal(t.isTwin('containerd', 'A', 30), true);
    assert.equal(t.isTwin('containerd', 'A', 40), false, 'every kata entry already has its twin');
    assert.equal(t.isTwin('containerd', 'B', 0), false);
    assert.equal(t.isTwin('kata', 'B', 3_000_000), false, 'outside the window');
  });

  it('stays bounded', () => {
    const t = new TwinSuppressor({ identifiers: ['kata', 'containerd'], windowMicros: 1e12, maxEntries: 50 });
    for (let i = 0; i < 1000; i++) t.isTwin('kata', `m${i}`, i);
    assert.ok(t.size <= 51);
  });
});

describe('journald receiver with journalctl and a real journal', function () {
  this.timeout(60_000);
  let tmp: string;
  let journal: string;
  let storage: string;
  const running: Component[] = [];

  before(function () {
    if (journalctlPath() === undefined || journalRemotePath() === undefined) {
      // CI installs systemd-journal-remote (.ci/run); elsewhere say what is missing.
      if (process.env['CI'] === 'true') throw new Error('journalctl and systemd-journal-remote are required in CI');
      this.skip();
    }
  });

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kata-otel-journald-'));
    journal = path.join(tmp, 'journal');
    storage = path.join(tmp, 'state');
  });

  afterEach(async () => {
    for (const r of running.splice(0)) await r.shutdown();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function start(raw: Record<string, unknown>, sink = new SinkConsumer()) {
    const config = journaldReceiverFactory.schema.parse({ directory: journal, force_flush_period: '100ms', restart_delay: '50ms', ...raw });
    const telemetry = new MemoryTelemetry();
    const host = new TestHost(telemetry);
    const receiver = journaldReceiverFactory.createLogs!({ id: { type: 'journald', name: 'test' }, telemetry, storageDir: storage }, config, sink) as Component as JournaldReceiver;
    await receiver.start(host);
    running.push(receiver);
    return { receiver, sink, host, stop: () => receiver.shutdown() };
  }

  const message = (r: LogRecord): string => JSON.parse(r.body).MESSAGE as string;

  it('hands on each entry as its journalctl JSON line with the source attributes, and the parser reads it', async () => {
    appendToJournal(journal, [entry('kata', 4242, shimMessage(1), 0)]);
    const { sink } = await start({ start_at: 'beginning' });
    await sink.waitFor(1);
    const r = sink.records[0]!;
    const obj = JSON.parse(r.body);
    assert.equal(obj.MESSAGE, shimMessage(1));
    assert.equal(typeof obj.__CURSOR, 'string');
    assert.equal(r.attributes['kata.log.identifier'], 'kata');
    assert.equal(r.attributes['process.pid'], 4242);
    assert.equal(r.attributes['kata.journal.cursor'], obj.__CURSOR);
    assert.equal(r.attributes['kata.journal.unit'], 'containerd.service');
    assert.equal(r.attributes['kata.journal.transport'], 'syslog');
    assert.equal(r.resource['host.name'], 'kata-node-1');
    assert.equal(r.attributes['kata.log.format'], undefined);
    // The body is what the kata parser reads as a journal entry.
    const [parsed] = parseText(r.body + '\n');
    assert.equal(parsed!.attributes['kata.log.format'], 'logfmt');
    assert.deepEqual(parsed!.attributes['kata.log.envelope'], ['journal-json']);
    assert.equal(parsed!.attributes['kata.component'], 'runtime');
    assert.equal(parsed!.body, 'container event');
  });

  it('starting at the end, follows every entry appended later, also when none matched before', async () => {
    // journalctl --follow --lines=0 with filters that match nothing yet shows only the last
    // of the first entries appended at once (systemd 252), so the receiver must not use it.
    appendToJournal(journal, [entry('systemd', 1, 'Started something.', 0)]);
    const { sink } = await start({ start_at: 'end', identifiers: ['kata'] });
    await delay(500);
    appendToJournal(journal, [1, 2, 3].map((i) => entry('kata', 4242, shimMessage(i), i)));
    await sink.waitFor(3);
    await delay(300);
    assert.deepEqual(sink.records.map(message), [1, 2, 3].map((i) => shimMessage(i)));
  });

  it('starting at the end of an empty journal, reads what is written once it exists', async () => {
    const { sink } = await start({ start_at: 'end', identifiers: ['kata'] });
    await delay(300);
    appendToJournal(journal, [1, 2].map((i) => entry('kata', 4242, shimMessage(i), i)));
    await sink.waitFor(2);
    assert.deepEqual(sink.records.map(message), [1, 2].map((i) => shimMessage(i)));
  });

  it('reads only the configured identifiers and units, and follows new entries', async () => {
    appendToJournal(journal, [
      entry('kata', 4242, shimMessage(1), 0),
      entry('kubelet', 77, 'I0115 12:00:00.000000 77 kubelet.go:1] not wanted', 1),
      entry('virtiofsd', 88, 'virtiofsd line', 2, { _SYSTEMD_UNIT: 'crio.service' }),
      entry('systemd', 1, 'Started something.', 3),
    ]);
    const { sink } = await start({ start_at: 'beginning', identifiers: ['kata'], units: ['crio'] });
    await sink.waitFor(2);
    appendToJournal(journal, [entry('kata', 4242, shimMessage(2), 10), entry('kubelet', 77, 'still not wanted', 11)]);
    await sink.waitFor(3);
    await delay(300);
    assert.deepEqual(sink.records.map((r) => r.attributes['kata.log.identifier']), ['kata', 'virtiofsd', 'kata']);
  });

  it('sends the Go shim\'s record once when it reaches the journal as kata[pid] and containerd[pid]', async () => {
    const entries = [];
    for (let i = 1; i <= 20; i++) {
      entries.push(entry('kata', 4242, shimMessage(i), i * 10));
      entries.push(entry('containerd', 900, shimMessage(i), i * 10 + 1));
    }
    // containerd's own record, twice, with no kata twin: both kept.
    entries.push(entry('containerd', 900, 'time="2026-01-15T12:00:01Z" level=info msg="loading plugin"', 400));
    entries.push(entry('containerd', 900, 'time="2026-01-15T12:00:01Z" level=info msg="loading plugin"', 401));
    // A twin arriving first from containerd, and one too late to be a twin (3 s).
    entries.push(entry('containerd', 900, shimMessage(21), 500));
    entries.push(entry('kata', 4242, shimMessage(21), 501));
    entries.push(entry('kata', 4242, shimMessage(22), 600));
    entries.push(entry('containerd', 900, shimMessage(22), 3600));
    appendToJournal(journal, entries);
    const { sink, receiver } = await start({ start_at: 'beginning', identifiers: ['kata', 'containerd'] });
    await sink.waitFor(25);
    await delay(400);
    const msgs = sink.records.map(message);
    assert.equal(msgs.length, 25);
    for (let i = 1; i <= 21; i++) assert.equal(msgs.filter((m) => m === shimMessage(i)).length, 1, `seq ${i}`);
    assert.equal(msgs.filter((m) => m === shimMessage(22)).length, 2);
    assert.equal(msgs.filter((m) => m.includes('loading plugin')).length, 2);
    assert.equal(receiver.metrics.count('duplicates_suppressed'), 21);
    assert.equal(receiver.metrics.count('refused'), 0, 'a suppressed twin is not a drop');
  });

  it('resumes after the saved cursor: no entry repeated or skipped across restarts', async () => {
    appendToJournal(journal, Array.from({ length: 30 }, (_, i) => entry('kata', 4242, shimMessage(i + 1), i)));
    const first = await start({ start_at: 'beginning' });
    await first.sink.waitFor(30);
    await first.stop();
    const file = path.join(storage, checkpointFileName({ type: 'journald', name: 'test' }));
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')).state;
    assert.equal(saved.inclusive, false);
    assert.equal(saved.cursor, first.sink.records[29]!.attributes['kata.journal.cursor']);

    appendToJournal(journal, Array.from({ length: 20 }, (_, i) => entry('kata', 4242, shimMessage(i + 31), 100 + i)));
    const second = await start({ start_at: 'end' });
    await second.sink.waitFor(20);
    await delay(300);
    const seqs = [...first.sink.records, ...second.sink.records].map((r) => Number(/seq=(\d+)/.exec(message(r))![1]));
    assert.deepEqual(seqs, Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('after a crash, resumes AT a record that was still held for a continuation', async () => {
    appendToJournal(journal, Array.from({ length: 5 }, (_, i) => entry('kata', 4242, shimMessage(i + 1), i)));
    const file = path.join(storage, checkpointFileName({ type: 'journald', name: 'test' }));
    const first = await start({ start_at: 'beginning', force_flush_period: '1h' });
    await first.sink.waitFor(4);
    // The fifth record waits for a possible continuation; the checkpoint points at it.
    await eventually(() => fs.existsSync(file) && JSON.parse(fs.readFileSync(file, 'utf8')).state.inclusive === true, 'inclusive checkpoint');
    const atCrash = fs.readFileSync(file);
    assert.equal(first.sink.records.length, 4);
    await first.stop();
    fs.writeFileSync(file, atCrash); // as if the process had been killed before shutting down

    appendToJournal(journal, [entry('kata', 4242, shimMessage(6), 10)]);
    const second = await start({ start_at: 'end' });
    await second.sink.waitFor(2);
    await delay(300);
    const seqs = [...first.sink.records.slice(0, 4), ...second.sink.records].map((r) => Number(/seq=(\d+)/.exec(message(r))![1]));
    assert.deepEqual(seqs, [1, 2, 3, 4, 5, 6]);
  });

  it('falls back to start_at when journalctl rejects the saved cursor', async () => {
    fs.mkdirSync(storage, { recursive: true });
    fs.writeFileSync(
      path.join(storage, checkpointFileName({ type: 'journald', name: 'test' })),
      JSON.stringify({ version: 1, component: 'journald/test', savedAt: '', state: { cursor: 'not-a-cursor', inclusive: false } }),
    );
    appendToJournal(journal, [entry('kata', 4242, shimMessage(1), 0)]);
    const { sink, receiver } = await start({ start_at: 'beginning' });
    await sink.waitFor(1);
    assert.equal(receiver.metrics.count('cursor_invalid'), 1);
  });

  it('reads a field over 4096 bytes (--all) and a MESSAGE that is not UTF-8', async () => {
    const big = shimMessage(1, 'x'.repeat(10_000));
    appendToJournal(journal, [
      entry('kata', 4242, big, 0),
      entry('kata', 4242, Buffer.from([0x62, 0x61, 0x64, 0xff, 0x00, 0x21]), 1),
    ]);
    const { sink } = await start({ start_at: 'beginning' });
    await sink.waitFor(2);
    assert.equal(message(sink.records[0]!), big);
    assert.deepEqual(JSON.parse(sink.records[1]!.body).MESSAGE, [0x62, 0x61, 0x64, 0xff, 0x00, 0x21]);
    const [parsed] = parseText(sink.records[1]!.body + '\n');
    assert.match(parsed!.body, /^bad\ufffd/);
  });

  it('joins a Go panic that containerd copied line by line into one record', async () => {
    const lines = [
      'panic: runtime error: invalid memory address or nil pointer dereference',
      '[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x55e8475a5a42]',
      '',
      'goroutine 331421 [running]:',
      'main.main()',
      '\t/go/src/x/main.go:10 +0x55',
    ];
    appendToJournal(journal, [
      entry('containerd', 900, shimMessage(1), 0),
      ...lines.map((l, i) => entry('containerd', 900, l, 1 + i)),
      entry('kata', 4242, shimMessage(2), 3),
      entry('containerd', 900, shimMessage(3), 20),
    ]);
    const { sink } = await start({ start_at: 'beginning', identifiers: ['kata', 'containerd'], dedupe: { enabled: false } });
    await sink.waitFor(4);
    await delay(300);
    const msgs = sink.records.map(message);
    assert.equal(msgs.length, 4);
    const panic = msgs.find((m) => m.startsWith('panic:'))!;
    assert.equal(panic, lines.join('\n'));
    const [parsed] = parseText(sink.records.find((r) => message(r).startsWith('panic:'))!.body + '\n');
    assert.equal(parsed!.attributes['kata.log.format'], 'go-panic');
  });

  it('holds its position while the next stage refuses, then delivers everything once', async () => {
    appendToJournal(journal, Array.from({ length: 40 }, (_, i) => entry('kata', 4242, shimMessage(i + 1), i)));
    const sink = new SinkConsumer();
    sink.refuse = true;
    const { receiver } = await start({ start_at: 'beginning', max_batch: 10 }, sink);
    await eventually(() => sink.refusals >= 3, 'retries');
    assert.equal(receiver.checkpoint, undefined, 'nothing acknowledged while refused');
    assert.equal(fs.existsSync(path.join(storage, checkpointFileName({ type: 'journald', name: 'test' }))), false);
    sink.refuse = false;
    await sink.waitFor(40);
    await delay(200);
    assert.deepEqual(sink.records.map((r) => Number(/seq=(\d+)/.exec(message(r))![1])), Array.from({ length: 40 }, (_, i) => i + 1));
    assert.ok(receiver.metrics.count('retried') > 0);
  });

  it('reports a missing journalctl as a fatal error', async () => {
    const { host } = await start({ journalctl_path: path.join(tmp, 'no-such-journalctl') });
    await eventually(() => host.fatal.length > 0, 'fatal error reported');
    assert.match(host.fatal[0]!.message, /journalctl not found/);
  });
});
