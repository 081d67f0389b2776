/**
 * OTLP/HTTP rules with a raw node:http client: media types, methods and paths, undecodable
 * bodies, the size limit after gzip, the consumer's answers, empty requests and partial
 * success, each with the status code, the google.rpc.Status body and what the pipeline got.
 */
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { PermanentError, RetryableError } from '../../../component/errors';
import { decodeExportLogsResponse, decodeExportTraceResponse } from '../../../pdata/otlp/codec';
import { decodeRpcStatus } from '../../../receiver/otlp/status';
import { httpPost, logsRequestBytes, startReceiver, textRecord, type RunningReceiver } from './helpers';

const PROTO = { 'Content-Type': 'application/x-protobuf' };
const JSON_CT = { 'Content-Type': 'application/json' };

describe('otlp receiver: OTLP/HTTP', function () {
  let r: RunningReceiver;

  before(async () => {
    // 4 KiB limit, so "too large" needs no big buffers.
    r = await startReceiver({ http: { max_request_body_size_mib: 4 / 1024 } });
  });

  after(async () => {
    await r.stop();
  });

  beforeEach(() => {
    r.logs.records.length = 0;
    r.logs.batches.length = 0;
    r.logs.behaviour = undefined;
    r.traces.requests.length = 0;
    r.telemetry.lines.length = 0;
  });

  const post = (path: string, body: Buffer | string, headers: Record<string, string | number> = PROTO, method?: string) =>
    httpPost(r.httpPort, path, body, method === undefined ? { headers } : { headers, method });

  describe('accepted requests', () => {
    it('protobuf: 200 with an empty ExportLogsServiceResponse in protobuf, records delivered', async () => {
      const res = await post('/v1/logs', logsRequestBytes([textRecord('one'), textRecord('two')]));
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-type'], 'application/x-protobuf');
      assert.deepEqual(decodeExportLogsResponse(res.body), {}, 'partial_success unset on full success');
      assert.deepEqual(r.logs.records.map((x) => x.body), ['one', 'two']);
      assert.deepEqual({ ...r.logs.records[0]!.resource }, { 'service.name': 'svc' });
    });

    it('JSON: hex ids, string int64s and integer enums are read per the OTLP/JSON rules; answer is JSON', async () => {
      const body = JSON.stringify({
        resourceLogs: [{
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'j' } }] },
          scopeLogs: [{
            scope: { name: 's', version: '2' },
            logRecords: [{
              timeUnixNano: '1544712660300000001',
              observedTimeUnixNano: 1544712661000000000, // a number is accepted too
              severityNumber: 10,
              severityText: 'Information',
              traceId: '5B8EFFF798038103D269B633813FC60C',
              spanId: 'EEE19B7EC3C1B174',
              body: { stringValue: 'Example log record' },
              attributes: [
                { key: 'int.attribute', value: { intValue: '10' } },
                { key: 'double.attribute', value: { doubleValue: 637.704 } },
                { key: 'array.attribute', value: { arrayValue: { values: [{ stringValue: 'many' }, { stringValue: 'values' }] } } },
                { key: 'no.value' },
              ],
              unknownField: 'ignored',
            }],
          }],
        }],
      });
      const res = await post('/v1/logs', body, JSON_CT);
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-type'], 'application/json');
      assert.deepEqual(JSON.parse(res.body.toString()), {});
      assert.equal(r.logs.records.length, 1);
      const rec = r.logs.records[0]!;
      assert.equal(rec.timeUnixNano, '1544712660300000001');
      assert.equal(rec.observedTimeUnixNano, '1544712661000000000');
      assert.equal(rec.severityNumber, 10);
      assert.equal(rec.traceId, '5b8efff798038103d269b633813fc60c');
      assert.equal(rec.spanId, 'eee19b7ec3c1b174');
      assert.deepEqual(rec.attributes, {
        'int.attribute': 10, 'double.attribute': 637.704, 'array.attribute': ['many', 'values'],
        'otel.scope.name': 's', 'otel.scope.version': '2',
      });
    });

    it('gzip-compressed bodies are decompressed', async () => {
      const res = await post('/v1/logs', gzipSync(logsRequestBytes([textRecord('zipped')])), { ...PROTO, 'Content-Encoding': 'gzip' });
      assert.equal(res.status, 200);
      assert.deepEqual(r.logs.records.map((x) => x.body), ['zipped']);
    });

    it('an empty request succeeds without reaching the pipeline (protobuf and JSON)', async () => {
      let calls = 0;
      r.logs.behaviour = () => {
        calls++;
        return undefined;
      };
      const a = await post('/v1/logs', Buffer.alloc(0));
      assert.equal(a.status, 200);
      assert.equal(a.body.length, 0);
      const b = await post('/v1/logs', '{}', JSON_CT);
      assert.equal(b.status, 200);
      assert.deepEqual(JSON.parse(b.body.toString()), {});
      const c = await post('/v1/logs', '{"resourceLogs":[{"scopeLogs":[{"logRecords":[]}]}]}', JSON_CT);
      assert.equal(c.status, 200);
      const d = await post('/v1/traces', '{}', JSON_CT);
      assert.equal(d.status, 200);
      assert.deepEqual(JSON.parse(d.body.toString()), {});
      assert.equal(calls, 0);
      assert.equal(r.traces.requests.length, 0);
    });

    it('partial success: an unconvertible record is reported, the others are delivered', async () => {
      const bad = textRecord('bad id', { traceId: Buffer.from([1, 2, 3, 4, 5]) });
      const res = await post('/v1/logs', logsRequestBytes([textRecord('a'), bad, textRecord('b')]));
      assert.equal(res.status, 200);
      const decoded = decodeExportLogsResponse(res.body);
      assert.equal(decoded.partialSuccess?.rejectedLogRecords, '1');
      assert.match(decoded.partialSuccess?.errorMessage ?? '', /trace_id must be 16 bytes, got 5/);
      assert.deepEqual(r.logs.records.map((x) => x.body), ['a', 'b']);
      assert.equal(r.telemetry.value('receiver_otlp_refused_log_records_total', { transport: 'http' }) >= 1, true);
    });

    it('partial success in JSON uses lowerCamelCase and an int64 string', async () => {
      const body = JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ spanId: 'abcd', body: { stringValue: 'x' } }] }] }] });
      const res = await post('/v1/logs', body, JSON_CT);
      assert.equal(res.status, 200);
      const json = JSON.parse(res.body.toString());
      assert.equal(json.partialSuccess.rejectedLogRecords, '1');
      assert.match(json.partialSuccess.errorMessage, /span_id must be 8 bytes, got 2/);
      assert.equal(r.logs.records.length, 0);
    });

    it('traces: JSON hex ids reach the trace pipeline as Buffers', async () => {
      const body = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{
        traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', parentSpanId: '', name: 'op',
        kind: 2, startTimeUnixNano: '1544712660000000000', endTimeUnixNano: '1544712661000000000',
      }] }] }] });
      const res = await post('/v1/traces', body, JSON_CT);
      assert.equal(res.status, 200);
      assert.equal(r.traces.requests.length, 1);
      const span = (r.traces.requests[0] as { resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[] })
        .resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
      assert.ok(Buffer.isBuffer(span.traceId));
      assert.equal((span.traceId as Buffer).toString('hex'), '5b8efff798038103d269b633813fc60c');
      assert.equal(span.startTimeUnixNano, '1544712660000000000');
      assert.equal(span.kind, 2);
      assert.deepEqual(decodeExportTraceResponse(Buffer.alloc(0)), {});
    });
  });

  describe('rejected requests', () => {
    it('415 for a content type that is not OTLP, with a google.rpc.Status body', async () => {
      const res = await post('/v1/logs', 'hello', { 'Content-Type': 'text/plain' });
      assert.equal(res.status, 415);
      assert.equal(res.headers['content-type'], 'application/x-protobuf');
      const status = decodeRpcStatus(res.body);
      assert.match(status.message, /application\/x-protobuf or application\/json/);
      assert.equal(r.logs.records.length, 0);
      assert.ok(r.telemetry.value('receiver_otlp_failed_requests_total', { reason: 'media_type' }) >= 1);
      assert.equal(r.telemetry.warnings().length, 1);
    });

    it('415 for an unsupported Content-Encoding', async () => {
      const res = await post('/v1/logs', logsRequestBytes([textRecord('x')]), { ...PROTO, 'Content-Encoding': 'br' });
      assert.equal(res.status, 415);
      assert.equal(r.logs.records.length, 0);
    });

    it('400 for a garbage protobuf body; one warning that does not contain the body', async () => {
      const garbage = Buffer.from('\xff\xff\xff\xffSECRET-GARBAGE', 'latin1');
      const res = await post('/v1/logs', garbage);
      assert.equal(res.status, 400);
      const status = decodeRpcStatus(res.body);
      assert.equal(status.code, 3);
      assert.match(status.message, /not a valid protobuf ExportLogsServiceRequest/);
      const warnings = r.telemetry.warnings();
      assert.equal(warnings.length, 1);
      assert.equal(warnings[0]!.fields.reason, 'bad_request');
      assert.doesNotMatch(JSON.stringify(r.telemetry.lines), /SECRET-GARBAGE/);
      assert.equal(r.logs.records.length, 0);
    });

    it('400 for invalid JSON, answered in JSON, without quoting the body', async () => {
      const res = await post('/v1/logs', '{"resourceLogs": SECRET-GARBAGE', JSON_CT);
      assert.equal(res.status, 400);
      assert.equal(res.headers['content-type'], 'application/json');
      const status = JSON.parse(res.body.toString());
      assert.equal(status.code, 3);
      assert.match(status.message, /not valid JSON/);
      assert.doesNotMatch(res.body.toString() + JSON.stringify(r.telemetry.lines), /SECRET-GARBAGE/);
    });

    it('400 for JSON that does not fit the schema (wrong types, bad hex)', async () => {
      const a = await post('/v1/logs', '{"resourceLogs": 5}', JSON_CT);
      assert.equal(a.status, 400);
      assert.match(JSON.parse(a.body.toString()).message, /resourceLogs: array expected/);
      const b = await post('/v1/logs', '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"traceId":"zz"}]}]}]}', JSON_CT);
      assert.equal(b.status, 400);
      assert.match(JSON.parse(b.body.toString()).message, /traceId: not a hex string/);
      const c = await post('/v1/traces', '[]', JSON_CT);
      assert.equal(c.status, 400);
      assert.equal(r.logs.records.length + r.traces.requests.length, 0);
    });

    it('400 for a body that claims gzip but is not', async () => {
      const res = await post('/v1/logs', logsRequestBytes([textRecord('x')]), { ...PROTO, 'Content-Encoding': 'gzip' });
      assert.equal(res.status, 400);
      assert.match(decodeRpcStatus(res.body).message, /not valid gzip/);
    });

    it('413 when the body is over the limit AFTER gzip decompression (small on the wire)', async () => {
      const big = logsRequestBytes([textRecord('x'.repeat(64 * 1024))]);
      const zipped = gzipSync(big);
      assert.ok(zipped.length < 4096, 'the compressed body itself is under the limit');
      const tooLargeBefore = r.telemetry.value('receiver_otlp_failed_requests_total', { reason: 'too_large' });
      const res = await post('/v1/logs', zipped, { ...PROTO, 'Content-Encoding': 'gzip' });
      assert.equal(res.status, 413);
      assert.equal(decodeRpcStatus(res.body).code, 8);
      assert.equal(r.logs.records.length, 0);
      assert.equal(r.telemetry.value('receiver_otlp_failed_requests_total', { reason: 'too_large' }) - tooLargeBefore, 1);
      // Just under the limit decompressed: accepted.
      const ok = await post('/v1/logs', gzipSync(logsRequestBytes([textRecord('y'.repeat(3000))])), { ...PROTO, 'Content-Encoding': 'gzip' });
      assert.equal(ok.status, 200);
    });

    it('413 for a plain body over the limit, whether Content-Length says so or not', async () => {
      const big = logsRequestBytes([textRecord('x'.repeat(8 * 1024))]);
      const a = await post('/v1/logs', big);
      assert.equal(a.status, 413);
      const b = await httpPost(r.httpPort, '/v1/logs', big, { headers: PROTO, chunked: true });
      assert.equal(b.status, 413);
      assert.equal(r.logs.records.length, 0);
    });

    it('404 for other paths, 405 with Allow for other methods', async () => {
      const a = await post('/v1/metrics', logsRequestBytes([]));
      assert.equal(a.status, 404);
      const b = await post('/', logsRequestBytes([]));
      assert.equal(b.status, 404);
      const c = await post('/v1/logs', '', PROTO, 'GET');
      assert.equal(c.status, 405);
      assert.equal(c.headers.allow, 'POST');
      const d = await post('/v1/logs?x=1', logsRequestBytes([textRecord('query ok')]));
      assert.equal(d.status, 200, 'a query string does not change the path');
    });
  });

  describe('the pipeline answers', () => {
    it('PermanentError → 400 INVALID_ARGUMENT, not retryable', async () => {
      r.logs.behaviour = () => new PermanentError('KO_ERR_TEST_BAD', 'records are malformed');
      const refusedBefore = r.telemetry.value('receiver_otlp_refused_log_records_total', { transport: 'http' });
      const res = await post('/v1/logs', logsRequestBytes([textRecord('x'), textRecord('y')]));
      assert.equal(res.status, 400);
      assert.equal(res.headers['retry-after'], undefined);
      const status = decodeRpcStatus(res.body);
      assert.equal(status.code, 3);
      assert.match(status.message, /KO_ERR_TEST_BAD: records are malformed/);
      assert.equal(r.telemetry.value('receiver_otlp_refused_log_records_total', { transport: 'http' }) - refusedBefore, 2);
    });

    it('a PermanentError in the cause chain is still permanent', async () => {
      r.logs.behaviour = () => new Error('wrapped', { cause: new PermanentError('KO_ERR_TEST', 'bad') });
      const res = await post('/v1/logs', logsRequestBytes([textRecord('x')]));
      assert.equal(res.status, 400);
    });

    it('RetryableError with retryAfterMs → 503 with Retry-After and RetryInfo', async () => {
      r.logs.behaviour = () => new RetryableError('KO_ERR_QUEUE_FULL', 'queue full', 2500);
      const res = await post('/v1/logs', logsRequestBytes([textRecord('x')]));
      assert.equal(res.status, 503);
      assert.equal(res.headers['retry-after'], '3');
      const status = decodeRpcStatus(res.body);
      assert.equal(status.code, 14);
      assert.equal(status.retryDelayMs, 2500);
      assert.equal(r.logs.records.length, 0);
    });

    it('RetryableError in JSON: 503 with the RetryInfo detail in proto3 JSON', async () => {
      r.logs.behaviour = () => new RetryableError('KO_ERR_QUEUE_FULL', 'queue full', 1000);
      const body = JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'x' } }] }] }] });
      const res = await post('/v1/logs', body, JSON_CT);
      assert.equal(res.status, 503);
      assert.equal(res.headers['retry-after'], '1');
      assert.deepEqual(JSON.parse(res.body.toString()).details, [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '1s' }]);
    });

    it('any other rejection → 503 without Retry-After', async () => {
      r.logs.behaviour = () => new Error('backpressure');
      const res = await post('/v1/logs', logsRequestBytes([textRecord('x')]));
      assert.equal(res.status, 503);
      assert.equal(res.headers['retry-after'], undefined);
      assert.match(decodeRpcStatus(res.body).message, /backpressure/);
    });

    it('the trace pipeline: PermanentError → 400, RetryableError → 503', async () => {
      const span = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ name: 'op', traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174' }] }] }] });
      const refusedBefore = r.telemetry.value('receiver_otlp_refused_spans_total', { transport: 'http' });
      r.traces.behaviour = () => new PermanentError('KO_ERR_TEST', 'no');
      assert.equal((await post('/v1/traces', span, JSON_CT)).status, 400);
      r.traces.behaviour = () => new RetryableError('KO_ERR_TEST', 'later', 4000);
      const res = await post('/v1/traces', span, JSON_CT);
      assert.equal(res.status, 503);
      assert.equal(res.headers['retry-after'], '4');
      r.traces.behaviour = undefined;
      assert.equal(r.telemetry.value('receiver_otlp_refused_spans_total', { transport: 'http' }) - refusedBefore, 2);
    });
  });
});
