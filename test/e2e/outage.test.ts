/**
 * A backend outage seen by the whole sidecar: the backend is down (connections refused),
 * then up but answering UNAVAILABLE, then healthy. Two files are written meanwhile; every
 * line arrives exactly once, in line order per file, and nothing is counted as dropped.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Backend } from './backend';
import { filelogConfig, metricSum, Sidecar, tempDir, waitFor, writeConfig } from './sidecar';
import { StreamWriter, tally } from './stream';

describe('e2e: backend outage (refused, then UNAVAILABLE, then back)', function () {
  this.timeout(120_000);
  const backend = new Backend();
  let sidecar: Sidecar | undefined;

  after(async () => {
    backend.stop();
    if (sidecar?.alive) await sidecar.kill9();
  });

  it('queues on disk while the backend is away and delivers everything, in order per file, when it returns', async () => {
    // Take a port, then close it: the sidecar starts against a backend that refuses connections.
    await backend.start();
    backend.stop();
    const dir = tempDir('outage');
    mkdirSync(join(dir, 'logs'));
    const files = new Map([
      [1, { path: join(dir, 'logs', 'shim-a.log'), lines: 10_000 }],
      [2, { path: join(dir, 'logs', 'shim-b.log'), lines: 10_000 }],
    ]);
    const total = 20_000;
    const config = writeConfig(dir, filelogConfig({ include: join(dir, 'logs', '*.log'), storage: join(dir, 'data'), endpoint: backend.endpoint, maxRequestMib: 0.25 }));
    sidecar = await Sidecar.start(config, dir);
    const s = sidecar;
    const writers = [...files].map(([file, f]) => new StreamWriter({ path: f.path, file, lines: f.lines, chunk: 500, everyMs: 20 }));
    await Promise.all(writers.map((w) => w.done));

    // 1. Refused: everything read waits in the queue; the exporter retries.
    await waitFor(async () => metricSum(await s.metrics(), 'kata_otel_queue_depth') === total, 30_000, 'every record queued', s.output.bind(s));
    let m = await s.metrics();
    assert.equal(metricSum(m, 'kata_otel_records_received_total', { component: 'filelog/kata' }), total);
    assert.ok(metricSum(m, 'kata_otel_records_retried_total', { component: 'otlp' }) > 0, 'the exporter retried');
    assert.ok(s.logged(/export failed; retrying/, 'warn').length > 0);
    assert.equal((await s.get('/readyz')).status, 200, 'an outage of the backend does not make the sidecar unready');

    // 2. Up, but UNAVAILABLE: still nothing is kept, still retried.
    backend.mode = { kind: 'unavailable' };
    await backend.start();
    const upAt = Date.now();
    await waitFor(() => backend.callsAnswered('unavailable') >= 3, 60_000, 'the exporter to reach the backend and be told UNAVAILABLE', s.output.bind(s));
    const reconnectMs = Date.now() - upAt;
    assert.equal(backend.records.length, 0);
    assert.equal(metricSum(await s.metrics(), 'kata_otel_queue_depth'), total);

    // 3. Healthy: everything arrives.
    backend.mode = { kind: 'ok' };
    const okAt = Date.now();
    await waitFor(() => tally(backend.records, files).missingCount === 0, 60_000, 'every line at the backend', () => JSON.stringify(tally(backend.records, files)));
    const t = tally(backend.records, files);
    console.log(`      reconnected ${reconnectMs} ms after the backend came back; ${total} records delivered ${Date.now() - okAt} ms after it recovered, ${backend.calls.length} calls`);
    assert.equal(t.missingCount, 0);
    assert.equal(t.duplicates, 0, 'no crash, so no line twice');
    assert.deepEqual(t.foreign, []);
    assert.deepEqual(t.misattributed, []);
    assert.ok(t.inOrder, `first arrivals in line order per file: ${t.outOfOrder.join(', ')}`);

    await waitFor(async () => metricSum(await s.metrics(), 'kata_otel_queue_depth') === 0, 10_000, 'the queue to drain');
    m = await s.metrics();
    assert.equal(metricSum(m, 'kata_otel_records_exported_total', { component: 'otlp' }), total);
    assert.equal(metricSum(m, 'kata_otel_records_dropped_total'), 0, 'nothing dropped');
    assert.ok(s.logged(/export recovered/).length > 0);
    assert.deepEqual(await s.terminate(), { code: 0, signal: null }, s.output());
  });
});
