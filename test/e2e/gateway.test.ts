/**
 * The sidecar as an OTLP gateway, run from the bundled example configuration
 * (collector-config/examples/otlp-gateway.yaml, addresses and storage from the
 * environment): the real OpenTelemetry JS exporters send to its otlp receiver, and its
 * otlp exporter forwards to the test backend.
 *  - Traces arrive unchanged: the same spans exported straight to the backend by the same
 *    exporter are the reference, and what came through the sidecar must decode to exactly
 *    the same request (gRPC, HTTP protobuf and HTTP JSON on the way in).
 *  - Raw Kata text sent as OTLP log records is parsed on the way through.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ExportTraceServiceRequest } from '../../pdata/otlp/codec';
import { Backend } from './backend';
import { metricSum, ROOT, Sidecar, tempDir, waitFor } from './sidecar';
import { kataLine } from './stream';

const GATEWAY = join(ROOT, 'collector-config', 'examples', 'otlp-gateway.yaml');

/** A small Kata-looking trace: a server span, a child with an event, a link and an error status. */
function makeSpans(): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'kata-runtime', 'kata.sandbox.id': 'sb-e2e', 'host.name': 'node-7' }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('kata-tracer', '3.2.0');
  const root = tracer.startSpan('CreateSandbox', { kind: SpanKind.SERVER, startTime: [1763618400, 1], attributes: { sandbox_id: 'sb-e2e', vcpus: 2, ratio: 0.5, ok: true, tags: ['a', 'b'] } });
  const ctx = trace.setSpan(context.active(), root);
  const vm = tracer.startSpan('StartVM', { startTime: [1763618400, 500], links: [{ context: root.spanContext(), attributes: { why: 'test' } }] }, ctx);
  vm.addEvent('vm booted', { hypervisor: 'qemu' }, [1763618401, 0]);
  vm.setStatus({ code: SpanStatusCode.ERROR, message: 'boot slow' });
  vm.end([1763618402, 0]);
  for (let i = 0; i < 20; i++) tracer.startSpan(`agent.rpc.${i}`, { kind: SpanKind.CLIENT, startTime: [1763618402, i] }, ctx).end([1763618402, 1000 + i]);
  root.end([1763618403, 0]);
  return memory.getFinishedSpans();
}

function exportWith(exporter: SpanExporter, spans: ReadableSpan[]): Promise<void> {
  return new Promise((resolve, reject) => {
    exporter.export(spans, (r: ExportResult) => (r.code === 0 ? resolve() : reject(r.error ?? new Error('export failed'))));
  });
}

/** The request as decoded, resourceSpans of several requests in one list (JSON form for deepEqual). */
function normalized(reqs: ExportTraceServiceRequest[]): unknown {
  return JSON.parse(JSON.stringify(reqs.flatMap((r) => r.resourceSpans ?? []), (_k, v: unknown) => {
    if (v !== null && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer') return Buffer.from((v as { data: number[] }).data).toString('hex');
    return v;
  }));
}

describe('e2e: OTLP gateway (collector-config/examples/otlp-gateway.yaml)', function () {
  this.timeout(60_000);
  const backend = new Backend();
  let sidecar: Sidecar;
  let grpcAddr = '';
  let httpAddr = '';

  before(async () => {
    await backend.start();
    const dir = tempDir('gateway');
    sidecar = await Sidecar.start(GATEWAY, dir, {
      env: {
        OTLP_GRPC_LISTEN: '127.0.0.1:0',
        OTLP_HTTP_LISTEN: '127.0.0.1:0',
        OTLP_ENDPOINT: backend.endpoint,
        KATA_OTEL_STORAGE: join(dir, 'data'),
        KATA_OTEL_TELEMETRY_ADDRESS: '127.0.0.1:0',
      },
    });
    const listening = sidecar.logged(/otlp receiver listening/)[0]!;
    grpcAddr = String(listening.grpc);
    httpAddr = String(listening.http);
  });

  after(async () => {
    const exit = await sidecar.terminate();
    backend.stop();
    assert.deepEqual(exit, { code: 0, signal: null }, sidecar.output());
  });

  beforeEach(() => {
    backend.traces.length = 0;
    backend.records.length = 0;
  });

  it('spans from the OpenTelemetry JS exporters (gRPC, HTTP protobuf, HTTP JSON) arrive at the backend unchanged', async () => {
    const spans = makeSpans();
    // The reference: the same spans, the same exporter, straight to the backend.
    const direct = new GrpcTraceExporter({ url: backend.endpoint });
    await exportWith(direct, spans);
    await direct.shutdown();
    assert.equal(backend.traces.length, 1);
    const reference = normalized(backend.traces.splice(0));

    const ways: Array<[string, SpanExporter]> = [
      ['gRPC', new GrpcTraceExporter({ url: `http://${grpcAddr}` })],
      ['HTTP protobuf', new ProtoTraceExporter({ url: `http://${httpAddr}/v1/traces` })],
      ['HTTP JSON', new JsonTraceExporter({ url: `http://${httpAddr}/v1/traces` })],
    ];
    for (const [name, exporter] of ways) {
      await exportWith(exporter, spans);
      await exporter.shutdown();
      await waitFor(() => backend.traces.length > 0, 10_000, `the ${name} spans at the backend`, sidecar.output.bind(sidecar));
      const got = normalized(backend.traces.splice(0));
      assert.deepEqual(got, reference, `${name}: the request decodes the same after the sidecar`);
    }
    const m = await sidecar.metrics();
    assert.equal(metricSum(m, 'kata_otel_receiver_otlp_accepted_spans_total'), 3 * spans.length);
  });

  it('raw Kata text sent as OTLP log records is parsed on the way through', async () => {
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'host.name': 'node-7' }),
      processors: [new BatchLogRecordProcessor({ exporter: new GrpcLogExporter({ url: `http://${grpcAddr}` }), scheduledDelayMillis: 20 })],
    });
    const logger = provider.getLogger('collector-filelog');
    const N = 200;
    for (let i = 1; i <= N; i++) logger.emit({ body: kataLine(3, i), attributes: { 'log.file.path': '/var/log/kata/shim.log' } });
    await provider.forceFlush();
    await provider.shutdown();
    await waitFor(() => backend.records.length >= N, 10_000, 'the log records at the backend', sidecar.output.bind(sidecar));
    assert.equal(backend.records.length, N);
    backend.records.forEach((r, i) => {
      assert.equal(r.body, `e2e f3 seq ${i + 1}`);
      assert.equal(r.attributes['kata.log.format'], 'logfmt');
      assert.equal(r.attributes['kata.sandbox.id'], '5c7f2a9e1b3d4c6f8a0b2c4d6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f');
      assert.equal(r.attributes['log.file.path'], '/var/log/kata/shim.log');
      assert.equal(r.resource['host.name'], 'node-7');
      assert.equal(r.resource['service.name'], 'containerd-shim-kata-v2');
    });
  });
});
