/**
 * Crash safety of the whole sidecar, as a real process: filelog → kata_parser → otlp with
 * its SQLite queue, killed with SIGKILL and started again on the same storage directory.
 * Every line written must reach the backend (duplicates allowed and counted, none lost):
 *  - during receipt: the kill lands while lines are being read, parsed and queued (the file
 *    offset checkpoint trails the queue, so a restart reads some lines again);
 *  - during export: the queue holds everything and requests are in flight (the backend
 *    keeps what it got but has not answered, so the restart sends those again).
 */
import { strict as assert } from 'node:assert';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Backend } from './backend';
import { filelogConfig, metricSum, Sidecar, sleep, tempDir, waitFor, writeConfig } from './sidecar';
import { StreamWriter, tally } from './stream';

describe('e2e: kill -9 and restart (filelog → kata_parser → otlp)', function () {
  this.timeout(120_000);
  const backend = new Backend();
  const running: Sidecar[] = [];
  const writers: StreamWriter[] = [];

  before(() => backend.start());
  after(() => backend.stop());
  beforeEach(() => {
    backend.records.length = 0;
    backend.calls.length = 0;
    backend.mode = { kind: 'ok' };
  });
  afterEach(async () => {
    for (const w of writers.splice(0)) w.stop();
    for (const s of running.splice(0)) if (s.alive) await s.kill9().catch(() => undefined);
  });

  async function start(config: string, cwd: string): Promise<Sidecar> {
    const s = await Sidecar.start(config, cwd);
    running.push(s);
    return s;
  }

  it('during receipt: 20,000 lines streamed into a file, the sidecar killed three times mid-stream, all arrive after the restarts', async () => {
    const dir = tempDir('crash-receipt');
    mkdirSync(join(dir, 'logs'));
    const path = join(dir, 'logs', 'kata.log');
    const config = writeConfig(dir, filelogConfig({ include: join(dir, 'logs', '*.log'), storage: join(dir, 'data'), endpoint: backend.endpoint }));
    const N = 20_000;
    let sidecar = await start(config, dir);
    // About 6 s of stream, 1,000 lines every 300 ms. The sidecar dies three times, each time
    // 30, 60 or 90 ms after a write: while it reads, parses and queues what was just written.
    const writer = new StreamWriter({ path, file: 1, lines: N, chunk: 1000, everyMs: 300 });
    writers.push(writer);
    const kills: string[] = [];
    let resumed = 0;
    for (const [share, afterMs] of [[0.2, 30], [0.45, 60], [0.7, 90]] as const) {
      const s = sidecar;
      await waitFor(() => backend.records.length >= N * share, 30_000, `${share * 100}% of the lines at the backend`, s.output.bind(s));
      await writer.nextWrite();
      await sleep(afterMs);
      await s.kill9();
      kills.push(`${writer.written} written/${backend.records.length} delivered`);
      if (share === 0.2) assert.ok(writer.written < N, 'the first kill landed before the writer finished');
      sidecar = await start(config, dir);
      if (sidecar.logged(/exporter queue holds records from before the restart/).length > 0) resumed++;
    }
    await writer.done;
    const expected = new Map([[1, { path, lines: N }]]);
    await waitFor(() => tally(backend.records, expected).missingCount === 0, 60_000, 'every line at the backend', () => JSON.stringify(tally(backend.records, expected)));
    const t = tally(backend.records, expected);
    console.log(`      killed at ${kills.join(', ')}; ${resumed} restarts found records queued; ${t.distinct} distinct, ${t.duplicates} duplicates`);
    assert.equal(t.missingCount, 0);
    assert.deepEqual(t.foreign, []);
    assert.deepEqual(t.misattributed, []);
    assert.ok(t.inOrder, `first arrivals in line order: ${t.outOfOrder.join(', ')}`);
    const last = sidecar;
    await waitFor(async () => metricSum(await last.metrics(), 'kata_otel_queue_depth') === 0, 10_000, 'the queue to drain');
    const exit = await last.terminate();
    assert.deepEqual(exit, { code: 0, signal: null }, last.output());
  });

  it('during export: the queue holds all 20,000 records and requests are in flight at the kill; all arrive after the restart', async () => {
    const dir = tempDir('crash-export');
    mkdirSync(join(dir, 'logs'));
    const path = join(dir, 'logs', 'kata.log');
    const config = writeConfig(dir, filelogConfig({ include: join(dir, 'logs', '*.log'), storage: join(dir, 'data'), endpoint: backend.endpoint, maxRequestMib: 0.25 }));
    const N = 20_000;
    // The backend fails every request: everything read is held in the queue.
    backend.mode = { kind: 'unavailable' };
    const first = await start(config, dir);
    const writer = new StreamWriter({ path, file: 1, lines: N, chunk: 1000, everyMs: 10 });
    writers.push(writer);
    await writer.done;
    await waitFor(async () => metricSum(await first.metrics(), 'kata_otel_queue_depth') === N, 30_000, 'every record queued', first.output.bind(first));
    assert.ok(backend.callsAnswered('unavailable') > 0, 'the exporter kept trying');
    assert.equal(backend.records.length, 0);

    // Now the backend keeps each request but answers only after 400 ms: kill while some are unanswered.
    backend.mode = { kind: 'slow', delayMs: 400 };
    await waitFor(() => backend.records.length > 0 && backend.callsAnswered('slow') >= 3, 30_000, 'three slow exports', first.output.bind(first));
    const inQueue = metricSum(await first.metrics(), 'kata_otel_queue_depth');
    await first.kill9();
    const atKill = backend.records.length;
    assert.ok(inQueue > 0 && atKill < N, `killed with records still queued (${inQueue} queued, ${atKill} delivered)`);

    backend.mode = { kind: 'ok' };
    const second = await start(config, dir);
    assert.ok(second.logged(/exporter queue holds records from before the restart/).length > 0, second.output());
    const expected = new Map([[1, { path, lines: N }]]);
    await waitFor(() => tally(backend.records, expected).missingCount === 0, 60_000, 'every line at the backend', () => JSON.stringify(tally(backend.records, expected)));
    const t = tally(backend.records, expected);
    const largest = Math.max(...backend.calls.map((c) => c.items));
    console.log(`      killed with ${inQueue} queued and ${atKill} at the backend (unanswered included); after the restart: ${t.distinct} distinct, ${t.duplicates} duplicates (largest request ${largest})`);
    assert.equal(t.missingCount, 0);
    assert.deepEqual(t.foreign, []);
    assert.deepEqual(t.misattributed, []);
    assert.ok(t.inOrder, `first arrivals in line order: ${t.outOfOrder.join(', ')}`);
    // Only what was in flight at the kill (kept, never answered) is sent again.
    assert.ok(t.duplicates <= largest, `at most one unanswered request repeats (${t.duplicates} > ${largest})`);
    const exit = await second.terminate();
    assert.deepEqual(exit, { code: 0, signal: null }, second.output());
  });
});
