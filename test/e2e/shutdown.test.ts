/**
 * Graceful shutdown of the sidecar process: SIGTERM while the backend refuses everything
 * exits 0 within the deadline, keeps what it could not deliver in the queue and the file
 * offsets in the checkpoint, and the next start delivers all of it, reading no line twice.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Backend } from './backend';
import { filelogConfig, metricSum, Sidecar, tempDir, waitFor, writeConfig } from './sidecar';
import { StreamWriter, tally } from './stream';

describe('e2e: SIGTERM', function () {
  this.timeout(60_000);
  const backend = new Backend();
  const running: Sidecar[] = [];

  before(() => backend.start());
  after(async () => {
    backend.stop();
    for (const s of running) if (s.alive) await s.kill9().catch(() => undefined);
  });

  it('exits 0, keeps the undelivered records queued, and the next start delivers them without reading a line twice', async () => {
    const dir = tempDir('sigterm');
    mkdirSync(join(dir, 'logs'));
    const path = join(dir, 'logs', 'kata.log');
    const config = writeConfig(dir, filelogConfig({ include: join(dir, 'logs', '*.log'), storage: join(dir, 'data'), endpoint: backend.endpoint }));
    const N = 10_000;
    backend.mode = { kind: 'unavailable' };
    const first = await Sidecar.start(config, dir);
    running.push(first);
    const writer = new StreamWriter({ path, file: 1, lines: N, chunk: 1000, everyMs: 5 });
    await writer.done;
    await waitFor(async () => metricSum(await first.metrics(), 'kata_otel_queue_depth') === N, 20_000, 'every record queued', first.output.bind(first));

    const t0 = Date.now();
    const exit = await first.terminate();
    const tookMs = Date.now() - t0;
    assert.deepEqual(exit, { code: 0, signal: null }, first.output());
    assert.ok(tookMs < 15_000, `stopped within the 15 s deadline (${tookMs} ms)`);
    const shutting = first.logged(/^shutting down$/)[0];
    assert.equal(shutting?.reason, 'SIGTERM');
    const kept = first.logged(/exporter stopped; undelivered records stay queued/)[0];
    assert.equal(kept?.records, N, first.output());
    assert.equal(first.logged(/^stopped$/).length, 1);
    assert.deepEqual(first.logged(/./, 'error'), [], 'no error logged');
    assert.equal(backend.records.length, 0);

    backend.mode = { kind: 'ok' };
    const second = await Sidecar.start(config, dir);
    running.push(second);
    assert.equal(second.logged(/exporter queue holds records from before the restart/)[0]?.records, N);
    const expected = new Map([[1, { path, lines: N }]]);
    await waitFor(() => tally(backend.records, expected).missingCount === 0, 30_000, 'every line at the backend', () => JSON.stringify(tally(backend.records, expected)));
    // Give a re-read (if the checkpoint had been lost) the time to show up.
    await new Promise((r) => setTimeout(r, 500));
    const t = tally(backend.records, expected);
    assert.equal(t.duplicates, 0, 'the offsets were saved at shutdown: no line is read again');
    assert.ok(t.inOrder);
    assert.deepEqual(t.misattributed, []);
    const m = await second.metrics();
    assert.equal(metricSum(m, 'kata_otel_records_received_total'), 0, 'the second life read nothing new');
    assert.equal(metricSum(m, 'kata_otel_records_exported_total'), N);
    assert.deepEqual(await second.terminate(), { code: 0, signal: null }, second.output());
  });
});
