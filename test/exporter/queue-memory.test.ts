/**
 * Memory while the backend is down: 200k records go through the exporter into its queue
 * and RSS stays flat, because the queue is on disk (run in a child with --expose-gc so the
 * numbers are the exporter's alone). Also prints the enqueue throughput.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { tempDir } from './otlp-fakes';

const MIB = 1024 * 1024;

describe('exporter queue: memory stays flat while the backend is down', function () {
  this.timeout(120_000);

  it('200k records enqueued: RSS and heap do not grow with the backlog', () => {
    const dir = tempDir('memory');
    const N = 200_000;
    // Port 1 on loopback: nothing listens, every attempt is refused and retried.
    const r = spawnSync(process.execPath, ['--expose-gc', join(__dirname, 'otlp-child.js'), 'memory', 'grpc', 'http://127.0.0.1:1', dir, String(N), '1000'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const m = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
      baseline: { rss: number; heap: number }; after: { rss: number; heap: number }; peakRss: number;
      queued: { records: number; bytes: number }; seconds: number;
    };
    console.log(`      ${N} records in ${m.seconds.toFixed(2)} s (${Math.round(N / m.seconds)} records/s, generation and encoding included); ` +
      `queue ${(m.queued.bytes / MIB).toFixed(1)} MiB on disk; RSS ${(m.baseline.rss / MIB).toFixed(0)} → ${(m.after.rss / MIB).toFixed(0)} MiB ` +
      `(peak ${(m.peakRss / MIB).toFixed(0)}); heap ${(m.baseline.heap / MIB).toFixed(1)} → ${(m.after.heap / MIB).toFixed(1)} MiB`);
    assert.equal(m.queued.records, N + 50_000, 'everything is queued, nothing delivered or dropped');
    assert.ok(m.queued.bytes > 30 * MIB, 'the backlog is tens of MiB');
    // Held in memory, the backlog would add at least its encoded size; generous bounds.
    assert.ok(m.peakRss - m.baseline.rss < 40 * MIB, `RSS grew by ${((m.peakRss - m.baseline.rss) / MIB).toFixed(1)} MiB`);
    assert.ok(m.after.heap - m.baseline.heap < 8 * MIB, `heap grew by ${((m.after.heap - m.baseline.heap) / MIB).toFixed(1)} MiB`);
  });
});
