/**
 * Outages and refusals against a real backend: connection refused, then 503 / UNAVAILABLE,
 * then OK (everything arrives, in order, retries counted, nothing dropped); throttling
 * hints honoured; permanent errors (400 / INVALID_ARGUMENT) drop only the bad batch,
 * counted and logged, while later batches flow; partial success counted.
 */
import { strict as assert } from 'node:assert';
import { GrpcCode } from '../../exporter/helper/outcome';
import type { Reply } from './otlp-backend';
import { OtlpBackend } from './otlp-backend';
import { makeRecords, orderAndCounts, tempDir, waitFor } from './otlp-fakes';
import type { Transport } from './otlp-harness';
import { logsExporter, shutdownAll } from './otlp-harness';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

for (const transport of ['grpc', 'http'] as const satisfies readonly Transport[]) {
  describe(`otlp exporters: outage and refusals (${transport})`, function () {
    this.timeout(40_000);
    const backend = new OtlpBackend();
    const endpoint = (): string => (transport === 'grpc' ? backend.grpcEndpoint : backend.httpEndpoint);
    const unavailable: Reply = transport === 'grpc' ? { grpcCode: GrpcCode.UNAVAILABLE } : { httpStatus: 503 };
    const invalid: Reply = transport === 'grpc' ? { grpcCode: GrpcCode.INVALID_ARGUMENT, message: 'bad data' } : { httpStatus: 400, message: 'bad data' };

    before(() => backend.start());
    afterEach(() => shutdownAll());
    after(() => backend.stop());
    beforeEach(() => {
      backend.records.length = 0;
      backend.requests.length = 0;
      backend.reply = () => ({ ok: true });
    });

    it('refused, then unavailable, then OK: everything arrives in order, retries counted, nothing dropped', async () => {
      await backend.stop();
      const dir = tempDir('outage');
      const { exporter, telemetry } = await logsExporter(transport, endpoint(), dir);
      const N = 2000;
      // consumeLogs resolves while the backend is down: the records are on disk.
      for (let i = 0; i < N; i += 100) await exporter.consumeLogs(makeRecords(i, 100));
      await sleep(400);
      assert.equal(backend.records.length, 0);
      assert.ok(telemetry.count('records_retried_total') > 0, 'refused connections are retried');

      backend.reply = () => unavailable;
      await backend.start();
      await waitFor(() => backend.requests.length >= 3, 10_000, 'requests answered unavailable');
      const retriedBeforeRecovery = telemetry.count('records_retried_total');
      backend.reply = () => ({ ok: true });

      await waitFor(() => backend.records.length >= N, 20_000, `${N} records after the outage`);
      await exporter.shutdown();
      const check = orderAndCounts(backend.records, N);
      assert.ok(check.inOrder, 'order holds per resource');
      assert.deepEqual(check.missing, []);
      assert.equal(check.duplicates, 0);
      assert.ok(retriedBeforeRecovery >= 3 * 100, 'every refused or unavailable attempt counted as retried');
      assert.equal(telemetry.count('records_exported_total'), N);
      assert.equal(telemetry.count('records_dropped_total'), 0);
      assert.ok(telemetry.logged('warn', /export failed; retrying/).length >= 1);
      assert.ok(telemetry.logged('info', /export recovered/).length >= 1);
      assert.equal(telemetry.logged('error', /./).length, 0);
    });

    it('honours the server throttle hint (Retry-After / RetryInfo)', async () => {
      const dir = tempDir('throttle');
      const times: number[] = [];
      backend.reply = () => {
        times.push(Date.now());
        if (times.length > 1) return { ok: true };
        return transport === 'grpc' ? { grpcCode: GrpcCode.RESOURCE_EXHAUSTED, retryDelayMs: 900 } : { httpStatus: 429, retryAfter: '1' };
      };
      const { exporter, telemetry } = await logsExporter(transport, endpoint(), dir);
      await exporter.consumeLogs(makeRecords(0, 10));
      await waitFor(() => backend.records.length >= 10, 10_000, 'the throttled batch');
      await exporter.shutdown();
      assert.equal(times.length, 2);
      // Backoff alone would wait at most 150 ms here.
      assert.ok(times[1]! - times[0]! >= 850, `waited ${times[1]! - times[0]!} ms`);
      assert.equal(telemetry.count('records_retried_total'), 10);
      assert.equal(telemetry.count('records_dropped_total'), 0);
    });

    it('permanent error: the batch is dropped, counted and logged; later batches flow', async () => {
      const dir = tempDir('permanent');
      backend.reply = (req) => (req.records.some((r) => r.body === 'record 15') ? invalid : { ok: true });
      const { exporter, telemetry, core } = await logsExporter(transport, endpoint(), dir);
      for (let b = 0; b < 5; b++) {
        await exporter.consumeLogs(makeRecords(b * 10, 10));
        await waitFor(() => core.queueDepth.records === 0, 10_000, `batch ${b} handled`);
      }
      await exporter.shutdown();
      const check = orderAndCounts(backend.records, 50);
      assert.deepEqual(check.missing, [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
      assert.ok(check.inOrder);
      assert.equal(telemetry.count('records_dropped_total', { reason: 'permanent_error' }), 10);
      assert.equal(telemetry.count('records_exported_total'), 40);
      assert.equal(telemetry.count('records_retried_total'), 0, 'permanent errors are not retried');
      const errors = telemetry.logged('error', /refused a batch permanently/);
      assert.equal(errors.length, 1);
      assert.equal(errors[0]!.fields.items, 10);
      assert.match(String(errors[0]!.fields.error), transport === 'grpc' ? /INVALID_ARGUMENT: bad data/ : /HTTP 400: bad data/);
    });

    it('a permanent error on a merged request resends its batches one by one and drops only the bad one', async () => {
      const dir = tempDir('split');
      backend.reply = () => unavailable;
      const { exporter, telemetry } = await logsExporter(transport, endpoint(), dir);
      for (let b = 0; b < 6; b++) await exporter.consumeLogs(makeRecords(b * 10, 10));
      await waitFor(() => backend.requests.length >= 1, 5000, 'a first attempt');
      backend.reply = (req) => (req.records.some((r) => r.body === 'record 25') ? invalid : { ok: true });
      await waitFor(() => telemetry.count('records_exported_total') + telemetry.count('records_dropped_total') >= 60, 10_000, 'all batches handled');
      await exporter.shutdown();
      const check = orderAndCounts(backend.records, 60);
      assert.deepEqual(check.missing, [20, 21, 22, 23, 24, 25, 26, 27, 28, 29]);
      assert.ok(check.inOrder);
      assert.equal(check.duplicates, 0);
      assert.equal(telemetry.count('records_dropped_total', { reason: 'permanent_error' }), 10);
      assert.equal(telemetry.logged('warn', /one by one/).length, 1);
    });

    it('RESOURCE_EXHAUSTED without RetryInfo / HTTP 413 are permanent', async () => {
      const dir = tempDir('exhausted');
      backend.reply = () => (transport === 'grpc' ? { grpcCode: GrpcCode.RESOURCE_EXHAUSTED, message: 'too big' } : { httpStatus: 413 });
      const { exporter, telemetry, core } = await logsExporter(transport, endpoint(), dir);
      await exporter.consumeLogs(makeRecords(0, 5));
      await waitFor(() => core.queueDepth.records === 0, 5000, 'the batch handled');
      await exporter.shutdown();
      assert.equal(backend.requests.length, 1);
      assert.equal(telemetry.count('records_dropped_total', { reason: 'permanent_error' }), 5);
    });

    it('partial success: rejected records are counted as dropped and logged, the rest as exported', async () => {
      const dir = tempDir('partial');
      backend.reply = () => ({ ok: true, rejected: 3, message: 'three records too old' });
      const { exporter, telemetry, core } = await logsExporter(transport, endpoint(), dir);
      await exporter.consumeLogs(makeRecords(0, 10));
      await waitFor(() => core.queueDepth.records === 0, 5000, 'the batch handled');
      await exporter.shutdown();
      assert.equal(backend.requests.length, 1, 'a partial success is not retried');
      assert.equal(telemetry.count('records_exported_total'), 7);
      assert.equal(telemetry.count('records_dropped_total', { reason: 'partial_success' }), 3);
      const warn = telemetry.logged('warn', /partial success/);
      assert.equal(warn.length, 1);
      assert.equal(warn[0]!.fields.message, 'three records too old');
    });

    it('max_elapsed_time bounds retries when set: the batch is dropped with reason retry_exhausted', async () => {
      const dir = tempDir('elapsed');
      backend.reply = () => unavailable;
      const { exporter, telemetry, core } = await logsExporter(transport, endpoint(), dir, {
        retry_on_failure: { initial_interval: '20ms', max_interval: '50ms', max_elapsed_time: '300ms' },
      });
      await exporter.consumeLogs(makeRecords(0, 4));
      await waitFor(() => core.queueDepth.records === 0, 5000, 'the batch given up');
      await exporter.shutdown();
      assert.equal(telemetry.count('records_dropped_total', { reason: 'retry_exhausted' }), 4);
      assert.ok(telemetry.count('records_retried_total') >= 4);
      assert.equal(telemetry.logged('error', /max_elapsed_time/).length, 1);
    });
  });
}
