/**
 * Configs (defaults, strict keys, messages naming the key), the retry policy (backoff with
 * full jitter, throttle floor) and the classification of OTLP answers.
 */
import { strict as assert } from 'node:assert';
import { parseComponentConfig } from '../../component/factory';
import { backoffDelayMs, MAX_THROTTLE_MS } from '../../exporter/helper/backoff';
import { parseDurationMs } from '../../exporter/helper/config';
import { classifyGrpcError, classifyHttpFailure, encodeRpcStatus, GrpcCode, parseRetryAfter } from '../../exporter/helper/outcome';
import { otlpExporterFactory } from '../../exporter/otlp';
import type { OtlpExporterConfig } from '../../exporter/otlp';
import { otlpHttpExporterFactory, signalUrl } from '../../exporter/otlphttp';
import type { OtlpHttpExporterConfig } from '../../exporter/otlphttp';
import { LOGS_SIGNAL, TRACES_SIGNAL } from '../../exporter/helper/signals';

describe('otlp exporters: config', () => {
  it('otlp: defaults fill everything but the endpoint', () => {
    const { config, issues } = parseComponentConfig(otlpExporterFactory, { endpoint: 'collector:4317' }, 'exporters.otlp');
    assert.deepEqual(issues, []);
    assert.deepEqual(config, {
      endpoint: 'collector:4317',
      tls: { insecure: false, insecure_skip_verify: false },
      headers: {},
      compression: 'gzip',
      timeout: 10_000,
      sending_queue: { enabled: true, max_size_mib: 256, block_timeout: 5000, when_full: 'block', max_request_mib: 1 },
      retry_on_failure: { enabled: true, initial_interval: 1000, max_interval: 30_000, max_elapsed_time: 0, multiplier: 1.5 },
    } satisfies OtlpExporterConfig);
  });

  it('otlp: errors name the key and say what is expected', () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [{}, 'exporters.otlp.endpoint', /required/],
      [{ endpoint: 'a:1', compresion: 'gzip' }, 'exporters.otlp', /Unrecognized key: "compresion"/],
      [{ endpoint: 'a:1', timeout: 'soon' }, 'exporters.otlp.timeout', /duration such as "250ms"/],
      [{ endpoint: 'a:1', sending_queue: { when_full: 'drop_oldest' } }, 'exporters.otlp.sending_queue.when_full', /block|drop_newest/],
      [{ endpoint: 'a:1', retry_on_failure: { max_elapsed: '1m' } }, 'exporters.otlp.retry_on_failure', /max_elapsed/],
      [{ endpoint: 'a:1', compression: 'zstd' }, 'exporters.otlp.compression', /gzip|none/],
      [{ endpoint: 'http://a:1/v1/logs' }, 'exporters.otlp.endpoint', /no URL path/],
      [{ endpoint: 'a:1', tls: { cert_file: '/etc/hostname' } }, 'exporters.otlp.tls.key_file', /go together/],
      [{ endpoint: 'a:1', tls: { ca_file: '/nonexistent/ca.pem' } }, 'exporters.otlp.tls.ca_file', /file not found/],
      [{ endpoint: 'a:1', retry_on_failure: { initial_interval: '10s', max_interval: '1s' } }, 'exporters.otlp.retry_on_failure.max_interval', /initial_interval/],
    ];
    for (const [raw, path, message] of cases) {
      const { config, issues } = parseComponentConfig(otlpExporterFactory, raw, 'exporters.otlp');
      assert.equal(config, undefined, JSON.stringify(raw));
      assert.ok(issues.some((i) => i.path === path && message.test(i.message)), `${JSON.stringify(raw)} → ${JSON.stringify(issues)}`);
    }
  });

  it('otlphttp: defaults, the signal URLs, and errors', () => {
    const { config } = parseComponentConfig(otlpHttpExporterFactory, { endpoint: 'https://otlp.example:4318/base/' }, 'exporters.otlphttp');
    assert.equal(config!.encoding, 'proto');
    assert.equal(config!.compression, 'gzip');
    assert.equal(signalUrl(config!, LOGS_SIGNAL)!.href, 'https://otlp.example:4318/base/v1/logs');
    assert.equal(signalUrl(config!, TRACES_SIGNAL)!.href, 'https://otlp.example:4318/base/v1/traces');
    const explicit = parseComponentConfig(otlpHttpExporterFactory, { logs_endpoint: 'http://loki:3100/otlp/v1/logs', encoding: 'json' }, 'x').config as OtlpHttpExporterConfig;
    assert.equal(signalUrl(explicit, LOGS_SIGNAL)!.href, 'http://loki:3100/otlp/v1/logs');
    assert.equal(signalUrl(explicit, TRACES_SIGNAL), undefined);
    const bad = parseComponentConfig(otlpHttpExporterFactory, {}, 'exporters.otlphttp');
    assert.deepEqual(bad.issues.map((i) => i.path), ['exporters.otlphttp.endpoint']);
    const ftp = parseComponentConfig(otlpHttpExporterFactory, { endpoint: 'ftp://x' }, 'exporters.otlphttp');
    assert.match(ftp.issues[0]!.message, /http:\/\/ or https:\/\//);
    const enc = parseComponentConfig(otlpHttpExporterFactory, { endpoint: 'http://x', encoding: 'protobuf' }, 'exporters.otlphttp');
    assert.equal(enc.issues[0]!.path, 'exporters.otlphttp.encoding');
  });

  it('durations: Go-style strings, bare numbers are milliseconds', () => {
    assert.equal(parseDurationMs('250ms'), 250);
    assert.equal(parseDurationMs('1m30s'), 90_000);
    assert.equal(parseDurationMs('1.5s'), 1500);
    assert.equal(parseDurationMs('0'), 0);
    assert.equal(parseDurationMs(40), 40);
    assert.equal(parseDurationMs('5'), 5);
    assert.equal(parseDurationMs('5 s'), undefined);
    assert.equal(parseDurationMs('1d'), undefined);
    assert.equal(parseDurationMs(-1), undefined);
  });
});

