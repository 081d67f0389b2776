/**
 * The filelog receiver against real files in a temporary directory: rotation by rename
 * and by copytruncate while a writer appends, restarts from the checkpoint, start_at,
 * exclude globs, binary content, long lines, multi-line records and backpressure.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { filelogReceiverFactory } from '../../../receiver/filelog';
import { checkpointFileName } from '../../../receiver/helper/checkpoint-store';
import { eventually, MemoryTelemetry, SinkConsumer } from '../../../receiver/helper/testing';
import { delay, shimLine, startFilelog, tally, tempDir } from './helpers';
import type { Running } from './helpers';

describe('filelog receiver', function () {
  this.timeout(60_000);
  let dir: string;
  let store: string;
  const stops: Array<() => Promise<void>> = [];

  beforeEach(() => {
    dir = tempDir('filelog');
    store = path.join(dir, 'state');
  });

  afterEach(async () => {
    for (const s of stops.splice(0)) await s();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function start(raw: Record<string, unknown>, sink?: SinkConsumer) {
    const r = await startFilelog(store, raw, sink);
    stops.push(r.stop);
    return r;
  }

  function write(file: string, lines: string[]): void {
    fs.appendFileSync(file, lines.map((l) => l + '\n').join(''));
  }

  const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  describe('config', () => {
    it('fills the Collector defaults and rejects unknown keys', () => {
      const c = filelogReceiverFactory.schema.parse({ include: ['/var/log/kata/*.log'] });
      assert.equal(c.start_at, 'end');
      assert.equal(c.poll_interval, 200);
      assert.equal(c.fingerprint_size, 1000);
      assert.equal(c.max_log_size, 1 << 20);
      assert.equal(c.encoding, 'utf-8');
      assert.equal(c.max_batch, 1024);
      assert.equal(c.multiline.enabled, true);
      assert.equal(filelogReceiverFactory.schema.safeParse({ include: ['/x'], bogus: 1 }).success, false);
      assert.equal(filelogReceiverFactory.schema.safeParse({}).success, false);
      const bad = filelogReceiverFactory.schema.safeParse({ include: ['/x'], poll_interval: 'soon' });
      assert.equal(bad.success, false);
      assert.match(bad.error!.issues[0]!.message, /duration/);
      assert.deepEqual(filelogReceiverFactory.validate!({ ...c, include: ['relative/*.log'] }).map((i) => i.path), ['include[0]']);
    });
  });

  describe('lifecycle', () => {
    it('shuts down without start, twice, and writes no checkpoint then', async () => {
      const config = filelogReceiverFactory.schema.parse({ include: [path.join(dir, '*.log')] });
      const r = filelogReceiverFactory.createLogs!({ id: { type: 'filelog', name: 'test' }, telemetry: new MemoryTelemetry(), storageDir: store }, config, new SinkConsumer());
      await r.shutdown();
      await r.shutdown();
      assert.equal(fs.existsSync(store), false);
    });

    it('starts, stops twice, and a second instance resumes', async () => {
      write(path.join(dir, 'a.log'), [shimLine(1)]);
      const r = await start({ include: [path.join(dir, '*.log')], start_at: 'beginning' });
      await r.sink.waitFor(1);
      await r.stop();
      await r.stop();
      const again = await start({ include: [path.join(dir, '*.log')], start_at: 'beginning' });
      await delay(150);
      assert.equal(again.sink.records.length, 0);
    });
  });

  describe('start_at and globs', () => {
    it('start_at beginning reads what the file holds, then follows appends', async () => {
      const file = path.join(dir, 'a.log');
      write(file, range(1, 20).map(shimLine));
      const r = await start({ include: [path.join(dir, '*.log')], start_at: 'beginning' });
      await r.sink.waitFor(20);
      write(file, range(21, 30).map(shimLine));
      await r.sink.waitFor(30);
      const t = tally(r.sink.bodies(), 30);
      assert.deepEqual([t.missing, t.duplicated], [[], []]);
      const rec = r.sink.records[0]!;
      assert.equal(rec.attributes['log.file.path'], file);
      assert.equal(rec.attributes['kata.log.line_number'], 1);
      assert.equal(rec.attributes['kata.log.format'], undefined, 'raw records carry no format');
      assert.equal(rec.timeUnixNano, '0');
      assert.notEqual(rec.observedTimeUnixNano, '0');
      assert.equal(r.sink.records[29]!.attributes['kata.log.line_number'], 30);
    });

    it('start_at end skips what existing files hold but reads files created later from their start', async () => {
      const old = path.join(dir, 'old.log');
      write(old, range(1, 10).map(shimLine));
      const r = await start({ include: [path.join(dir, '*.log')], start_at: 'end' });
      await delay(60);
      write(old, range(11, 15).map(shimLine));
      write(path.join(dir, 'new.log'), range(16, 20).map(shimLine));
      await r.sink.waitFor(10);
      await delay(150);
      const t = tally(r.sink.bodies(), 20);
      assert.deepEqual(t.missing, range(1, 10));
      assert.deepEqual(t.duplicated, []);
      assert.equal(r.sink.records.length, 10);
    });

    it('exclude globs remove matches', async () => {
      write(path.join(dir, 'kata.log'), [shimLine(1)]);
      write(path.join(dir, 'skip-me.log'), [shimLine(2)]);
      write(path.join(dir, 'kata.log.1.gz'), [shimLine(3)]);
      const r = await start({ include: [path.join(dir, '*.log*')], exclude: [path.join(dir, 'skip-*'), '**/*.gz'], start_at: 'beginning' });
      await r.sink.waitFor(1);
      await delay(150);
      assert.deepEqual(r.sink.records.map((x) => path.basename(x.attributes['log.file.path'] as string)), ['kata.log']);
    });
  });

  describe('rotation while a writer appends', () => {
    const N = 6000;
    const EVERY = 700;

    /**
     * Waits until the receiver follows the file behind `fd`: a file renamed out of the
     * patterns before any poll saw it cannot be found (as in the Collector), and a test
     * must not depend on poll timing on a loaded machine.
     */
    async function followed(r: Running, fd: number): Promise<void> {
      const ino = fs.fstatSync(fd).ino;
      const since = r.receiver.polls;
      // Two full polls since the last rotation, and the current file is followed: at most
      // one rotation between polls, however slow the machine.
      await eventually(() => r.receiver.polls >= since + 2 && r.receiver.files().some((f) => f.ino === ino), 'the receiver follows the current file');
    }

    /** Appends N numbered lines through one descriptor, rotating every EVERY lines. */
    async function writer(r: Running, file: string, rotate: (fd: number) => number): Promise<void> {
      let fd = fs.openSync(file, 'a');
      for (let i = 1; i <= N; i++) {
        fs.writeSync(fd, shimLine(i) + '\n');
        if (i % EVERY === 0) {
          await followed(r, fd);
          fd = rotate(fd);
        }
        if (i % 25 === 0) await delay(1);
      }
      fs.closeSync(fd);
    }

    async function expectExactlyOnce(sink: SinkConsumer): Promise<void> {
      await sink.waitFor(N, 30_000).catch(() => undefined);
      await delay(300);
      const t = tally(sink.bodies(), N);
      assert.deepEqual({ missing: t.missing.length, duplicated: t.duplicated.length, foreign: t.foreign }, { missing: 0, duplicated: 0, foreign: [] },
        `missing ${t.missing.slice(0, 10).join(',')} duplicated ${t.duplicated.slice(0, 10).join(',')}`);
    }

    for (const inPattern of [false, true]) {
      it(`rename + create (rotated name ${inPattern ? 'inside' : 'outside'} the pattern): every line exactly once`, async () => {
        const file = path.join(dir, 'app.log');
        fs.writeFileSync(file, '');
        const r = await start({ include: [inPattern ? path.join(dir, 'app.log*') : file], start_at: 'beginning' });
        await writer(r, file, (fd) => {
          fs.renameSync(file, `${file}.1`);
          fs.closeSync(fd);
          return fs.openSync(file, 'a');
        });
        await expectExactlyOnce(r.sink);
        assert.ok(r.receiver.metrics.count(inPattern ? 'renames' : 'rotations') >= 1);
      });
    }

    it('rename + create with late writes to the old descriptor: nothing lost', async () => {
      const file = path.join(dir, 'app.log');
      fs.writeFileSync(file, '');
      const r = await start({ include: [file], start_at: 'beginning' });
      let late = 0;
      let fd = fs.openSync(file, 'a');
      let seq = 0;
      for (let round = 0; round < 5; round++) {
        for (let i = 0; i < 300; i++) fs.writeSync(fd, shimLine(++seq) + '\n');
        await followed(r, fd);
        fs.renameSync(file, `${file}.1`);
        // Still writing to the renamed file after the rename, as a logger does until it reopens.
        for (let i = 0; i < 20; i++) {
          fs.writeSync(fd, shimLine(++seq) + '\n');
          late++;
        }
        await delay(5);
        fs.closeSync(fd);
        fd = fs.openSync(file, 'a');
      }
      fs.closeSync(fd);
      await r.sink.waitFor(seq, 20_000).catch(() => undefined);
      await delay(300);
      const t = tally(r.sink.bodies(), seq);
      assert.equal(late, 100);
      assert.deepEqual([t.missing, t.duplicated], [[], []]);
    });

    it('copytruncate with the copy inside the pattern: every line exactly once', async () => {
      const file = path.join(dir, 'app.log');
      fs.writeFileSync(file, '');
      const r = await start({ include: [path.join(dir, 'app.log*')], start_at: 'beginning' });
      await writer(r, file, (fd) => {
        if (fs.existsSync(`${file}.1`)) fs.renameSync(`${file}.1`, `${file}.2`);
        fs.copyFileSync(file, `${file}.1`);
        fs.ftruncateSync(fd, 0);
        return fd;
      });
      await expectExactlyOnce(r.sink);
      assert.ok(r.receiver.metrics.count('copies_followed') >= 1 || r.receiver.metrics.count('truncations') >= 1);
    });

    it('a file seen empty after a truncate is truncated, not gone: what is written next is read once', async () => {
      const file = path.join(dir, 'app.log');
      write(file, range(1, 50).map(shimLine));
      const r = await start({ include: [file], start_at: 'beginning' });
      await r.sink.waitFor(50);
      fs.truncateSync(file, 0);
      // Several polls see the file empty (poll_interval 10 ms) before anything is written.
      await delay(100);
      write(file, range(51, 300).map(shimLine));
      await r.sink.waitFor(300);
      await delay(200);
      const t = tally(r.sink.bodies(), 300);
      assert.deepEqual([t.missing, t.duplicated], [[], []]);
      assert.equal(r.receiver.metrics.count('truncations'), 1);
      assert.equal(r.receiver.metrics.count('rotations'), 0, 'not taken for a file renamed away or deleted');
    });

    it('copytruncate with the copy outside the pattern: lines read before the truncate are kept, none repeated', async () => {
      const file = path.join(dir, 'app.log');
      write(file, range(1, 200).map(shimLine));
      const r = await start({ include: [file], start_at: 'beginning' });
      await r.sink.waitFor(200);
      await delay(80); // the record held for a continuation is flushed
      fs.copyFileSync(file, path.join(dir, 'app.log.1'));
      fs.truncateSync(file, 0);
      write(file, range(201, 210).map(shimLine));
      await r.sink.waitFor(210);
      // Truncate, then grow past the old offset before a poll sees the truncate: the head differs.
      await delay(80);
      const fd = fs.openSync(file, 'r+');
      fs.ftruncateSync(fd, 0);
      fs.writeSync(fd, range(211, 600).map((n) => shimLine(n) + '\n').join(''), 0);
      fs.closeSync(fd);
      await r.sink.waitFor(600);
      await delay(200);
      const t = tally(r.sink.bodies(), 600);
      assert.deepEqual([t.missing, t.duplicated], [[], []]);
      assert.equal(r.receiver.metrics.count('truncations'), 2);
    });
  });

  describe('checkpoints', () => {
    it('a restart neither re-reads nor skips, also when the file was rotated while stopped', async () => {
      const file = path.join(dir, 'app.log');
      write(file, range(1, 100).map(shimLine));
      const include = [path.join(dir, 'app.log*')];
      const r1 = await start({ include, start_at: 'beginning' });
      await r1.sink.waitFor(100);
      await r1.stop();
      const saved = JSON.parse(fs.readFileSync(path.join(store, checkpointFileName({ type: 'filelog', name: 'test' })), 'utf8'));
      assert.equal(saved.version, 1);
      assert.equal(saved.state.files.length, 1);
      // Everything but the last line is committed; the last is held for a continuation and read again.
      assert.ok(saved.state.files[0].offset > 0);

      // While stopped: more lines, a rename rotation, a new file.
      write(file, range(101, 150).map(shimLine));
      fs.renameSync(file, `${file}.1`);
      write(file, range(151, 200).map(shimLine));

      const r2 = await start({ include, start_at: 'end' });
      await r2.sink.waitFor(200 - r1.sink.records.length, 10_000).catch(() => undefined);
      await delay(200);
      const t = tally([...r1.sink.bodies(), ...r2.sink.bodies()], 200);
      assert.deepEqual([t.missing, t.duplicated], [[], []]);
      assert.ok(r2.receiver.metrics.count('files_resumed') === 1);
    });

    it('a multi-line record held at shutdown is read again whole after the restart', async () => {
      const file = path.join(dir, 'app.log');
      write(file, [shimLine(1), 'panic: runtime error: index out of range [3] with length 3', '']);
      const include = [file];
      const r1 = await start({ include, start_at: 'beginning', force_flush_period: '1h' });
      await r1.sink.waitFor(1);
      await delay(100);
      await r1.stop();
      assert.equal(r1.sink.records.length, 1);
      write(file, ['goroutine 1 [running]:', 'main.main()', '\t/src/main.go:10 +0x1d', 'exit status 2', shimLine(2)]);
      const r2 = await start({ include, start_at: 'beginning', force_flush_period: '50ms' });
      await r2.sink.waitFor(2);
      await delay(100);
      const bodies = r2.sink.bodies();
      assert.equal(bodies.length, 2);
      assert.match(bodies[0]!, /^panic: runtime error[^]*goroutine 1 \[running\]:\nmain\.main\(\)\n\t\/src\/main\.go:10 \+0x1d/);
      assert.equal(r2.sink.records[0]!.attributes['kata.log.line_number'], 2);
      assert.match(bodies[1]!, /seq=2 /);
    });
  });

  describe('content', () => {
    it('keeps a multi-line Go panic as one record', async () => {
      const file = path.join(dir, 'shim.log');
      write(file, [
        shimLine(1),
        'panic: runtime error: invalid memory address or nil pointer dereference',
        '[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x55e8475a5a42]',
        '',
        'goroutine 331421 [running]:',
        'github.com/kata-containers/kata-containers/src/runtime/pkg/katautils.(*X).Y(0xc0000f3200)',
        '\t/go/src/github.com/kata-containers/kata-containers/src/runtime/pkg/katautils/x.go:42 +0x1c2',
        'created by main.main',
        '\t/go/src/x/main.go:10 +0x55',
        shimLine(2),
      ]);
      const r = await start({ include: [file], start_at: 'beginning' });
      await r.sink.waitFor(3);
      await delay(100);
      assert.equal(r.sink.records.length, 3);
      const panic = r.sink.records[1]!;
      assert.equal(panic.body.split('\n').length, 8);
      assert.equal(panic.attributes['kata.log.line_number'], 2);
      assert.equal(r.sink.records[2]!.attributes['kata.log.line_number'], 10);
    });

    it('binary junk, NULs, invalid UTF-8 and CRLF still yield one record per line', async () => {
      const file = path.join(dir, 'junk.log');
      let seed = 7;
      const rand = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 256;
      const chunks: Buffer[] = [];
      for (let i = 0; i < 200; i++) {
        const len = 1 + (rand() % 120);
        const b = Buffer.alloc(len);
        for (let j = 0; j < len; j++) {
          let c = rand();
          if (c === 10) c = 0;
          b[j] = c;
        }
        chunks.push(b, Buffer.from(i % 3 === 0 ? '\r\n' : '\n'));
      }
      chunks.push(Buffer.from([0x74, 0x69, 0x6d, 0xc3, 0x28, 0xff, 0xfe, 0x0a]));
      const data = Buffer.concat(chunks);
      fs.writeFileSync(file, data);
      const expected: string[] = [];
      for (const raw of data.toString('binary').split('\n').slice(0, -1)) {
        const text = Buffer.from(raw.endsWith('\r') ? raw.slice(0, -1) : raw, 'binary').toString('utf8');
        if (text.trim() !== '') expected.push(text);
      }
      const r = await start({ include: [file], start_at: 'beginning', multiline: { enabled: false } });
      await r.sink.waitFor(expected.length);
      await delay(100);
      assert.deepEqual(r.sink.bodies(), expected);
      assert.ok(r.sink.bodies().some((b) => b.includes('\ufffd')));
      assert.ok(r.sink.bodies().some((b) => b.includes('\u0000')));
      assert.deepEqual(r.host.fatal, []);
    });

    it('cuts a line longer than max_log_size into flagged pieces', async () => {
      const file = path.join(dir, 'long.log');
      // 250 bytes; byte 100 falls inside a two-byte character, so the first cut moves back one.
      const long = 'a' + 'é'.repeat(120) + 'x'.repeat(9);
      write(file, [long, 'short line']);
      const r = await start({ include: [file], start_at: 'beginning', max_log_size: 100 });
      await r.sink.waitFor(4);
      await delay(100);
      const recs = r.sink.records;
      assert.equal(recs.length, 4);
      assert.equal(recs.slice(0, 3).map((x) => x.body).join(''), long, 'no character split or lost');
      for (const x of recs.slice(0, 3)) {
        assert.ok(Buffer.byteLength(x.body) <= 100);
        assert.equal(x.attributes['kata.parse.status'], 'partial');
        assert.match(x.attributes['kata.parse.error'] as string, /max_log_size/);
      }
      assert.equal(recs[3]!.body, 'short line');
      assert.equal(recs[3]!.attributes['kata.parse.status'], undefined);
      assert.equal(r.receiver.metrics.count('lines_cut'), 2);
    });

    it('sends a last line without its newline after force_flush_period', async () => {
      const file = path.join(dir, 'partial.log');
      fs.writeFileSync(file, `${shimLine(1)}\nno newline yet`);
      const r = await start({ include: [file], start_at: 'beginning' });
      await r.sink.waitFor(2);
      assert.equal(r.sink.records[1]!.body, 'no newline yet');
    });
  });

  describe('backpressure', () => {
    it('stops reading while the next stage refuses, and delivers everything once it accepts', async () => {
      const file = path.join(dir, 'bp.log');
      write(file, range(1, 1000).map(shimLine));
      const sink = new SinkConsumer();
      sink.refuse = true;
      const r = await start({ include: [file], start_at: 'beginning', max_batch: 50 }, sink);
      await eventually(() => sink.refusals >= 3, 'the receiver retries');
      const offsetWhileRefused = r.receiver.files()[0]!.offset;
      await delay(200);
      // Reading paused: at most one batch read ahead, nothing committed.
      assert.equal(r.receiver.files()[0]!.offset, offsetWhileRefused);
      assert.ok(offsetWhileRefused < fs.statSync(file).size / 10);
      assert.equal(r.receiver.files()[0]!.committed, 0);
      const cp = path.join(store, checkpointFileName({ type: 'filelog', name: 'test' }));
      assert.ok(!fs.existsSync(cp) || JSON.parse(fs.readFileSync(cp, 'utf8')).state.files.every((f: { offset: number }) => f.offset === 0), 'no offset saved for records not accepted');
      assert.equal(sink.records.length, 0);
      assert.ok(r.receiver.metrics.count('retried') > 0);
      assert.equal(r.receiver.metrics.count('refused'), 0);
      sink.refuse = false;
      await sink.waitFor(1000);
      await delay(100);
      const t = tally(sink.bodies(), 1000);
      assert.deepEqual([t.missing, t.duplicated], [[], []]);
      assert.deepEqual(sink.bodies().map((b) => Number(/seq=(\d+)/.exec(b)![1])), range(1, 1000), 'in order');
    });
  });
});
