import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { OutputSink } from '../../cli/output-sink';
import { fitWidth, oneLine, severityName } from '../../cli/text';

/** A destination that takes `delayMs` per write and has a small buffer. */
function slowWritable(delayMs: number, received: string[], fail?: NodeJS.ErrnoException): Writable {
  return new Writable({
    highWaterMark: 1024,
    decodeStrings: false,
    write(chunk: string, _enc, cb) {
      setTimeout(() => {
        if (fail !== undefined) return cb(fail);
        received.push(chunk);
        cb();
      }, delayMs);
    },
  });
}

describe('OutputSink', () => {
  it('batches small writes into big ones and keeps their order', async () => {
    const received: string[] = [];
    const sink = new OutputSink(slowWritable(0, received), 4096);
    const expected: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const line = `record ${i}\n`;
      expected.push(line);
      sink.write(line);
      if (i % 100 === 0) await sink.writable();
    }
    await sink.end();
    assert.equal(received.join(''), expected.join(''));
    assert.ok(received.length < 60, `${received.length} writes`);
    assert.ok(received.every((c, i) => i === received.length - 1 || c.length >= 4096));
  });

  it('holds the writer back until the destination drains', async () => {
    const received: string[] = [];
    const out = slowWritable(2, received);
    const sink = new OutputSink(out, 1000);
    let maxQueued = 0;
    for (let i = 0; i < 50; i++) {
      sink.write('x'.repeat(1000));
      maxQueued = Math.max(maxQueued, out.writableLength);
      await sink.writable();
    }
    await sink.end();
    assert.equal(received.join('').length, 50_000);
    // Never more than one batch beyond the destination's own buffer.
    assert.ok(maxQueued <= 1024 + 1000, `queued ${maxQueued}`);
  });

  it('turns a closed reader (EPIPE) into a quiet stop, not an error', async () => {
    const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    const sink = new OutputSink(slowWritable(1, [], epipe), 10);
    let closed = false;
    void sink.whenClosed.then(() => {
      closed = true;
    });
    sink.write('first batch of text');
    await sink.end();
    await new Promise((r) => setImmediate(r));
    assert.ok(sink.closed && sink.brokenPipe && closed);
    assert.equal(sink.error, undefined);
    sink.write('dropped');
    await sink.writable();
    await sink.end();
  });

  it('keeps any other write error', async () => {
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const sink = new OutputSink(slowWritable(1, [], enospc), 10);
    sink.write('some text here');
    await sink.end();
    assert.ok(sink.closed);
    assert.equal(sink.brokenPipe, false);
    assert.equal((sink.error as NodeJS.ErrnoException).code, 'ENOSPC');
  });
});

describe('table text helpers', () => {
  it('names SeverityNumber ranges', () => {
    assert.deepEqual([0, 1, 4, 5, 9, 12, 13, 17, 20, 21, 24, 25].map(severityName), [
      'UNSPECIFIED', 'TRACE', 'TRACE', 'DEBUG', 'INFO', 'INFO', 'WARN', 'ERROR', 'ERROR', 'FATAL', 'FATAL', 'UNSPECIFIED',
    ]);
  });

  it('makes one terminal-safe line', () => {
    assert.equal(oneLine('a\nb\tc\r'), 'a⏎b c ');
    assert.equal(oneLine('\x1b[0;32m  OK  \x1b[0m done'), '  OK   done');
    assert.equal(oneLine('bell\x07 nul\x00 rlo\u202e'), 'bell\uFFFD nul\uFFFD rlo\uFFFD');
  });

  it('cuts to terminal columns, counting wide characters twice', () => {
    assert.equal(fitWidth('short', 10), 'short');
    assert.equal(fitWidth('exactly10!', 10), 'exactly10!');
    assert.equal(fitWidth('a longer body text', 10), 'a longer …');
    assert.equal(fitWidth('十二月的日志很长', 7), '十二月…');
    assert.equal(fitWidth('😀😀😀😀', 5), '😀😀…');
    assert.equal(fitWidth('abc', 0), '');
  });
});
