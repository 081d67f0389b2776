/**
 * The real OpenTelemetry JS log exporters (gRPC, HTTP protobuf, HTTP JSON; each plain and
 * gzipped) send through a LoggerProvider with a BatchLogRecordProcessor to the receiver on an
 * ephemeral loopback port; the pipeline must get exactly the records emitted.
 */
import assert from 'node:assert/strict';
import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { LogRecord } from '../../../pdata/log-record';
import { startReceiver, type RunningReceiver } from './helpers';

const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const SPAN_ID = 'eee19b7ec3c1b174';
const RESOURCE = { 'service.name': 'kata-otel-test', 'host.name': 'node-1', 'k8s.node.uid': 7 };
const KATA_LINE = 'time="2024-05-01T10:00:00.123456789Z" level=warning msg="sandbox slow" sandbox=abc';

/** Emits the three test records and flushes (which waits for the receiver's answer). */
async function sendThroughSdk(exporter: LogRecordExporter): Promise<void> {
  const provider = new LoggerProvider({
    resource: resourceFromAttributes(RESOURCE),
    processors: [new BatchLogRecordProcessor({ exporter, scheduledDelayMillis: 50 })],
  });
  const logger = provider.getLogger('kata-test-scope', '1.2.3');
  const ctx = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED, isRemote: true });
  logger.emit({
    timestamp: [1700000000, 123456789],
    observedTimestamp: [1700000005, 5],
    severityNumber: SeverityNumber.WARN,
    severityText: 'warning',
    body: KATA_LINE,
    attributes: {
      'container.id': 'c1',
      'process.pid': 4242,
      ratio: 0.25,
      ok: true,
      tags: ['a', 'b'],
      mixed: [1, 'x'],
      map: { k: 'v', n: 2 },
      raw: new Uint8Array([1, 2, 3]),
    },
    context: ctx,
  });
  logger.emit({
    timestamp: [1700000001, 0],
    observedTimestamp: [1700000006, 0],
    severityNumber: SeverityNumber.ERROR,
    severityText: 'ERROR',
    eventName: 'kata.test.event',
    body: { msg: 'structured', code: 7 },
  });
  logger.emit({ timestamp: [1700000002, 500], observedTimestamp: [1700000007, 0], body: '' });
  await provider.forceFlush();
  await provider.shutdown();
}

function expected(): Omit<LogRecord, 'resource'>[] {
  const scope = { 'otel.scope.name': 'kata-test-scope', 'otel.scope.version': '1.2.3' };
  return [
    {
      timeUnixNano: '1700000000123456789',
      observedTimeUnixNano: '1700000005000000005',
      severityNumber: 13,
      severityText: 'warning',
      body: KATA_LINE,
      eventName: '',
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      attributes: {
        'container.id': 'c1', 'process.pid': 4242, ratio: 0.25, ok: true, tags: ['a', 'b'],
        mixed: '[1,"x"]', map: '{"k":"v","n":2}', raw: 'AQID', ...scope,
      },
    },
    {
      timeUnixNano: '1700000001000000000',
      observedTimeUnixNano: '1700000006000000000',
      severityNumber: 17,
      severityText: 'ERROR',
      body: '{"msg":"structured","code":7}',
      eventName: 'kata.test.event',
      traceId: '',
      spanId: '',
      attributes: { ...scope },
    },
    {
      timeUnixNano: '1700000002000000500',
      observedTimeUnixNano: '1700000007000000000',
      severityNumber: 0,
      severityText: '',
      body: '',
      eventName: '',
      traceId: '',
      spanId: '',
      attributes: { ...scope },
    },
  ];
}

describe('otlp receiver: OpenTelemetry JS log exporters', function () {
  let r: RunningReceiver;

  before(async () => {
    r = await startReceiver();
  });

  after(async () => {
    await r.stop();
  });

  beforeEach(() => {
    r.logs.records.length = 0;
  });

  const gzip = CompressionAlgorithm.GZIP;
  const cases: { name: string; transport: 'grpc' | 'http'; make: () => LogRecordExporter }[] = [
    { name: 'gRPC', transport: 'grpc', make: () => new GrpcLogExporter({ url: `http://127.0.0.1:${r.grpcPort}` }) },
    { name: 'gRPC with gzip', transport: 'grpc', make: () => new GrpcLogExporter({ url: `http://127.0.0.1:${r.grpcPort}`, compression: gzip }) },
    { name: 'HTTP protobuf', transport: 'http', make: () => new ProtoLogExporter({ url: `http://127.0.0.1:${r.httpPort}/v1/logs` }) },
    { name: 'HTTP protobuf with gzip', transport: 'http', make: () => new ProtoLogExporter({ url: `http://127.0.0.1:${r.httpPort}/v1/logs`, compression: gzip }) },
    { name: 'HTTP JSON', transport: 'http', make: () => new JsonLogExporter({ url: `http://127.0.0.1:${r.httpPort}/v1/logs` }) },
    { name: 'HTTP JSON with gzip', transport: 'http', make: () => new JsonLogExporter({ url: `http://127.0.0.1:${r.httpPort}/v1/logs`, compression: gzip }) },
  ];

  for (const c of cases) {
    it(`${c.name}: the pipeline receives exactly the emitted records`, async () => {
      const before = r.telemetry.value('receiver_otlp_accepted_log_records_total', { transport: c.transport });
      await sendThroughSdk(c.make());
      await r.logs.waitFor(3);
      assert.equal(r.logs.records.length, 3);
      const got = r.logs.records.map(({ resource: _resource, ...rest }) => rest);
      assert.deepEqual(got, expected());
      // One interned, frozen resource for the three records, with exactly the SDK's resource.
      const resource = r.logs.records[0]!.resource;
      assert.deepEqual({ ...resource }, RESOURCE);
      assert.ok(Object.isFrozen(resource));
      assert.ok(r.logs.records.every((rec) => rec.resource === resource));
      assert.equal(r.telemetry.value('receiver_otlp_accepted_log_records_total', { transport: c.transport }) - before, 3);
      assert.equal(r.telemetry.warnings().length, 0, JSON.stringify(r.telemetry.warnings()));
    });
  }

  it('keeps the resource object shared across requests (interning)', async () => {
    await sendThroughSdk(new ProtoLogExporter({ url: `http://127.0.0.1:${r.httpPort}/v1/logs` }));
    await sendThroughSdk(new GrpcLogExporter({ url: `http://127.0.0.1:${r.grpcPort}` }));
    await r.logs.waitFor(6);
    assert.equal(r.logs.batches.at(-1)![0]!.resource, r.logs.batches.at(-2)![0]!.resource);
  });
});
