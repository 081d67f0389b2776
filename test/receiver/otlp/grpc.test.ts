/**
 * OTLP/gRPC status codes with grpc-js's generic client and raw messages: undecodable
 * requests, the size limit after gzip, the consumer's answers (with RetryInfo), empty
 * requests, partial success and unknown methods.
 */
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { PermanentError, RetryableError } from '../../../component/errors';
import { decodeExportLogsResponse, encodeExportTraceRequest } from '../../../pdata/otlp/codec';
import { LOGS_EXPORT_METHOD_PATH, TRACES_EXPORT_METHOD_PATH } from '../../../pdata/otlp/schema';
import { decodeRpcStatus } from '../../../receiver/otlp/status';
import { grpcUnary, logsRequestBytes, startReceiver, textRecord, type RunningReceiver } from './helpers';

function statusDetails(err: grpc.ServiceError) {
  const bin = err.metadata.get('grpc-status-details-bin')[0];
  assert.ok(Buffer.isBuffer(bin), 'grpc-status-details-bin is present');
  return decodeRpcStatus(bin);
}

describe('otlp receiver: OTLP/gRPC', function () {
  let r: RunningReceiver;

  before(async () => {
    r = await startReceiver({ grpc: { max_recv_msg_size_mib: 4 / 1024 } });
  });

  after(async () => {
    await r.stop();
  });

  beforeEach(() => {
    r.logs.records.length = 0;
    r.logs.behaviour = undefined;
    r.traces.requests.length = 0;
    r.traces.behaviour = undefined;
    r.telemetry.lines.length = 0;
  });

  const call = (path: string, msg: Buffer, opts: Parameters<typeof grpcUnary>[3] = {}) => grpcUnary(r.grpcPort, path, msg, opts);

  it('success: an empty response message (partial_success unset), records delivered', async () => {
    const res = await call(LOGS_EXPORT_METHOD_PATH, logsRequestBytes([textRecord('hello'), textRecord('world')]));
    assert.equal(res.error, undefined);
    assert.deepEqual(decodeExportLogsResponse(res.response!), {});
    assert.deepEqual(r.logs.records.map((x) => x.body), ['hello', 'world']);
  });

  it('gzip-compressed messages are accepted', async () => {
    const res = await call(LOGS_EXPORT_METHOD_PATH, logsRequestBytes([textRecord('zipped')]), { gzip: true });
    assert.equal(res.error, undefined);
    assert.deepEqual(r.logs.records.map((x) => x.body), ['zipped']);
  });

  it('an empty request succeeds without reaching the pipeline', async () => {
    let calls = 0;
    r.logs.behaviour = () => {
      calls++;
      return undefined;
    };
    const a = await call(LOGS_EXPORT_METHOD_PATH, Buffer.alloc(0));
    assert.equal(a.error, undefined);
    assert.equal(a.response!.length, 0);
    const b = await call(TRACES_EXPORT_METHOD_PATH, Buffer.alloc(0));
    assert.equal(b.error, undefined);
    assert.equal(calls, 0);
    assert.equal(r.traces.requests.length, 0);
  });

  it('INVALID_ARGUMENT for an undecodable message; one warning, no body in it', async () => {
    const res = await call(LOGS_EXPORT_METHOD_PATH, Buffer.from('\xff\xff\xffSECRET-GARBAGE', 'latin1'));
    assert.equal(res.error?.code, grpc.status.INVALID_ARGUMENT);
    assert.match(res.error!.details, /not a valid protobuf ExportLogsServiceRequest/);
    assert.equal(statusDetails(res.error!).code, grpc.status.INVALID_ARGUMENT);
    const warnings = r.telemetry.warnings();
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.fields.transport, 'grpc');
    assert.doesNotMatch(JSON.stringify(r.telemetry.lines), /SECRET-GARBAGE/);
    assert.equal(r.logs.records.length, 0);
  });

  it('RESOURCE_EXHAUSTED (not retryable: no RetryInfo) when the message is over the limit after gzip', async () => {
    const before = r.telemetry.value('receiver_otlp_failed_requests_total', { transport: 'grpc', reason: 'too_large' });
    const big = logsRequestBytes([textRecord('x'.repeat(64 * 1024))]);
    const res = await call(LOGS_EXPORT_METHOD_PATH, big, { gzip: true });
    assert.equal(res.error?.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.equal(res.error!.metadata.get('grpc-status-details-bin').length, 0, 'no RetryInfo');
    assert.equal(r.logs.records.length, 0);
    assert.equal(r.telemetry.value('receiver_otlp_failed_requests_total', { transport: 'grpc', reason: 'too_large' }) - before, 1);
    assert.equal(r.telemetry.warnings().length, 1);
    // Under the limit: fine.
    const ok = await call(LOGS_EXPORT_METHOD_PATH, logsRequestBytes([textRecord('y'.repeat(3000))]), { gzip: true });
    assert.equal(ok.error, undefined);
  });

  it('partial success: the unconvertible record is counted in rejected_log_records', async () => {
    const bad = textRecord('bad', { spanId: Buffer.from([1, 2, 3]) });
    const res = await call(LOGS_EXPORT_METHOD_PATH, logsRequestBytes([bad, textRecord('good')]));
    assert.equal(res.error, undefined);
    const decoded = decodeExportLogsResponse(res.response!);
    assert.equal(decoded.partialSuccess?.rejectedLogRecords, '1');
    assert.match(decoded.partialSuccess?.errorMessage ?? '', /span_id must be 8 bytes, got 3/);
    assert.deepEqual(r.logs.records.map((x) => x.body), ['good']);
  });

  it('PermanentError → INVALID_ARGUMENT', async () => {
    r.logs.behaviour = () => new PermanentError('KO_ERR_TEST_BAD', 'nope');
    const res = await call(LOGS_EXPORT_METHOD_PATH, logsRequestBytes([textRecord('x')]));
    assert.equal(res.error?.code, grpc.status.INVALID_ARGUMENT);
    assert.match(res.error!.details, /KO_ERR_TEST_BAD: nope/);
    assert.equal(statusDetails(res.error!).retryDelayMs, undefined);
  });

  it('RetryableError → UNAVAILABLE with RetryInfo carrying retryAfterMs', async () => {
    r.logs.behaviour = () => new RetryableError('KO_ERR_QUEUE_FULL', 'queue full', 1500);
    const res = await call(LOGS_EXPORT_METHOD_PATH, logsRequestBytes([textRecord('x')]));
    assert.equal(res.error?.code, grpc.status.UNAVAILABLE);
    const details = statusDetails(res.error!);
    assert.equal(details.code, grpc.status.UNAVAILABLE);
    assert.equal(details.retryDelayMs, 1500);
    assert.equal(r.logs.records.length, 0);
  });

  it('any other rejection → UNAVAILABLE without RetryInfo', async () => {
    r.logs.behaviour = () => new Error('busy');
    const res = await call(LOGS_EXPORT_METHOD_PATH, logsRequestBytes([textRecord('x')]));
    assert.equal(res.error?.code, grpc.status.UNAVAILABLE);
    assert.equal(statusDetails(res.error!).retryDelayMs, undefined);
  });

  it('traces: decoded request to the trace pipeline; its rejections map the same way', async () => {
    const msg = Buffer.from(encodeExportTraceRequest({ resourceSpans: [{ scopeSpans: [{ spans: [{
      traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, 2), name: 'op', startTimeUnixNano: '1700000000000000000',
    }] }] }] }));
    const ok = await call(TRACES_EXPORT_METHOD_PATH, msg);
    assert.equal(ok.error, undefined);
    assert.equal(r.traces.requests.length, 1);
    r.traces.behaviour = () => new PermanentError('KO_ERR_TEST', 'no');
    assert.equal((await call(TRACES_EXPORT_METHOD_PATH, msg)).error?.code, grpc.status.INVALID_ARGUMENT);
    r.traces.behaviour = () => new RetryableError('KO_ERR_TEST', 'later');
    assert.equal((await call(TRACES_EXPORT_METHOD_PATH, msg)).error?.code, grpc.status.UNAVAILABLE);
    const bad = await call(TRACES_EXPORT_METHOD_PATH, Buffer.from([0xff, 0xff]));
    assert.equal(bad.error?.code, grpc.status.INVALID_ARGUMENT);
  });

  it('UNIMPLEMENTED for a method that is not OTLP logs or traces', async () => {
    const res = await call('/opentelemetry.proto.collector.metrics.v1.MetricsService/Export', Buffer.alloc(0));
    assert.equal(res.error?.code, grpc.status.UNIMPLEMENTED);
  });
});
