/**
 * The OTLP logs schema as protobuf text, written for this project from the field numbers
 * of opentelemetry-proto v1.11 (common, resource, logs and the logs collector service).
 * No .proto file ships on npm, so the schema lives here and codec.ts builds a protobufjs
 * Root from it. The offline converter uses it in tests; the OTLP receiver decodes with it.
 *
 * Each constant is one .proto file. Types of other files are named by their full path
 * (leading dot), so the files can be parsed into one Root in any order, with no imports.
 * Fields used only by profiles (`*_strindex`) are declared so that decoding keeps working
 * when a sender sets them; kata-otel never writes them.
 */

export const COMMON_PROTO = `
syntax = "proto3";
package opentelemetry.proto.common.v1;

// A value of an attribute, a log body or an array element: exactly one member is set.
message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
    int32 string_value_strindex = 8;
  }
}

message ArrayValue {
  repeated AnyValue values = 1;
}

message KeyValueList {
  repeated KeyValue values = 1;
}

message KeyValue {
  string key = 1;
  AnyValue value = 2;
  int32 key_strindex = 3;
}

// The library that produced the records; for kata-otel, name "kata-otel" and its version.
message InstrumentationScope {
  string name = 1;
  string version = 2;
  repeated KeyValue attributes = 3;
  uint32 dropped_attributes_count = 4;
}

// Points at the resource attributes that identify (and describe) one entity.
message EntityRef {
  string schema_url = 1;
  string type = 2;
  repeated string id_keys = 3;
  repeated string description_keys = 4;
}
`;

export const RESOURCE_PROTO = `
syntax = "proto3";
package opentelemetry.proto.resource.v1;

message Resource {
  repeated .opentelemetry.proto.common.v1.KeyValue attributes = 1;
  uint32 dropped_attributes_count = 2;
  repeated .opentelemetry.proto.common.v1.EntityRef entity_refs = 3;
}
`;

export const LOGS_PROTO = `
syntax = "proto3";
package opentelemetry.proto.logs.v1;

// The file exporter's on-disk form; same shape as the export request.
message LogsData {
  repeated ResourceLogs resource_logs = 1;
}

message ResourceLogs {
  .opentelemetry.proto.resource.v1.Resource resource = 1;
  repeated ScopeLogs scope_logs = 2;
  string schema_url = 3;
  reserved 1000;
}

message ScopeLogs {
  .opentelemetry.proto.common.v1.InstrumentationScope scope = 1;
  repeated LogRecord log_records = 2;
  string schema_url = 3;
}

// Four steps per level; the first of each range is the level itself.
enum SeverityNumber {
  SEVERITY_NUMBER_UNSPECIFIED = 0;
  SEVERITY_NUMBER_TRACE = 1;
  SEVERITY_NUMBER_TRACE2 = 2;
  SEVERITY_NUMBER_TRACE3 = 3;
  SEVERITY_NUMBER_TRACE4 = 4;
  SEVERITY_NUMBER_DEBUG = 5;
  SEVERITY_NUMBER_DEBUG2 = 6;
  SEVERITY_NUMBER_DEBUG3 = 7;
  SEVERITY_NUMBER_DEBUG4 = 8;
  SEVERITY_NUMBER_INFO = 9;
  SEVERITY_NUMBER_INFO2 = 10;
  SEVERITY_NUMBER_INFO3 = 11;
  SEVERITY_NUMBER_INFO4 = 12;
  SEVERITY_NUMBER_WARN = 13;
  SEVERITY_NUMBER_WARN2 = 14;
  SEVERITY_NUMBER_WARN3 = 15;
  SEVERITY_NUMBER_WARN4 = 16;
  SEVERITY_NUMBER_ERROR = 17;
  SEVERITY_NUMBER_ERROR2 = 18;
  SEVERITY_NUMBER_ERROR3 = 19;
  SEVERITY_NUMBER_ERROR4 = 20;
  SEVERITY_NUMBER_FATAL = 21;
  SEVERITY_NUMBER_FATAL2 = 22;
  SEVERITY_NUMBER_FATAL3 = 23;
  SEVERITY_NUMBER_FATAL4 = 24;
}

// The low byte of LogRecord.flags carries the W3C trace flags.
enum LogRecordFlags {
  LOG_RECORD_FLAGS_DO_NOT_USE = 0;
  LOG_RECORD_FLAGS_TRACE_FLAGS_MASK = 0x000000FF;
}

message LogRecord {
  fixed64 time_unix_nano = 1;
  fixed64 observed_time_unix_nano = 11;
  SeverityNumber severity_number = 2;
  string severity_text = 3;
  .opentelemetry.proto.common.v1.AnyValue body = 5;
  repeated .opentelemetry.proto.common.v1.KeyValue attributes = 6;
  uint32 dropped_attributes_count = 7;
  fixed32 flags = 8;
  bytes trace_id = 9;
  bytes span_id = 10;
  string event_name = 12;
  reserved 4;
}
`;

export const LOGS_SERVICE_PROTO = `
syntax = "proto3";
package opentelemetry.proto.collector.logs.v1;

service LogsService {
  rpc Export(ExportLogsServiceRequest) returns (ExportLogsServiceResponse) {}
}

message ExportLogsServiceRequest {
  repeated .opentelemetry.proto.logs.v1.ResourceLogs resource_logs = 1;
}

message ExportLogsServiceResponse {
  // Unset on full success.
  ExportLogsPartialSuccess partial_success = 1;
}

message ExportLogsPartialSuccess {
  int64 rejected_log_records = 1;
  string error_message = 2;
}
`;

