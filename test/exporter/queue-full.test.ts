/**
 * A full queue seen through the exporter: consumeLogs waits block_timeout, then rejects
 * with the retryable KO_ERR_QUEUE_FULL (receivers pause or answer busy), and goes through
 * again once the backend drains the queue; with when_full: drop_newest, the newest batches
 * are dropped, every record counted, and the drop logged.
 */
import { strict as assert } from 'node:assert';
import { isPermanent, RetryableError } from '../../component/errors';
import { OtlpBackend } from './otlp-backend';
import { makeRecords, orderAndCounts, tempDir, waitFor } from './otlp-fakes';
import { logsExporter, shutdownAll } from './otlp-harness';

describe('exporter queue: full', function () {
  this.timeout(30_000);
  const backend = new OtlpBackend();
  before(() => backend.start());
  afterEach(() => shutdownAll());
  after(() => backend.stop());
  beforeEach(() => {
    backend.records.length = 0;
    backend.requests.length = 0;
  });

  it('block: consumeLogs waits, then rejects with the retryable KO_ERR_QUEUE_FULL; after the backend drains, it is accepted', async () => {
    backend.reply = () => ({ httpStatus: 503 });
    const dir = tempDir('full');
    // 0.05 MiB ≈ 52 kB: about 250 records of these.
    const { exporter, telemetry } = await logsExporter('http', backend.httpEndpoint, dir, { sending_queue: { max_size_mib: 0.05, block_timeout: '300ms' } });
    let accepted = 0;
    let refusal: unknown;
    for (let i = 0; i < 1000 && refusal === undefined; i += 50) {
      const t0 = Date.now();
      try {
        await exporter.consumeLogs(makeRecords(i, 50));
        accepted += 50;
      } catch (err) {
        refusal = err;
        assert.ok(Date.now() - t0 >= 280, 'it blocked for block_timeout first');
      }
    }
    assert.ok(refusal instanceof RetryableError, 'a full queue is a retryable refusal');
    assert.equal(refusal.code, 'KO_ERR_QUEUE_FULL');
    assert.equal(isPermanent(refusal), false);
    assert.ok(accepted >= 100 && accepted < 1000);
    assert.equal(telemetry.count('records_enqueue_refused_total', { reason: 'queue_full' }), 50);
    assert.equal(telemetry.count('records_dropped_total'), 0, 'a refusal is not a drop');

    // The backend recovers; the receiver's retry of the same batch now goes through.
    backend.reply = () => ({ ok: true });
    await exporter.consumeLogs(makeRecords(accepted, 50));
    await waitFor(() => backend.records.length >= accepted + 50, 10_000, 'everything accepted');
    await exporter.shutdown();
    const check = orderAndCounts(backend.records, accepted + 50);
    assert.deepEqual(check.missing, []);
  });

  it('drop_newest: batches that do not fit are dropped at once, every record counted and the drop logged', async () => {
    backend.reply = () => ({ httpStatus: 503 });
    const dir = tempDir('drop');
    const { exporter, telemetry } = await logsExporter('grpc', backend.grpcEndpoint, dir, { sending_queue: { max_size_mib: 0.05, when_full: 'drop_newest' } });
    const t0 = Date.now();
    for (let i = 0; i < 1000; i += 50) await exporter.consumeLogs(makeRecords(i, 50));
    assert.ok(Date.now() - t0 < 2000, 'no blocking');
    const dropped = telemetry.count('records_dropped_total', { reason: 'queue_full' });
    const enqueued = telemetry.count('records_enqueued_total');
    assert.ok(dropped > 0);
    assert.equal(dropped + enqueued, 1000, 'every record is either queued or counted as dropped');
    await exporter.shutdown();
    const warn = telemetry.logged('warn', /dropped the newest batches/);
    assert.ok(warn.length >= 1);
    assert.equal(warn.reduce((n, l) => n + Number(l.fields.dropped), 0), dropped, 'the logs add up to the metric');
  });
});
