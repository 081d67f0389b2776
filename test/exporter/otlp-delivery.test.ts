/**
 * Delivery through both exporters to a real OTLP backend decoding with our schema: every
 * record arrives, in order, with body, times, severity, attributes (typed), ids, resource
 * and scope; traces pass through; headers, gzip and JSON encoding reach the server.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SCOPE_VERSION } from '../../exporter/helper/logs-encoding';
import type { ExportTraceServiceRequest } from '../../pdata/otlp/codec';
import { OtlpBackend } from './otlp-backend';
import { makeRecords, orderAndCounts, RESOURCE_A, RESOURCE_B, seqOf, tempDir, waitFor } from './otlp-fakes';
import type { Transport } from './otlp-harness';
import { logsExporter, shutdownAll, tracesExporter } from './otlp-harness';

function sampleTrace(n: number): ExportTraceServiceRequest {
  return {
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'kata-shim' } }] },
      scopeSpans: [{
        scope: { name: 'kata', version: '3' },
        spans: Array.from({ length: n }, (_, i) => ({
          traceId: Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex'),
          spanId: Buffer.from(`b7ad6b71692033${String(10 + i).padStart(2, '0')}`, 'hex'),
          name: `span-${i}`,
          kind: 2,
          startTimeUnixNano: '1700000000000000000',
          endTimeUnixNano: '1700000000500000000',
          attributes: [{ key: 'sandbox_id', value: { stringValue: 'sb1' } }],
        })),
      }],
    }],
  };
}

describe('otlp exporters: delivery', function () {
  this.timeout(30_000);
  const backend = new OtlpBackend();
  before(() => backend.start());
  afterEach(() => shutdownAll());
  after(() => backend.stop());
  beforeEach(() => {
    backend.records.length = 0;
    backend.requests.length = 0;
    backend.traces.length = 0;
    backend.reply = () => ({ ok: true });
  });

  const cases: Array<{ transport: Transport; extra: Record<string, unknown>; label: string }> = [
    { transport: 'grpc', extra: {}, label: 'otlp (gRPC, gzip)' },
    { transport: 'grpc', extra: { compression: 'none' }, label: 'otlp (gRPC, uncompressed)' },
    { transport: 'http', extra: {}, label: 'otlphttp (protobuf, gzip)' },
    { transport: 'http', extra: { encoding: 'json', compression: 'none' }, label: 'otlphttp (JSON, uncompressed)' },
  ];

  for (const c of cases) {
    it(`${c.label}: N records arrive in order with bodies, times, attributes, ids, resource and scope`, async () => {
      const dir = tempDir('delivery');
      const endpoint = c.transport === 'grpc' ? backend.grpcEndpoint : backend.httpEndpoint;
      const { exporter, core, telemetry } = await logsExporter(c.transport, endpoint, dir, { headers: { 'x-tenant': 'kata' }, ...c.extra });
      const N = 3000;
      for (let i = 0; i < N; i += 500) await exporter.consumeLogs(makeRecords(i, 500));
      await waitFor(() => backend.records.length >= N, 15_000, `${N} records at the backend`);
      await exporter.shutdown();

      const check = orderAndCounts(backend.records, N);
      assert.ok(check.inOrder, 'records of each resource arrive in order');
      assert.deepEqual(check.missing, []);
      assert.equal(check.duplicates, 0);
      assert.equal(backend.records.length, N);
      const expected = makeRecords(0, N);
      for (const got of backend.records) {
        const i = seqOf(got.body);
        const want = expected[i]!;
        assert.equal(got.timeUnixNano, want.timeUnixNano);
        assert.equal(got.observedTimeUnixNano, want.observedTimeUnixNano);
        assert.equal(got.severityNumber, want.severityNumber);
        assert.equal(got.severityText, want.severityText);
        assert.equal(got.eventName, want.eventName);
        assert.equal(got.traceId, want.traceId);
        assert.equal(got.spanId, want.spanId);
        assert.deepEqual(got.attributes, {
          'test.seq': `int:${i}`, 'test.ratio': i + 0.5, 'test.flag': i % 2 === 0, 'kata.subsystem': 'katautils', 'test.list': ['a', String(i)],
        });
        assert.deepEqual(got.resource, want.resource === RESOURCE_B ? { ...RESOURCE_B } : { ...RESOURCE_A });
        assert.equal(got.scope, `kata-otel@${SCOPE_VERSION}`);
      }
      const req = backend.requests[0]!;
      assert.equal(req.transport, c.transport);
      assert.equal(req.headers['x-tenant'], 'kata');
      assert.match(req.headers['user-agent'] ?? '', /kata-otel\//);
      if (c.transport === 'http') {
        assert.equal(req.encoding, c.extra.encoding === 'json' ? 'json' : 'proto');
        assert.equal(req.gzip, c.extra.compression !== 'none');
      }
      assert.equal(telemetry.count('records_enqueued_total'), N);
      assert.equal(telemetry.count('records_exported_total'), N);
      assert.equal(telemetry.count('records_dropped_total'), 0);
      assert.equal(telemetry.gaugeValue('queue_depth'), 0);
      assert.equal(core.queueDepth.records, 0);
      assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.sqlite')), ['exporter_otlp_logs.sqlite']);
    });
  }

  it('merges queued batches into one request when they have piled up', async () => {
    backend.reply = () => ({ httpStatus: 503 });
    const dir = tempDir('merge');
    const { exporter } = await logsExporter('http', backend.httpEndpoint, dir);
    for (let i = 0; i < 10; i++) await exporter.consumeLogs(makeRecords(i * 10, 10));
    backend.reply = () => ({ ok: true });
    await waitFor(() => backend.records.length >= 100, 10_000, '100 records');
    await exporter.shutdown();
    const check = orderAndCounts(backend.records, 100);
    assert.ok(check.inOrder);
    assert.deepEqual(check.missing, []);
    assert.equal(backend.records.length, 100);
    assert.ok(backend.requests.some((r) => r.records.length > 10), 'some request carried more than one queued batch');
  });

  for (const transport of ['grpc', 'http'] as const) {
    it(`${transport}: traces pass through untouched (TraceService / /v1/traces)`, async () => {
      const dir = tempDir('traces');
      const { exporter, telemetry } = await tracesExporter(transport, transport === 'grpc' ? backend.grpcEndpoint : backend.httpEndpoint, dir);
      await exporter.consumeTraces(sampleTrace(3) as never);
      await exporter.consumeTraces(sampleTrace(2) as never);
      await waitFor(() => backend.requests.filter((r) => r.signal === 'traces').reduce((n, r) => n + r.spans, 0) >= 5, 10_000, '5 spans');
      await exporter.shutdown();
      const spans = backend.traces.flatMap((t) => t.resourceSpans!.flatMap((rs) => rs.scopeSpans!.flatMap((ss) => ss.spans!)));
      assert.deepEqual(spans.map((s) => s.name), ['span-0', 'span-1', 'span-2', 'span-0', 'span-1']);
      assert.equal(Buffer.from(spans[0]!.traceId!).toString('hex'), '0af7651916cd43dd8448eb211c80319c');
      assert.equal(String(spans[0]!.endTimeUnixNano), '1700000000500000000');
      assert.equal(backend.traces[0]!.resourceSpans![0]!.scopeSpans![0]!.scope!.name, 'kata');
      assert.equal(telemetry.count('spans_exported_total'), 5);
      assert.equal(telemetry.count('records_exported_total'), 0);
      assert.ok(existsSync(join(dir, 'exporter_otlp_traces.sqlite')));
    });
  }

  for (const transport of ['grpc', 'http'] as const) {
    it(`${transport}: throughput on loopback (enqueue while down, then drain)`, async function () {
      this.timeout(60_000);
      const N = 100_000;
      const batches = Array.from({ length: N / 1000 }, (_, b) => makeRecords(b * 1000, 1000));
      backend.reply = () => ({ httpStatus: 503 });
      const dir = tempDir('throughput');
      const { exporter } = await logsExporter(transport, transport === 'grpc' ? backend.grpcEndpoint : backend.httpEndpoint, dir, {
        retry_on_failure: { initial_interval: '5s', max_interval: '5s' },
      });
      let t0 = performance.now();
      for (const b of batches) await exporter.consumeLogs(b);
      const enqueueSec = (performance.now() - t0) / 1000;
      backend.reply = () => ({ ok: true });
      backend.records.length = 0;
      // Replace the parked retry with a fresh exporter on the same queue.
      await exporter.shutdown();
      const again = await logsExporter(transport, transport === 'grpc' ? backend.grpcEndpoint : backend.httpEndpoint, dir);
      t0 = performance.now();
      await waitFor(() => again.core.queueDepth.records === 0, 50_000, 'the queue to drain');
      const drainSec = (performance.now() - t0) / 1000;
      console.log(`      ${transport}: enqueue ${Math.round(N / enqueueSec)} records/s (encode + commit), export ${Math.round(N / drainSec)} records/s (read + send + delete)`);
      assert.ok(backend.records.length >= N);
      // A floor far below the figures, so a busy CI machine does not flake; the log line is the measurement.
      assert.ok(N / enqueueSec > 5000 && N / drainSec > 5000);
    });
  }
});
