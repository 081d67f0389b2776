/**
 * The traces schema added to pdata/otlp (written from the spec's field numbers): a span with
 * every field survives protobuf and OTLP/JSON round trips, and the wire bytes of a few fields
 * are checked against hand-computed tags so a wrong field number would show.
 */
import assert from 'node:assert/strict';
import {
  decodeExportTraceRequest, decodeExportTraceResponse, encodeExportTraceRequest, encodeExportTraceResponse,
  exportTraceRequestFromJson, exportTraceRequestToJson, OtlpJsonError, type ExportTraceServiceRequest,
} from '../../../pdata/otlp/codec';
import { TRACES_EXPORT_METHOD_PATH } from '../../../pdata/otlp/schema';

const TRACE = Buffer.from('5b8efff798038103d269b633813fc60c', 'hex');
const SPAN = Buffer.from('eee19b7ec3c1b174', 'hex');
const PARENT = Buffer.from('0102030405060708', 'hex');

const FULL: ExportTraceServiceRequest = {
  resourceSpans: [{
    resource: { attributes: [{ key: 'service.name', value: { stringValue: 'kata' } }] },
    schemaUrl: 'https://opentelemetry.io/schemas/1.27.0',
    scopeSpans: [{
      scope: { name: 'kata-runtime', version: '3.1' },
      spans: [{
        traceId: TRACE, spanId: SPAN, traceState: 'k=v', parentSpanId: PARENT, flags: 0x301, name: 'CreateContainer',
        kind: 3, startTimeUnixNano: '1700000000000000001', endTimeUnixNano: '18446744073709551615',
        attributes: [{ key: 'container_id', value: { stringValue: 'c1' } }], droppedAttributesCount: 1,
        events: [{ timeUnixNano: '1700000000500000000', name: 'e', attributes: [{ key: 'n', value: { intValue: '-1' } }], droppedAttributesCount: 2 }],
        droppedEventsCount: 3,
        links: [{ traceId: TRACE, spanId: PARENT, traceState: 'a=b', droppedAttributesCount: 4, flags: 1 }],
        droppedLinksCount: 5,
        status: { message: 'failed', code: 2 },
      }],
    }],
  }],
};

describe('otlp traces schema and codec', function () {
  it('protobuf round trip keeps every field (fixed64 as unsigned decimal strings)', () => {
    const back = decodeExportTraceRequest(encodeExportTraceRequest(FULL));
    const span = back.resourceSpans![0]!.scopeSpans![0]!.spans![0]!;
    assert.equal(span.endTimeUnixNano, '18446744073709551615');
    assert.deepEqual(JSON.parse(JSON.stringify(back)), JSON.parse(JSON.stringify(FULL)));
  });

  it('field numbers: Span.name is field 5 and Status.code field 3, as in trace.proto', () => {
    const bytes = Buffer.from(encodeExportTraceRequest({ resourceSpans: [{ scopeSpans: [{ spans: [{ name: 'N', status: { code: 2 } }] }] }] }));
    // Span: name (5, length-delimited) = 0x2a; status (15, length-delimited) = 0x7a holding code (3, varint) = 0x18 0x02.
    assert.ok(bytes.includes(Buffer.from([0x2a, 0x01, 0x4e])), bytes.toString('hex'));
    assert.ok(bytes.includes(Buffer.from([0x7a, 0x02, 0x18, 0x02])), bytes.toString('hex'));
    const flags = Buffer.from(encodeExportTraceRequest({ resourceSpans: [{ scopeSpans: [{ spans: [{ flags: 0x101 }] }] }] }));
    // flags: field 16, fixed32 → tag (16 << 3 | 5) = 0x85 0x01.
    assert.ok(flags.includes(Buffer.from([0x85, 0x01, 0x01, 0x01, 0x00, 0x00])), flags.toString('hex'));
  });

  it('OTLP/JSON: ids in hex both ways, int64 as strings, enums as integers', () => {
    const json = exportTraceRequestToJson(FULL);
    const span = (json as any).resourceSpans[0].scopeSpans[0].spans[0];
    assert.equal(span.traceId, '5b8efff798038103d269b633813fc60c');
    assert.equal(span.parentSpanId, '0102030405060708');
    assert.equal(span.links[0].spanId, '0102030405060708');
    assert.equal(span.startTimeUnixNano, '1700000000000000001');
    assert.equal(span.kind, 3);
    const back = exportTraceRequestFromJson(JSON.parse(JSON.stringify(json)));
    assert.deepEqual(JSON.parse(JSON.stringify(back)), JSON.parse(JSON.stringify(FULL)));
  });

  it('OTLP/JSON input: upper-case hex accepted, bad hex and non-objects refused', () => {
    const req = exportTraceRequestFromJson({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '5B8EFFF798038103D269B633813FC60C' }] }] }] });
    assert.deepEqual(req.resourceSpans![0]!.scopeSpans![0]!.spans![0]!.traceId, TRACE);
    assert.throws(() => exportTraceRequestFromJson({ resourceSpans: [{ scopeSpans: [{ spans: [{ spanId: 'xyz1' }] }] }] }), OtlpJsonError);
    assert.throws(() => exportTraceRequestFromJson([]), OtlpJsonError);
  });

  it('response with partial success, and the gRPC method path', () => {
    const res = decodeExportTraceResponse(encodeExportTraceResponse({ partialSuccess: { rejectedSpans: '2', errorMessage: 'm' } }));
    assert.deepEqual(res, { partialSuccess: { rejectedSpans: '2', errorMessage: 'm' } });
    assert.equal(TRACES_EXPORT_METHOD_PATH, '/opentelemetry.proto.collector.trace.v1.TraceService/Export');
  });
});
