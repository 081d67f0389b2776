/**
 * Self-telemetry of the running sidecar process: /healthz and /readyz answer while it
 * runs, the record counters (received, parsed, exported) move while lines stream in and
 * end equal to what was written, and /readyz turns 503 once shutdown has begun while
 * /healthz still answers.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Backend } from './backend';
import type { Sample } from './sidecar';
import { filelogConfig, metricSum, Sidecar, sleep, tempDir, waitFor, writeConfig } from './sidecar';
import { StreamWriter, tally } from './stream';

interface Counters {
  received: number;
  parsed: number;
  failed: number;
  exported: number;
  dropped: number;
  queue: number;
  latencyCount: number;
}

function counters(m: Sample[]): Counters {
  return {
    received: metricSum(m, 'kata_otel_records_received_total', { kind: 'receiver', component: 'filelog/kata' }),
    parsed: metricSum(m, 'kata_otel_records_parsed_total', { kind: 'processor', component: 'kata_parser' }),
    failed: metricSum(m, 'kata_otel_records_parse_failed_total'),
    exported: metricSum(m, 'kata_otel_records_exported_total', { kind: 'exporter', component: 'otlp' }),
    dropped: metricSum(m, 'kata_otel_records_dropped_total'),
    queue: metricSum(m, 'kata_otel_queue_depth', { component: 'otlp' }),
    latencyCount: metricSum(m, 'kata_otel_export_latency_seconds_count', { component: 'otlp' }),
  };
}

describe('e2e: /healthz, /readyz and /metrics of a running sidecar', function () {
  this.timeout(60_000);
  const backend = new Backend();
  let sidecar: Sidecar | undefined;

  before(() => backend.start());
  after(async () => {
    backend.stop();
    if (sidecar?.alive) await sidecar.kill9();
  });

  it('answers health and readiness, and its counters follow the stream', async () => {
    const dir = tempDir('telemetry');
    mkdirSync(join(dir, 'logs'));
    const path = join(dir, 'logs', 'kata.log');
    const config = writeConfig(dir, filelogConfig({ include: join(dir, 'logs', '*.log'), storage: join(dir, 'data'), endpoint: backend.endpoint }));
    sidecar = await Sidecar.start(config, dir);
    const s = sidecar;
    assert.equal((await s.get('/healthz')).status, 200);
    assert.equal((await s.get('/readyz')).status, 200);
    const before = counters(await s.metrics());
    assert.equal(before.received + before.parsed + before.exported, 0);

    // 6,000 lines over about 1.5 s; scrape while they flow.
    const N = 6000;
    const writer = new StreamWriter({ path, file: 1, lines: N, chunk: 200, everyMs: 50 });
    const seen: Counters[] = [];
    while (writer.written < N) {
      seen.push(counters(await s.metrics()));
      await sleep(150);
    }
    await writer.done;
    await waitFor(async () => counters(await s.metrics()).exported === N, 20_000, 'every record exported', s.output.bind(s));
    const end = counters(await s.metrics());
    const moving = seen.filter((c) => c.received > 0 && c.received < N);
    assert.ok(moving.length >= 2, `scraped mid-stream at least twice (${JSON.stringify(seen)})`);
    for (const key of ['received', 'parsed', 'exported'] as const) {
      const values = [before, ...seen, end].map((c) => c[key]);
      for (let i = 1; i < values.length; i++) assert.ok(values[i]! >= values[i - 1]!, `${key} never goes down: ${values.join(' ')}`);
      assert.ok(new Set(values).size >= 3, `${key} moved during the stream: ${values.join(' ')}`);
    }
    assert.deepEqual(
      { received: end.received, parsed: end.parsed, failed: end.failed, exported: end.exported, dropped: end.dropped, queue: end.queue },
      { received: N, parsed: N, failed: 0, exported: N, dropped: 0, queue: 0 },
    );
    assert.ok(end.latencyCount > 0, 'export latency observed');
    assert.equal(backend.records.length, N);

    // Shutdown with an export in flight (the backend answers after 1.5 s): not ready, still healthy.
    backend.mode = { kind: 'slow', delayMs: 1500 };
    const more = new StreamWriter({ path, file: 1, lines: 10, chunk: 10, everyMs: 1, from: N + 1 });
    await more.done;
    await waitFor(() => backend.callsAnswered('slow') > 0, 10_000, 'an export in flight', s.output.bind(s));
    s.proc.kill('SIGTERM');
    await waitFor(async () => (await s.get('/readyz').catch(() => ({ status: 0 }))).status === 503, 1000, '/readyz to answer 503 during shutdown');
    assert.equal((await s.get('/healthz')).status, 200);
    const exit = await s.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, s.output());

    // What was not delivered (the last line, which the recombiner held) comes with the next start.
    backend.mode = { kind: 'ok' };
    sidecar = await Sidecar.start(config, dir);
    const expected = new Map([[1, { path, lines: N + 10 }]]);
    await waitFor(() => tally(backend.records, expected).missingCount === 0, 20_000, 'every line at the backend', () => JSON.stringify(tally(backend.records, expected)));
    assert.equal(tally(backend.records, expected).duplicates, 0);
    assert.deepEqual(await sidecar.terminate(), { code: 0, signal: null }, sidecar.output());
  });
});