/** All four files, in an order that needs no imports. */
export const OTLP_LOGS_PROTO_FILES: readonly string[] = [COMMON_PROTO, RESOURCE_PROTO, LOGS_PROTO, LOGS_SERVICE_PROTO];

/** Fully qualified names the codec looks up. */
export const OTLP_NAMES = {
  EXPORT_LOGS_REQUEST: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest',
  EXPORT_LOGS_RESPONSE: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse',
  LOGS_SERVICE: 'opentelemetry.proto.collector.logs.v1.LogsService',
  LOGS_DATA: 'opentelemetry.proto.logs.v1.LogsData',
  LOG_RECORD: 'opentelemetry.proto.logs.v1.LogRecord',
  ANY_VALUE: 'opentelemetry.proto.common.v1.AnyValue',
} as const;

/** gRPC method path of LogsService.Export. */
export const LOGS_EXPORT_METHOD_PATH = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';

// ---- traces ------------------------------------------------------------------------------
// Written from the field numbers of opentelemetry-proto v1.x trace/v1/trace.proto and
// collector/trace/v1/trace_service.proto. kata-otel passes traces through untouched, so the
// schema only has to decode and re-encode them losslessly.

export const TRACE_PROTO = `
syntax = "proto3";
package opentelemetry.proto.trace.v1;

message TracesData {
  repeated ResourceSpans resource_spans = 1;
}

message ResourceSpans {
  .opentelemetry.proto.resource.v1.Resource resource = 1;
  repeated ScopeSpans scope_spans = 2;
  string schema_url = 3;
  reserved 1000;
}

message ScopeSpans {
  .opentelemetry.proto.common.v1.InstrumentationScope scope = 1;
  repeated Span spans = 2;
  string schema_url = 3;
}

message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  string trace_state = 3;
  bytes parent_span_id = 4;
  // Low byte: W3C trace flags; bits 8 and 9: whether the parent is known to be remote.
  fixed32 flags = 16;
  string name = 5;

  enum SpanKind {
    SPAN_KIND_UNSPECIFIED = 0;
    SPAN_KIND_INTERNAL = 1;
    SPAN_KIND_SERVER = 2;
    SPAN_KIND_CLIENT = 3;
    SPAN_KIND_PRODUCER = 4;
    SPAN_KIND_CONSUMER = 5;
  }

  SpanKind kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated .opentelemetry.proto.common.v1.KeyValue attributes = 9;
  uint32 dropped_attributes_count = 10;

  message Event {
    fixed64 time_unix_nano = 1;
    string name = 2;
    repeated .opentelemetry.proto.common.v1.KeyValue attributes = 3;
    uint32 dropped_attributes_count = 4;
  }

  repeated Event events = 11;
  uint32 dropped_events_count = 12;

  message Link {
    bytes trace_id = 1;
    bytes span_id = 2;
    string trace_state = 3;
    repeated .opentelemetry.proto.common.v1.KeyValue attributes = 4;
    uint32 dropped_attributes_count = 5;
    fixed32 flags = 6;
  }

  repeated Link links = 13;
  uint32 dropped_links_count = 14;
  Status status = 15;
}

message Status {
  reserved 1;
  string message = 2;

  enum StatusCode {
    STATUS_CODE_UNSET = 0;
    STATUS_CODE_OK = 1;
    STATUS_CODE_ERROR = 2;
  }

  StatusCode code = 3;
}

enum SpanFlags {
  SPAN_FLAGS_DO_NOT_USE = 0;
  SPAN_FLAGS_TRACE_FLAGS_MASK = 0x000000FF;
  SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK = 0x00000100;
  SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK = 0x00000200;
}
`;

export const TRACE_SERVICE_PROTO = `
syntax = "proto3";
package opentelemetry.proto.collector.trace.v1;

service TraceService {
  rpc Export(ExportTraceServiceRequest) returns (ExportTraceServiceResponse) {}
}

message ExportTraceServiceRequest {
  repeated .opentelemetry.proto.trace.v1.ResourceSpans resource_spans = 1;
}

message ExportTraceServiceResponse {
  // Unset on full success.
  ExportTracePartialSuccess partial_success = 1;
}

message ExportTracePartialSuccess {
  int64 rejected_spans = 1;
  string error_message = 2;
}
`;

/** Common, resource, trace and the trace collector service, in an order that needs no imports. */
export const OTLP_TRACES_PROTO_FILES: readonly string[] = [COMMON_PROTO, RESOURCE_PROTO, TRACE_PROTO, TRACE_SERVICE_PROTO];

export const OTLP_TRACE_NAMES = {
  EXPORT_TRACE_REQUEST: 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
  EXPORT_TRACE_RESPONSE: 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse',
  TRACE_SERVICE: 'opentelemetry.proto.collector.trace.v1.TraceService',
  TRACES_DATA: 'opentelemetry.proto.trace.v1.TracesData',
  SPAN: 'opentelemetry.proto.trace.v1.Span',
} as const;

/** gRPC method path of TraceService.Export. */
export const TRACES_EXPORT_METHOD_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