describe('otlp exporters: retry policy', () => {
  const cfg = { enabled: true, initial_interval: 1000, max_interval: 30_000, max_elapsed_time: 0, multiplier: 1.5 };

  it('backoff grows by the multiplier up to max_interval, with full jitter below the ceiling', () => {
    assert.equal(backoffDelayMs(cfg, 0, undefined, () => 0.999999), 999);
    assert.equal(backoffDelayMs(cfg, 1, undefined, () => 0.999999), 1499);
    assert.equal(backoffDelayMs(cfg, 3, undefined, () => 0.999999), 3374);
    assert.equal(backoffDelayMs(cfg, 50, undefined, () => 0.999999), 29_999);
    assert.equal(backoffDelayMs(cfg, 5, undefined, () => 0), 0);
    const samples = Array.from({ length: 2000 }, () => backoffDelayMs(cfg, 20));
    assert.ok(Math.min(...samples) < 3000 && Math.max(...samples) > 27_000, 'spread over [0, max_interval)');
  });

  it('a server throttle hint is a floor, capped', () => {
    assert.equal(backoffDelayMs(cfg, 0, 5000, () => 0.5), 5000);
    assert.equal(backoffDelayMs(cfg, 10, 100, () => 0.5), 15_000);
    assert.equal(backoffDelayMs(cfg, 0, 86_400_000, () => 0), MAX_THROTTLE_MS);
  });

  it('Retry-After: seconds or an HTTP-date', () => {
    assert.equal(parseRetryAfter('7'), 7000);
    const now = Date.parse('2026-11-27T10:00:00Z');
    assert.equal(parseRetryAfter('Fri, 27 Nov 2026 10:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter(undefined), undefined);
  });

  it('HTTP: only 429, 502, 503 and 504 are retryable', () => {
    for (let status = 300; status < 600; status++) {
      const o = classifyHttpFailure(status, undefined, Buffer.alloc(0), undefined);
      assert.equal(o.kind, [429, 502, 503, 504].includes(status) ? 'retryable' : 'permanent', String(status));
    }
    const throttled = classifyHttpFailure(503, 'application/x-protobuf', Buffer.from(encodeRpcStatus({ code: 14, message: 'overloaded' })), '3');
    assert.deepEqual([throttled.kind, 'retryAfterMs' in throttled ? throttled.retryAfterMs : -1], ['retryable', 3000]);
    assert.match((throttled as { error: Error }).error.message, /HTTP 503: overloaded/);
    const json = classifyHttpFailure(400, 'application/json', Buffer.from('{"code":3,"message":"bad field"}'), undefined);
    assert.match((json as { error: Error }).error.message, /HTTP 400: bad field/);
  });

  it('gRPC: the retryable codes, RESOURCE_EXHAUSTED only with RetryInfo, connection-level errors retried', () => {
    const retryable = [GrpcCode.CANCELLED, GrpcCode.DEADLINE_EXCEEDED, GrpcCode.ABORTED, GrpcCode.OUT_OF_RANGE, GrpcCode.UNAVAILABLE, GrpcCode.DATA_LOSS];
    for (let code = 1; code <= 16; code++) {
      const o = classifyGrpcError({ code, details: 'x', metadata: { get: () => [] } });
      assert.equal(o.kind, (retryable as number[]).includes(code) ? 'retryable' : 'permanent', `code ${code}`);
    }
    const withInfo = (code: number): { code: number; details: string; metadata: { get(k: string): unknown[] } } => ({
      code, details: 'slow down',
      metadata: { get: (k: string) => (k === 'grpc-status-details-bin' ? [Buffer.from(encodeRpcStatus({ code, message: 'slow down', retryDelayMs: 2500 }))] : []) },
    });
    const exhausted = classifyGrpcError(withInfo(GrpcCode.RESOURCE_EXHAUSTED));
    assert.equal(exhausted.kind, 'retryable');
    assert.equal((exhausted as { retryAfterMs?: number }).retryAfterMs, 2500);
    assert.equal((classifyGrpcError(withInfo(GrpcCode.UNAVAILABLE)) as { retryAfterMs?: number }).retryAfterMs, 2500);
    assert.equal(classifyGrpcError(withInfo(GrpcCode.INVALID_ARGUMENT)).kind, 'permanent');
    assert.equal(classifyGrpcError(new Error('Concurrent export limit reached')).kind, 'retryable');
  });
});
