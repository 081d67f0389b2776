/**
 * The persistent queue on its own: durability across reopen, order, group commit, the
 * byte bound (block then KO_ERR_QUEUE_FULL, drop_newest), exclusive ownership of the file,
 * and recovery from a damaged file.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isPermanent, RetryableError } from '../../component/errors';
import type { PersistentQueueOptions } from '../../exporter/queue';
import { PersistentQueue } from '../../exporter/queue';
import { MemoryTelemetry, tempDir } from './otlp-fakes';

function options(path: string, over: Partial<PersistentQueueOptions> = {}): PersistentQueueOptions {
  return { path, kind: 'test', maxBytes: 1024 * 1024, blockTimeoutMs: 200, whenFull: 'block', logger: new MemoryTelemetry().logger, ...over };
}

const payload = (i: number, size = 100): Buffer => Buffer.alloc(size, i % 256);

describe('exporter queue: PersistentQueue', function () {
  this.timeout(20_000);

  it('keeps committed batches across close and reopen, oldest first', async () => {
    const path = join(tempDir('queue'), 'q.sqlite');
    const q = PersistentQueue.open(options(path));
    for (let i = 0; i < 5; i++) await q.enqueue(payload(i), i + 1);
    assert.deepEqual(q.depth, { records: 15, bytes: 500 });
    q.close();
    const r = PersistentQueue.open(options(path));
    assert.deepEqual(r.depth, { records: 15, bytes: 500 });
    const head = r.peek(250);
    assert.deepEqual(head.map((b) => b.items), [1, 2]);
    assert.equal(head[0]!.payload[0], 0);
    r.remove(head);
    assert.deepEqual(r.peek(1e9).map((b) => b.items), [3, 4, 5]);
    assert.deepEqual(r.depth, { records: 12, bytes: 300 });
    r.close();
    const again = PersistentQueue.open(options(path));
    assert.deepEqual(again.peek(0).map((b) => b.items), [3], 'peek returns at least one batch');
    again.close();
  });

  it('commits enqueues of one event-loop turn in one transaction and resolves each after the commit', async () => {
    const path = join(tempDir('queue'), 'q.sqlite');
    const q = PersistentQueue.open(options(path));
    const all = Array.from({ length: 200 }, (_, i) => q.enqueue(payload(i, 10), 1));
    assert.equal(q.depth.records, 0, 'nothing counted before the commit');
    await Promise.all(all);
    assert.equal(q.depth.records, 200);
    assert.deepEqual(q.peek(1e9, 1000).map((b) => b.payload[0]), Array.from({ length: 200 }, (_, i) => i % 256));
    q.close();
  });

  it('uses WAL with synchronous=FULL, 64 KiB pages and an exclusive lock: a second opener is refused', async () => {
    const path = join(tempDir('queue'), 'q.sqlite');
    const q = PersistentQueue.open(options(path));
    await q.enqueue(payload(1), 1);
    assert.deepEqual(q.storageSettings(), { journalMode: 'wal', synchronous: 2, lockingMode: 'exclusive', pageSize: 65536 });
    assert.ok(existsSync(`${path}-wal`));
    assert.throws(() => PersistentQueue.open(options(path)), (err: Error & { code?: string }) => err.code === 'KO_ERR_QUEUE_OPEN' && /locked|busy/i.test(err.message));
    q.close();
    const r = PersistentQueue.open(options(path));
    assert.equal(r.depth.records, 1);
    r.close();
  });

  it('hands recent payloads to peek from memory, reads older ones back from SQLite, and releases each payload once', async () => {
    const path = join(tempDir('queue'), 'q.sqlite');
    const released: number[] = [];
    const release = (b: Buffer): void => void released.push(b[0]!);
    const q = PersistentQueue.open(options(path, { hotBytes: 250 }));
    const sent = Array.from({ length: 5 }, (_, i) => payload(i));
    await Promise.all(sent.map((b) => q.enqueue(b, 1, release)));
    // Two fit the 250 bytes kept in memory; the others are only in SQLite from the commit on.
    assert.deepEqual(released, [2, 3, 4]);
    const head = q.peek(1e9);
    assert.deepEqual(head.map((b) => b.payload[0]), [0, 1, 2, 3, 4]);
    assert.ok(head[0]!.payload === sent[0] && head[1]!.payload === sent[1], 'the kept payloads themselves');
    assert.ok(head[2]!.payload !== sent[2] && head[2]!.payload.equals(sent[2]!), 'a copy read back, same bytes');
    q.remove(head.slice(0, 3));
    assert.deepEqual(released, [2, 3, 4, 0, 1]);
    q.close();
    // After a restart everything comes from the file.
    const r = PersistentQueue.open(options(path, { hotBytes: 250 }));
    assert.deepEqual(r.peek(1e9).map((b) => [b.payload.length, b.payload[0]]), [[100, 3], [100, 4]]);
    r.close();
  });

  it('when full, enqueue waits for room and then fails with the retryable KO_ERR_QUEUE_FULL', async () => {
    const path = join(tempDir('queue'), 'q.sqlite');
    const q = PersistentQueue.open(options(path, { maxBytes: 1000, blockTimeoutMs: 300 }));
    for (let i = 0; i < 10; i++) await q.enqueue(payload(i), 1);
    const t0 = Date.now();
    await assert.rejects(q.enqueue(payload(99), 1), (err: unknown) => {
      assert.ok(err instanceof RetryableError);
      assert.equal(err.code, 'KO_ERR_QUEUE_FULL');
      assert.equal(isPermanent(err), false);
      return true;
    });
    assert.ok(Date.now() - t0 >= 280, 'it waited block_timeout first');
    assert.equal(q.depth.records, 10);
    q.close();
  });

  it('a waiting enqueue goes in as soon as room frees, and waiters keep their order', async () => {
    const path = join(tempDir('queue'), 'q.sqlite');
    const q = PersistentQueue.open(options(path, { maxBytes: 300, blockTimeoutMs: 5000 }));
    for (let i = 0; i < 3; i++) await q.enqueue(payload(i), 1);
    const late = [q.enqueue(payload(3), 1), q.enqueue(payload(4, 50), 1)];
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(q.depth.records, 3);
    q.remove(q.peek(0));
    q.remove(q.peek(0));
    await Promise.all(late);
    assert.deepEqual(q.peek(1e9).map((b) => b.payload[0]), [2, 3, 4]);
    q.close();
  });

  it('drop_newest drops the batch that does not fit and reports it', async () => {
    const path = join(tempDir('queue'), 'q.sqlite');
    let dropped = 0;
    const q = PersistentQueue.open(options(path, { maxBytes: 250, whenFull: 'drop_newest', onDrop: (n) => (dropped += n) }));
    await q.enqueue(payload(0), 7);
    await q.enqueue(payload(1), 7);
    await q.enqueue(payload(2), 7);
    await q.enqueue(payload(3), 7);
    assert.equal(dropped, 14);
    assert.deepEqual(q.peek(1e9).map((b) => b.payload[0]), [0, 1]);
    q.close();
  });

  it('refuses permanently a batch larger than the whole queue, and everything after close', async () => {
    const path = join(tempDir('queue'), 'q.sqlite');
    const q = PersistentQueue.open(options(path, { maxBytes: 100 }));
    await assert.rejects(q.enqueue(payload(0, 101), 1), (err: unknown) => isPermanent(err) && (err as { code: string }).code === 'KO_ERR_BATCH_TOO_LARGE');
    q.close();
    q.close();
    await assert.rejects(q.enqueue(payload(0), 1), (err: unknown) => err instanceof RetryableError && err.code === 'KO_ERR_EXPORTER_STOPPED');
  });

  it('refuses a file holding another kind of queue', () => {
    const path = join(tempDir('queue'), 'q.sqlite');
    PersistentQueue.open(options(path)).close();
    assert.throws(() => PersistentQueue.open(options(path, { kind: 'other' })), /holds a queue of kind test/);
  });

  it('moves a damaged file aside, logs it, and starts empty instead of failing for good', () => {
    const dir = tempDir('queue');
    const path = join(dir, 'q.sqlite');
    writeFileSync(path, Buffer.alloc(8192, 0x5a));
    const telemetry = new MemoryTelemetry();
    const q = PersistentQueue.open(options(path, { logger: telemetry.logger }));
    assert.equal(q.depth.records, 0);
    q.close();
    assert.ok(readdirSync(dir).some((f) => f.startsWith('q.sqlite.corrupt-')));
    assert.equal(telemetry.logged('error', /damaged/).length, 1);
  });

  it('truncates the WAL periodically and when closing', async () => {
    const path = join(tempDir('queue'), 'q.sqlite');
    const q = PersistentQueue.open(options(path, { checkpointIntervalMs: 400 }));
    // One transaction, well inside the first interval.
    await Promise.all(Array.from({ length: 20 }, (_, i) => q.enqueue(payload(i, 10_000), 1)));
    const { statSync } = await import('node:fs');
    assert.ok(statSync(`${path}-wal`).size > 100_000);
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(statSync(`${path}-wal`).size, 0, 'checkpoint(TRUNCATE) emptied the WAL');
    q.close();
  });

  it('gives the space of a drained backlog back in steps, never blocking the event loop for long', async () => {
    const { statSync } = await import('node:fs');
    const { monitorEventLoopDelay } = await import('node:perf_hooks');
    const path = join(tempDir('queue'), 'q.sqlite');
    const q = PersistentQueue.open(options(path, { maxBytes: 256 * 1024 * 1024, checkpointIntervalMs: 300 }));
    for (let i = 0; i < 128; i++) await q.enqueue(payload(i, 1024 * 1024), 1);
    // The backlog reaches the main file at a checkpoint. A fast machine fills the queue
    // before the first periodic one, so wait for it (the queue is still full: no vacuum).
    for (const t1 = Date.now(); statSync(`${path}-wal`).size > 0 && Date.now() - t1 < 5_000;) {
      await new Promise((r) => setTimeout(r, 20));
    }
    for (let head = q.peek(8 * 1024 * 1024); head.length > 0; head = q.peek(8 * 1024 * 1024)) q.remove(head);
    assert.ok(statSync(path).size > 100 * 1024 * 1024, `the backlog is in the main file (${statSync(path).size} bytes)`);
    // What a busy machine alone does to the event loop (the process descheduled), measured
    // the same way while nothing happens, so that only the queue's own stalls count.
    const idle = monitorEventLoopDelay({ resolution: 5 });
    idle.enable();
    for (const t1 = Date.now(); Date.now() - t1 < 500;) await new Promise((r) => setTimeout(r, 20));
    idle.disable();
    const noiseMs = idle.max / 1e6;
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const t0 = Date.now();
    while (statSync(path).size > 16 * 1024 * 1024 && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 20));
    delay.disable();
    q.close();
    assert.ok(statSync(path).size <= 16 * 1024 * 1024, `the file shrank (${statSync(path).size} bytes)`);
    const maxMs = delay.max / 1e6;
    // One incremental_vacuum of the whole backlog stalls it 200–500 ms; steps a few ms each.
    assert.ok(maxMs < 100 + noiseMs, `the event loop was never blocked for long (longest ${maxMs.toFixed(0)} ms, ${noiseMs.toFixed(0)} ms when idle)`);
  });
});

describe('exporter queue: the commit sync off the event loop', function () {
  this.timeout(20_000);

  it('resolves an enqueue only once its WAL sync is done, and that sync runs in libuv\'s pool', async () => {
    // The queue calls fs.fsync through the module object, so the test can hold the sync back.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const fs = require('node:fs') as { fsync: (fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => void };
    const path = join(tempDir('queue'), 'q.sqlite');
    const q = PersistentQueue.open(options(path));
    await q.enqueue(payload(1), 1); // the first commit creates the WAL the ordinary way
    const realFsync = fs.fsync;
    const held: Array<() => void> = [];
    fs.fsync = (fd, cb) => void held.push(() => realFsync(fd, cb));
    let resolved = false;
    try {
      const p = q.enqueue(payload(2), 2).then(() => (resolved = true));
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(held.length, 1, 'one sync for the commit');
      assert.equal(resolved, false, 'not acknowledged before the sync');
      assert.equal(q.depth.records, 3, 'committed and visible to the sender meanwhile');
      held[0]!();
      await p;
      assert.equal(resolved, true);
    } finally {
      fs.fsync = realFsync;
    }
    assert.equal(q.storageSettings().synchronous, 2, 'FULL outside the commit');
    q.close();
    const r = PersistentQueue.open(options(path));
    assert.deepEqual(r.depth, { records: 3, bytes: 200 });
    r.close();
  });

  it('refuses the batches (retryably) when the sync fails; their rows stay queued', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const fs = require('node:fs') as { fsync: (fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => void };
    const path = join(tempDir('queue'), 'q.sqlite');
    const q = PersistentQueue.open(options(path));
    await q.enqueue(payload(1), 1);
    const realFsync = fs.fsync;
    fs.fsync = (_fd, cb) => void setImmediate(() => cb(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' })));
    try {
      await assert.rejects(q.enqueue(payload(2), 1), (err: Error & { code?: string }) => err instanceof RetryableError && err.code === 'KO_ERR_QUEUE_WRITE');
    } finally {
      fs.fsync = realFsync;
    }
    assert.equal(q.depth.records, 2);
    q.close();
  });
});
