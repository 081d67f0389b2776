/**
 * The real OpenTelemetry JS trace exporters send spans through a BasicTracerProvider with a
 * BatchSpanProcessor; the trace pipeline must get the decoded ExportTraceServiceRequest
 * (bytes as Buffers, 64-bit integers as decimal strings) with exactly those spans.
 */
import assert from 'node:assert/strict';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { ExportTraceServiceRequest, PbKeyValue, PbSpan } from '../../../pdata/otlp/codec';
import { encodeExportTraceRequest } from '../../../pdata/otlp/codec';
import { startReceiver, type RunningReceiver } from './helpers';

interface Sent {
  traceId: string;
  parentId: string;
  childId: string;
}

async function sendSpans(exporter: SpanExporter): Promise<Sent> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'kata-runtime', 'kata.sandbox.id': 'sb1' }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 50 })],
  });
  const tracer = provider.getTracer('kata-tracer', '0.9');
  const parent = tracer.startSpan('CreateSandbox', {
    kind: SpanKind.SERVER,
    startTime: [1700000000, 1],
    attributes: { sandbox_id: 'sb1', vcpus: 2 },
  });
  const child = tracer.startSpan('StartVM', { startTime: [1700000000, 500] }, trace.setSpan(context.active(), parent));
  child.addEvent('vm booted', { hypervisor: 'qemu' }, [1700000001, 0]);
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'boot slow' });
  child.end([1700000002, 0]);
  parent.end([1700000003, 0]);
  await provider.forceFlush();
  await provider.shutdown();
  return { traceId: parent.spanContext().traceId, parentId: parent.spanContext().spanId, childId: child.spanContext().spanId };
}

function attr(kvs: PbKeyValue[] | null | undefined, key: string): unknown {
  const v = kvs?.find((kv) => kv.key === key)?.value;
  return v?.stringValue ?? v?.intValue ?? v?.doubleValue ?? v?.boolValue;
}

function checkRequest(reqs: ExportTraceServiceRequest[], sent: Sent): void {
  const spans: PbSpan[] = [];
  for (const req of reqs) {
    for (const rs of req.resourceSpans ?? []) {
      assert.equal(attr(rs.resource?.attributes, 'service.name'), 'kata-runtime');
      assert.equal(attr(rs.resource?.attributes, 'kata.sandbox.id'), 'sb1');
      for (const ss of rs.scopeSpans ?? []) {
        assert.equal(ss.scope?.name, 'kata-tracer');
        assert.equal(ss.scope?.version, '0.9');
        spans.push(...(ss.spans ?? []));
      }
    }
  }
  assert.equal(spans.length, 2);
  const parent = spans.find((s) => s.name === 'CreateSandbox')!;
  const child = spans.find((s) => s.name === 'StartVM')!;
  assert.ok(Buffer.isBuffer(parent.traceId), 'ids are Buffers');
  assert.equal(Buffer.from(parent.traceId!).toString('hex'), sent.traceId);
  assert.equal(Buffer.from(parent.spanId!).toString('hex'), sent.parentId);
  assert.equal(Buffer.from(child.traceId!).toString('hex'), sent.traceId);
  assert.equal(Buffer.from(child.spanId!).toString('hex'), sent.childId);
  assert.equal(Buffer.from(child.parentSpanId!).toString('hex'), sent.parentId);
  assert.equal(parent.kind, 2); // SERVER
  assert.equal(child.kind, 1); // INTERNAL
  assert.equal(parent.startTimeUnixNano, '1700000000000000001');
  assert.equal(parent.endTimeUnixNano, '1700000003000000000');
  assert.equal(attr(parent.attributes, 'sandbox_id'), 'sb1');
  assert.equal(attr(parent.attributes, 'vcpus'), '2');
  assert.equal(child.events?.length, 1);
  assert.equal(child.events![0]!.name, 'vm booted');
  assert.equal(child.events![0]!.timeUnixNano, '1700000001000000000');
  assert.equal(attr(child.events![0]!.attributes, 'hypervisor'), 'qemu');
  assert.deepEqual({ ...child.status }, { code: 2, message: 'boot slow' });
  // What the pipeline gets re-encodes with the same schema (the exporters' path).
  for (const req of reqs) assert.ok(encodeExportTraceRequest(req).length > 0);
}

describe('otlp receiver: OpenTelemetry JS trace exporters', function () {
  let r: RunningReceiver;

  before(async () => {
    r = await startReceiver();
  });

  after(async () => {
    await r.stop();
  });

  beforeEach(() => {
    r.traces.requests.length = 0;
  });

  const gzip = CompressionAlgorithm.GZIP;
  const cases: { name: string; transport: 'grpc' | 'http'; make: () => SpanExporter }[] = [
    { name: 'gRPC', transport: 'grpc', make: () => new GrpcTraceExporter({ url: `http://127.0.0.1:${r.grpcPort}` }) },
    { name: 'gRPC with gzip', transport: 'grpc', make: () => new GrpcTraceExporter({ url: `http://127.0.0.1:${r.grpcPort}`, compression: gzip }) },
    { name: 'HTTP protobuf', transport: 'http', make: () => new ProtoTraceExporter({ url: `http://127.0.0.1:${r.httpPort}/v1/traces` }) },
    { name: 'HTTP protobuf with gzip', transport: 'http', make: () => new ProtoTraceExporter({ url: `http://127.0.0.1:${r.httpPort}/v1/traces`, compression: gzip }) },
    { name: 'HTTP JSON', transport: 'http', make: () => new JsonTraceExporter({ url: `http://127.0.0.1:${r.httpPort}/v1/traces` }) },
    { name: 'HTTP JSON with gzip', transport: 'http', make: () => new JsonTraceExporter({ url: `http://127.0.0.1:${r.httpPort}/v1/traces`, compression: gzip }) },
  ];

  for (const c of cases) {
    it(`${c.name}: the trace pipeline receives the spans, decoded`, async () => {
      const before = r.telemetry.value('receiver_otlp_accepted_spans_total', { transport: c.transport });
      const sent = await sendSpans(c.make());
      checkRequest(r.traces.requests as ExportTraceServiceRequest[], sent);
      assert.equal(r.telemetry.value('receiver_otlp_accepted_spans_total', { transport: c.transport }) - before, 2);
      assert.equal(r.logs.records.length, 0, 'spans are not log records');
    });
  }
});
